"""Paging: an alarm's step goes out to its recipients, and the owner hears of each.

A step's recipients (by subentry, so a renamed notify entity loses nothing)
are planned for what remains of the round — each rings at most until the
round ends — and each request is handed to the outbox. A send runs as a task
of its own: it finishes, and its receipt is reported, even when the call
that started it is canceled or the entry unloads meanwhile. What came of
each request goes to the owner (``PagerReport``), which alone changes the
alarm's record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
import dataclasses
import time
from typing import Protocol

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .action_links import LinkContext
from .alarm import MIN_EXPIRE, Alarm
from .const import LOGGER
from .data import PushoverCompleteConfigEntry, async_record_sent
from .models import Attachment, PlannedRequest, Recipient, RecipientResult
from .outbox import Outbox, Queued
from .recipients import notify_entity_of, recipient_from_subentry
from .send import Delivered, Refused, Sender


class PagerReport(Protocol):
    """What the alarm owner hears from the pager."""

    @callback
    def async_delivered(
        self,
        alarm_id: str,
        recipient: Recipient,
        round_: int,
        delivered: Delivered,
        planned: PlannedRequest,
    ) -> str | None:
        """Record a request Pushover took; return its receipt."""

    @callback
    def async_queued(
        self, alarm_id: str, item_id: str, recipient: Recipient, round_: int
    ) -> None:
        """Record a request that waits in the outbox."""

    @callback
    def async_refused(self, alarm_id: str) -> None:
        """Take that Pushover refused a recipient (its receipt ends there)."""


class AlarmPager:
    """Send the steps of one entry's alarms."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        *,
        sender: Sender,
        outbox: Outbox,
        report: PagerReport,
    ) -> None:
        """Page through ``sender`` and ``outbox``; tell ``report``."""
        self.hass = hass
        self.entry = entry
        self._sender = sender
        self._outbox = outbox
        self._report = report
        self._sending: set[asyncio.Task[RecipientResult]] = set()
        self._in_flight: dict[str, int] = {}

    def in_flight(self, alarm_id: str) -> int:
        """Return how many sends of an alarm are on the wire."""
        return self._in_flight.get(alarm_id, 0)

    async def async_wait(self) -> None:
        """Wait until every send on the wire has finished and been reported."""
        if self._sending:
            await asyncio.wait(set(self._sending))

    async def async_send_step(
        self, alarm: Alarm, index: int, attachment: Attachment | None
    ) -> list[RecipientResult]:
        """Send one step to its recipients for what remains of the round."""
        recipients = self._recipients(alarm.steps[index].recipients)
        if not recipients:
            return []
        remaining = max(alarm.remaining(time.time()), MIN_EXPIRE)
        msg = dataclasses.replace(
            alarm.as_message(attachment),
            priority=2,
            expire=min(remaining, alarm.expire),
        )
        context = LinkContext(alarm_id=alarm.alarm_id if alarm.public else None)
        try:
            plan = self._sender.plan(recipients, msg, context)
        except HomeAssistantError as err:
            LOGGER.error("Step %d of an alarm cannot be sent: %s", index + 1, err)
            return []
        round_ = alarm.round
        results = await asyncio.gather(
            *(self.async_submit(alarm.alarm_id, p, round_) for p in plan.requests)
        )
        sent = (r.recipient.notify_entity_id for r in results if r.error is None)
        async_record_sent(self.hass, sent)
        return list(results)

    def _recipients(self, subentry_ids: Iterable[str]) -> list[Recipient]:
        """Return the recipients of a step (removed ones left out, with a warning)."""
        recipients = []
        for subentry_id in subentry_ids:
            subentry = self.entry.subentries.get(subentry_id)
            if subentry is None:
                LOGGER.warning("A recipient of an alarm no longer exists")
                continue
            notify_entity_id = notify_entity_of(self.hass, self.entry, subentry_id)
            recipients.append(recipient_from_subentry(subentry, notify_entity_id))
        return recipients

    async def async_submit(
        self, alarm_id: str, planned: PlannedRequest, round_: int
    ) -> RecipientResult:
        """Hand a request to the outbox; its outcome is reported even across unload."""
        self._in_flight[alarm_id] = self.in_flight(alarm_id) + 1
        task = self.hass.async_create_task(
            self._async_submit_and_report(alarm_id, planned, round_),
            "pushover_complete alarm send",
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        return await asyncio.shield(task)

    async def _async_submit_and_report(
        self, alarm_id: str, planned: PlannedRequest, round_: int
    ) -> RecipientResult:
        recipient = planned.recipients[0]
        try:
            outcome = await self._outbox.async_submit(planned, alarm_id)
        finally:
            self._in_flight[alarm_id] -= 1
            if not self._in_flight[alarm_id]:
                del self._in_flight[alarm_id]
        if isinstance(outcome, Refused):
            LOGGER.warning("Pushover refused an alarm's recipient: %s", outcome.error)
            self._report.async_refused(alarm_id)
            return RecipientResult(recipient, error=outcome.error)
        if isinstance(outcome, Queued):
            self._report.async_queued(alarm_id, outcome.item_id, recipient, round_)
            return RecipientResult(recipient, queued=True)
        receipt = self._report.async_delivered(
            alarm_id, recipient, round_, outcome, planned
        )
        return RecipientResult(
            recipient, request=outcome.answer.get("request"), receipt=receipt
        )
