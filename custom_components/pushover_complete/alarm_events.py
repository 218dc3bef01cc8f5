"""The data of an alarm's events, built from its record and Pushover's answer.

An emergency sent with ``send_message`` (an alarm that is not ``public``)
carries ``alarm_id`` null and no ``round``, as before alarms had rounds.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .alarm import Alarm, ReceiptRecord
from .api import ReceiptResponse
from .data import PushoverCompleteConfigEntry
from .receipts import receipt_summary
from .recipients import notify_entity_of, recipient_subentries


def iso(timestamp: float) -> str:
    """Return a Unix time as ISO 8601 (whole seconds, UTC)."""
    return dt_util.utc_from_timestamp(int(timestamp)).isoformat()


class AlarmEvents:
    """Build the event data of one entry's alarms."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Look names and entities up in this entry and Home Assistant's registry."""
        self.hass = hass
        self.entry = entry

    def notify_entity_id(self, subentry_id: str | None) -> str | None:
        """Return the notify entity of a recipient (its id may have been renamed)."""
        return notify_entity_of(self.hass, self.entry, subentry_id)

    def recipient_name(self, record: ReceiptRecord, user_key: str | None) -> str | None:
        """Name who answered: the recipient the alarm went through, else by key."""
        if not user_key:
            return None
        if user_key == record.user_key:
            subentry = self.entry.subentries.get(record.recipient or "")
            if subentry is not None:
                return subentry.title
            if record.name:
                return record.name
        matches = recipient_subentries(self.entry.subentries.values(), user_key)
        return matches[0].title if matches else None

    def _common(self, alarm: Alarm, receipt: str | None) -> dict[str, Any]:
        record = alarm.receipts.get(receipt or "")
        data: dict[str, Any] = {
            "config_entry_id": self.entry.entry_id,
            "receipt": receipt,
            "title": alarm.title,
            "message": alarm.message.get("message"),
            "tags": alarm.tags,
            "notify_entity_id": self.notify_entity_id(record.recipient)
            if record
            else None,
            "alarm_id": alarm.alarm_id if alarm.public else None,
        }
        if alarm.public:
            data["round"] = alarm.round
        return data

    def acknowledged(
        self, alarm: Alarm, receipt: str, answer: ReceiptResponse
    ) -> dict[str, Any]:
        """Return the data of ``pushover_complete_acknowledged``."""
        summary = receipt_summary(answer)
        by = summary["acknowledged_by"]
        return {
            **self._common(alarm, receipt),
            "acknowledged_at": summary["acknowledged_at"]
            or dt_util.utcnow().replace(microsecond=0).isoformat(),
            "acknowledged_by": by,
            "acknowledged_by_name": self.recipient_name(alarm.receipts[receipt], by),
            "acknowledged_by_device": summary["acknowledged_by_device"],
        }

    def expired(self, alarm: Alarm) -> dict[str, Any]:
        """Return the data of ``pushover_complete_expired``."""
        return self._common(alarm, alarm.last_expired)

    def resolved(
        self, alarm: Alarm, resolved_by: str | None, now: float
    ) -> dict[str, Any]:
        """Return the data of ``pushover_complete_resolved``."""
        return {
            "config_entry_id": self.entry.entry_id,
            "alarm_id": alarm.alarm_id,
            "key": alarm.key,
            "title": alarm.title,
            "message": alarm.message.get("message"),
            "tags": alarm.tags,
            "round": alarm.round,
            "acknowledged_by_name": alarm.acknowledged_by_name,
            "resolved_by": resolved_by,
            "started": iso(alarm.started),
            "resolved_at": iso(now),
        }
