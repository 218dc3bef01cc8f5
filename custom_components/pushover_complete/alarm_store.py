"""Where an entry's alarms are stored, and how older stores are read.

The store holds every emergency as one record (``alarm.py``). Before
records, it held escalating alarms only, with steps of notify entity ids,
while their receipts (and those of ``send_message`` emergencies) lived in a
store of their own: both are read into records, and the old receipts store
is removed once the records are saved. Each record is read on its own: one
damaged record is skipped with a warning naming it; the rest load.
"""

from __future__ import annotations

from typing import Any, Final
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store

from .alarm import MIN_EXPIRE, Alarm, QueuedSend, ReceiptRecord
from .const import CONF_EXPIRE, DEFAULT_EXPIRE, LOGGER
from .data import PushoverCompleteConfigEntry
from .outbox import Outbox, QueuedMessage
from .storage import ALARMS, OLD_RECEIPTS, store_key

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0


def _migrate_alarm(
    raw: dict[str, Any], registry: er.EntityRegistry, expire: int
) -> None:
    """Turn an alarm stored before records (steps of entity ids) into one (in place)."""
    for step in raw.get("steps") or []:
        if isinstance(step, dict) and "targets" in step:
            step["recipients"] = [
                reg.config_subentry_id
                for entity_id in step.pop("targets") or []
                if (reg := registry.async_get(str(entity_id)))
                and reg.config_subentry_id
            ]
    message = raw.get("message")
    given = message.get("expire") if isinstance(message, dict) else None
    raw.setdefault("expire", given or expire)
    raw.setdefault("round_started", raw.get("started"))


class AlarmStore:
    """Load and save the records of one entry's alarms."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Name the entry's stores; nothing is read yet."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, store_key(entry.entry_id, ALARMS), private=True
        )
        self._old_receipts: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, store_key(entry.entry_id, OLD_RECEIPTS), private=True
        )
        self._hass = hass
        self._entry = entry

    async def async_load(self) -> dict[str, Alarm]:
        """Return the stored records by alarm id (damaged ones skipped)."""
        stored = await self._store.async_load() or {}
        alarms: dict[str, Alarm] = {}
        registry = er.async_get(self._hass)
        expire = int(self._entry.options.get(CONF_EXPIRE, DEFAULT_EXPIRE))
        for index, raw in enumerate(stored.get("alarms", [])):
            try:
                if "expire" not in raw:  # stored before records
                    _migrate_alarm(raw, registry, expire)
                alarm = Alarm.from_dict(raw)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                LOGGER.warning(
                    "Skipped stored alarm %d (%s): it cannot be read (%s)",
                    index + 1,
                    _name_of(raw),
                    type(err).__name__,
                )
                continue
            alarms[alarm.alarm_id] = alarm
        if await self._async_fold_old_receipts(alarms):
            # Written at once: the old store must not be read (and fire) twice.
            await self.async_save(list(alarms.values()))
        return alarms

    async def _async_fold_old_receipts(self, alarms: dict[str, Alarm]) -> bool:
        """Read the receipts stored apart before records; tell whether there were."""
        old = await self._old_receipts.async_load()
        if not old:
            return False
        registry = er.async_get(self._hass)
        for index, raw in enumerate(old.get("receipts", [])):
            try:
                _fold_receipt(alarms, raw, self._entry, registry)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                LOGGER.warning(
                    "Skipped stored receipt %d: it cannot be read (%s)",
                    index + 1,
                    type(err).__name__,
                )
        return True

    async def async_save(self, alarms: list[Alarm]) -> None:
        """Write the records now (an old receipts store goes once they are)."""
        await self._store.async_save({"alarms": [a.as_dict() for a in alarms]})
        await self._old_receipts.async_remove()

    def async_delay_save(self, alarms: dict[str, Alarm]) -> None:
        """Write the records soon (a burst of changes makes one write)."""
        self._store.async_delay_save(
            lambda: {"alarms": [a.as_dict() for a in alarms.values()]}, SAVE_DELAY
        )


def _fold_receipt(
    alarms: dict[str, Alarm],
    raw: dict[str, Any],
    entry: PushoverCompleteConfigEntry,
    registry: er.EntityRegistry,
) -> None:
    """Put one receipt of the old store into its alarm's record, or a new one."""
    receipt = str(raw["receipt"])
    sent_at = float(raw.get("sent_at") or 0.0)
    record = ReceiptRecord(
        recipient=_subentry_of(entry, registry, raw),
        user_key=str(raw["user_key"]),
        name=raw.get("recipient_name"),
        round=1,
        sent_at=sent_at,
        callback_expected=bool(raw.get("callback_expected")),
    )
    alarm_id = raw.get("alarm_id")
    if alarm_id and (alarm := alarms.get(str(alarm_id))):
        alarm.receipts[receipt] = record
        return
    expire = max(int(float(raw.get("expires_at") or 0) - sent_at), MIN_EXPIRE)
    message = {
        "message": str(raw.get("message") or ""),
        "title": raw.get("title"),
        "tags": list(raw.get("tags") or []),
    }
    single = Alarm.single(f"receipt-{receipt}", sent_at, message, expire)
    single.receipts[receipt] = record
    alarms[single.alarm_id] = single


def _subentry_of(
    entry: PushoverCompleteConfigEntry,
    registry: er.EntityRegistry,
    raw: dict[str, Any],
) -> str | None:
    """Return the recipient a stored receipt went to: by notify entity, else by key."""
    if entity_id := raw.get("notify_entity_id"):
        reg = registry.async_get(str(entity_id))
        if reg is not None and reg.config_subentry_id in entry.subentries:
            return reg.config_subentry_id
    return next(
        (
            sid
            for sid, sub in entry.subentries.items()
            if sub.data.get("user_key") == raw.get("user_key")
        ),
        None,
    )


def _name_of(raw: Any) -> str:
    """Name a stored record in a warning without showing its content."""
    alarm_id = raw.get("alarm_id") if isinstance(raw, dict) else None
    return f"id {alarm_id}" if isinstance(alarm_id, str) else "no readable id"


def adopt_queued(alarms: dict[str, Alarm], outbox: Outbox) -> None:
    """Tie the outbox's waiting items to their alarms, as the records must know them.

    An emergency queued before records (no owner reference) becomes an alarm
    of its own; a record's queued send whose stored item is gone died with it.
    """
    for item in outbox.items:
        if item.ref is None and str(item.fields.get("priority")) == "2":
            _adopt_single(alarms, outbox, item)
        elif (alarm := alarms.get(item.ref or "")) and item.id not in alarm.queued:
            recipient = item.recipients[0].subentry_id if item.recipients else None
            alarm.queued[item.id] = QueuedSend(recipient, alarm.round)
    known = {item.id for item in outbox.items}
    for alarm in alarms.values():
        for item_id in [i for i in alarm.queued if i not in known]:
            del alarm.queued[item_id]


def _adopt_single(
    alarms: dict[str, Alarm], outbox: Outbox, item: QueuedMessage
) -> None:
    alarm = Alarm.single(
        uuid.uuid4().hex,
        item.created,
        {"message": str(item.fields.get("message") or "")},
        int(item.fields.get("expire") or MIN_EXPIRE),
    )
    alarm.queued[item.id] = QueuedSend(None, 1)
    outbox.async_set_ref(item, alarm.alarm_id)
    alarms[alarm.alarm_id] = alarm
