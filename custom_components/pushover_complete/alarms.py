"""The alarm owner: every emergency's life, from its first page to its end.

Every priority-2 message is an alarm (one sent with ``send_message`` has one
recipient, no steps, and shows no alarm id). The owner is the only module
that changes an alarm; each transition below is one method, is stored, and
says what it owes::

            send_alarm / send_message (priority 2)
                           │
                           ▼
     ┌───────────────► PAGING ── round over: every step out, ─► repeat left? ─┐
     │                  │  │     every receipt expired           │ yes        │ no
     │  repage_after    │  │                                     ▼            ▼
     │  passed          │  └─ resolve / cancel ─┐        new round (PAGING)  ENDED
     │                  ▼ first acknowledgement ▼                          (expired)
     └──────────── ACKNOWLEDGED ─ resolve / cancel ─► ENDED
       (only with repage_after; without it the first acknowledgement ends it)

What each end owes:
- to Pushover: every receipt still ringing is canceled; the cancels are
  stored and retried across unload, reload and restart until Pushover
  confirms them or no longer knows the receipt. A send of the alarm still on
  the wire is canceled as soon as its receipt comes back.
- to the outbox: the alarm's queued sends are dropped.
- to Home Assistant: one event (acknowledged, per round with
  ``repage_after``; expired, after the last round; resolved), none when
  canceled.

Before a later step or a queued send goes out, the alarm's open receipts are
read again: an answer given meanwhile (while Home Assistant was down, or
Pushover unreachable) ends the round first. A step sent ``t`` seconds into a
round rings for what remains of the alarm's ``expire`` (at least 30 s), so
every phone stops when the round ends. The poller (receipts), the outbox
(queued sends) and the webhook (through the poller) report to the owner; it
decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable
import dataclasses
from datetime import datetime
import functools
import time
from typing import Any, Final
import uuid

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from . import events
from .action_links import ActionLinks, LinkContext
from .alarm import (
    Alarm,
    AlarmState,
    AlarmStep,
    QueuedSend,
    ReceiptRecord,
    ReceiptState,
    stored_message,
)
from .alarm_events import AlarmEvents
from .alarm_store import AlarmStore
from .api import PushoverAPI, ReceiptResponse
from .const import LOGGER
from .data import PushoverCompleteConfigEntry, async_record_sent, signal_updated
from .exceptions import refusal_error
from .files import KeptFiles
from .models import (
    Attachment,
    Message,
    PlannedRequest,
    Recipient,
    RecipientResult,
)
from .outbox import Dropped, Outbox, Queued, QueuedMessage
from .owed_cancels import OwedCancels
from .poller import ReceiptPoller
from .recipients import recipient_from_subentry
from .refusals import RefusalGuard
from .send import Delivered, Refused, Sender
from .storage import ALARMS
from .tasks import EntryTasks

MIN_EXPIRE: Final = 30


@dataclasses.dataclass(frozen=True, slots=True)
class AlarmRequest:
    """What ``send_alarm`` asks for, checked."""

    steps: list[AlarmStep]
    message: Message
    expire: int
    key: str | None = None
    repage_after: int | None = None
    repeat: int = 0


class AlarmOwner:
    """The alarms of one entry: stored, timed, ended by one answer."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        *,
        client: PushoverAPI,
        sender: Sender,
        outbox: Outbox,
        guard: RefusalGuard,
        links: ActionLinks,
    ) -> None:
        """Own nothing until :meth:`async_load`; hear the outbox and the poller."""
        self.hass = hass
        self.entry = entry
        self.alarms: dict[str, Alarm] = {}
        self.poller = ReceiptPoller(hass, entry, client, guard=guard, report=self)
        self._sender = sender
        self._outbox = outbox
        self._guard = guard
        self._links = links
        self._events = AlarmEvents(hass, entry)
        self._store = AlarmStore(hass, entry)
        self._files = KeptFiles(hass, ALARMS, entry.entry_id)
        self._cancels = OwedCancels(hass, entry, client, guard=guard, ledger=self)
        self._timers: dict[str, Callable[[], None]] = {}
        self._tasks = EntryTasks(hass, entry)
        self._sending: set[asyncio.Task[RecipientResult]] = set()
        self._in_flight: dict[str, int] = {}
        self._receipts: dict[str, str] = {}
        self._running: set[str] = set()
        self._stopped = False
        outbox.async_set_report(self)

    # ------------------------------------------------------------ life cycle

    async def async_load(self) -> None:
        """Read the stored alarms and match them with the outbox's items."""
        self.alarms = await self._store.async_load()
        self._async_adopt_queued()
        for alarm in self.alarms.values():
            for receipt in alarm.receipts:
                self._receipts[receipt] = alarm.alarm_id

    @callback
    def async_start(self) -> None:
        """Go on where the last run stopped: due steps, re-pages, owed cancels."""
        for alarm in list(self.alarms.values()):
            self._async_resume(alarm)
        self._async_publish()
        self._cancels.async_pay_soon()

    async def async_stop(self) -> None:
        """Stop timing, polling and canceling; sends on the wire finish and are kept."""
        self._stopped = True
        for unsub in self._timers.values():
            unsub()
        self._timers.clear()
        await self._cancels.async_stop()
        await self.poller.async_stop()
        await self._tasks.async_cancel()
        if self._sending:
            await asyncio.wait(set(self._sending))
        await self._store.async_save(list(self.alarms.values()))

    @callback
    def _async_adopt_queued(self) -> None:
        """Tie the outbox's items to their alarms (emergencies queued before 1.2 too)."""
        for item in self._outbox.items:
            if item.ref is None and str(item.fields.get("priority")) == "2":
                self._async_adopt_single(item)
            elif (alarm := self.alarms.get(item.ref or "")) and item.id not in (
                alarm.queued
            ):
                recipient = item.recipients[0].subentry_id if item.recipients else None
                alarm.queued[item.id] = QueuedSend(recipient, alarm.round)
        known = {item.id for item in self._outbox.items}
        for alarm in self.alarms.values():
            for item_id in [i for i in alarm.queued if i not in known]:
                del alarm.queued[item_id]  # the send died with its stored item

    @callback
    def _async_adopt_single(self, item: QueuedMessage) -> None:
        alarm = Alarm(
            alarm_id=uuid.uuid4().hex,
            started=item.created,
            steps=[],
            message={"message": str(item.fields.get("message") or "")},
            expire=int(item.fields.get("expire") or MIN_EXPIRE),
            public=False,
            round_started=item.created,
        )
        alarm.queued[item.id] = QueuedSend(None, 1)
        self._outbox.async_set_ref(item, alarm.alarm_id)
        self.alarms[alarm.alarm_id] = alarm

    @callback
    def _async_resume(self, alarm: Alarm) -> None:
        if alarm.state is AlarmState.ENDED:
            self._async_forget_if_done(alarm)
        elif alarm.state is AlarmState.PAGING and self._overdue(alarm):
            self._async_run(alarm.alarm_id)
        else:
            self._async_check_round(alarm)
            self._async_schedule(alarm)

    def _overdue(self, alarm: Alarm) -> bool:
        index = alarm.next_step()
        return index is not None and alarm.due(index) <= time.time()

    # ------------------------------------------------------------ questions

    @property
    def open_count(self) -> int:
        """Return the number of open emergencies (an alarm counts once)."""
        return sum(1 for alarm in self.alarms.values() if alarm.is_open)

    def summaries(self) -> list[dict[str, Any]]:
        """Return the open alarms as the active-emergencies sensor lists them."""
        return [
            alarm.summary()
            for alarm in self.alarms.values()
            if alarm.public and alarm.is_open
        ]

    def matching(
        self,
        *,
        alarm_id: str | None = None,
        key: str | None = None,
        tag: str | None = None,
    ) -> list[Alarm]:
        """Return the open alarms with this id, key or tag (``send_message``'s by tag)."""
        return [
            alarm
            for alarm in self.alarms.values()
            if alarm.is_open
            and (
                (alarm_id is not None and alarm.public and alarm.alarm_id == alarm_id)
                or (key is not None and alarm.key == key)
                or (tag is not None and tag in alarm.tags)
            )
        ]

    # ------------------------------------------------------------ starting

    async def async_start_alarm(self, request: AlarmRequest) -> dict[str, Any]:
        """Start an alarm (or answer the open one with the same key)."""
        if request.key and (same := self.matching(key=request.key)):
            return {
                "alarm_id": same[0].alarm_id,
                "deduplicated": True,
                "recipients": [],
            }
        now = time.time()
        msg = request.message
        alarm = Alarm(
            alarm_id=uuid.uuid4().hex,
            started=now,
            steps=[AlarmStep(list(s.recipients), s.after) for s in request.steps],
            message=stored_message(msg),
            expire=request.expire,
            key=request.key,
            repage_after=request.repage_after,
            repeat=request.repeat,
            round_started=now,
        )
        if msg.attachment is not None:
            alarm.attachment = await self._files.async_keep(
                alarm.alarm_id, msg.attachment
            )
        self.alarms[alarm.alarm_id] = alarm
        alarm.steps[0].sent = True
        self._async_changed()
        results = await self._async_send_step(alarm, 0, msg.attachment)
        self._async_after_first_step(alarm, results)
        return {
            "alarm_id": alarm.alarm_id,
            "deduplicated": False,
            "recipients": [_response(r) for r in results],
        }

    @callback
    def _async_after_first_step(
        self, alarm: Alarm, results: list[RecipientResult]
    ) -> None:
        """Time the rest; an alarm nobody could be paged by ends with the refusal."""
        refusals = [r.error for r in results if r.error is not None]
        if (
            refusals
            and len(refusals) == len(results)
            and (self._guard.token_rejected or alarm.next_step() is None)
        ):
            self._async_end(alarm)
            raise refusal_error(refusals[0]) from refusals[0]
        self._async_schedule(alarm)
        self._async_check_round(alarm)

    async def async_start_single(
        self, planned: PlannedRequest, msg: Message
    ) -> RecipientResult:
        """Send a ``send_message`` emergency (one recipient) as an alarm of its own."""
        now = time.time()
        alarm = Alarm(
            alarm_id=uuid.uuid4().hex,
            started=now,
            steps=[],
            message={"message": msg.message, "title": msg.title, "tags": msg.tags},
            expire=int(planned.fields.get("expire") or MIN_EXPIRE),
            public=False,
            round_started=now,
        )
        self.alarms[alarm.alarm_id] = alarm
        result = await self._async_submit(alarm.alarm_id, planned, 1)
        self._async_check_round(alarm)
        return result

    # ------------------------------------------------------------ paging

    @callback
    def _async_run(self, alarm_id: str) -> None:
        """Send what is due of an alarm, once at a time."""
        if alarm_id in self._running or self._stopped:
            return
        self._running.add(alarm_id)
        self._tasks.async_run(self._async_run_due(alarm_id), "pushover_complete step")

    async def _async_run_due(self, alarm_id: str) -> None:
        try:
            while (alarm := self.alarms.get(alarm_id)) is not None and (
                index := self._due_step(alarm)
            ) is not None:
                if not await self._async_still_unanswered(alarm):
                    return
                alarm.steps[index].sent = True
                self._async_changed()
                if alarm.remaining(time.time()) >= 0:  # the round still rings
                    attachment = await self._files.async_read(alarm.attachment)
                    await self._async_send_step(alarm, index, attachment)
            if alarm is not None:
                self._async_schedule(alarm)
                self._async_check_round(alarm)
        finally:
            self._running.discard(alarm_id)

    def _due_step(self, alarm: Alarm) -> int | None:
        index = alarm.next_step()
        if alarm.state is not AlarmState.PAGING or index is None:
            return None
        return index if alarm.due(index) <= time.time() else None

    async def _async_still_unanswered(self, alarm: Alarm) -> bool:
        """Read the alarm's open receipts; tell whether it still pages this round."""
        round_ = alarm.round
        if open_receipts := alarm.open_receipts():
            await self.poller.async_check(open_receipts)
        return alarm.state is AlarmState.PAGING and alarm.round == round_

    async def _async_send_step(
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
        return list(
            await asyncio.gather(
                *(self._async_submit(alarm.alarm_id, p, round_) for p in plan.requests)
            )
        )

    def _recipients(self, subentry_ids: Iterable[str]) -> list[Recipient]:
        """Return the recipients of a step (removed ones left out, with a warning)."""
        recipients = []
        for subentry_id in subentry_ids:
            subentry = self.entry.subentries.get(subentry_id)
            if subentry is None:
                LOGGER.warning("A recipient of an alarm no longer exists")
                continue
            recipients.append(
                recipient_from_subentry(
                    subentry, self._events.notify_entity_id(subentry_id)
                )
            )
        return recipients

    async def _async_submit(
        self, alarm_id: str, planned: PlannedRequest, round_: int
    ) -> RecipientResult:
        """Hand a request to the outbox; its outcome is recorded even across unload."""
        self._in_flight[alarm_id] = self._in_flight.get(alarm_id, 0) + 1
        task = self.hass.async_create_task(
            self._async_submit_and_record(alarm_id, planned, round_),
            "pushover_complete alarm send",
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        return await asyncio.shield(task)

    async def _async_submit_and_record(
        self, alarm_id: str, planned: PlannedRequest, round_: int
    ) -> RecipientResult:
        recipient = planned.recipients[0]
        try:
            outcome = await self._outbox.async_submit(planned, alarm_id)
        finally:
            self._in_flight[alarm_id] -= 1
        if isinstance(outcome, Refused):
            LOGGER.warning("Pushover refused an alarm's recipient: %s", outcome.error)
            self._async_after_change(alarm_id)
            return RecipientResult(recipient, error=outcome.error)
        async_record_sent(self.hass, [recipient.notify_entity_id])
        if isinstance(outcome, Queued):
            self._async_took_queued(alarm_id, outcome.item_id, recipient, round_)
            return RecipientResult(recipient, queued=True)
        callback_expected = bool(planned.fields.get("callback_url"))
        receipt = self._async_took(
            alarm_id, recipient, round_, outcome, callback_expected
        )
        if receipt:
            self._links.async_attach_receipt(planned.link_ref, receipt)
        return RecipientResult(
            recipient, request=outcome.answer.get("request"), receipt=receipt
        )

    @callback
    def _async_took(
        self,
        alarm_id: str,
        recipient: Recipient,
        round_: int,
        delivered: Delivered,
        callback_expected: bool,
    ) -> str | None:
        """Record a receipt Pushover issued; one of an ended round is canceled at once."""
        receipt = delivered.answer.get("receipt")
        alarm = self.alarms.get(alarm_id)
        if not receipt or alarm is None:
            return receipt
        record = ReceiptRecord(
            recipient=recipient.subentry_id,
            user_key=recipient.user_key,
            name=recipient.name,
            round=round_,
            sent_at=time.time(),
            callback_expected=callback_expected,
        )
        alarm.receipts[receipt] = record
        self._receipts[receipt] = alarm_id
        if alarm.state is not AlarmState.PAGING or alarm.round != round_:
            record.state = ReceiptState.CANCELED
            alarm.owed_cancels.append(receipt)
            self._cancels.async_pay_soon()
        self._async_after_change(alarm_id)
        return receipt

    @callback
    def _async_took_queued(
        self, alarm_id: str, item_id: str, recipient: Recipient, round_: int
    ) -> None:
        alarm = self.alarms.get(alarm_id)
        if (
            alarm is None
            or alarm.state is not AlarmState.PAGING
            or alarm.round != round_
        ):
            self._tasks.async_run(
                self._outbox.async_drop({item_id}), "pushover_complete drop"
            )
            return
        alarm.queued[item_id] = QueuedSend(recipient.subentry_id, round_)
        self._async_after_change(alarm_id)

    @callback
    def _async_after_change(self, alarm_id: str) -> None:
        if alarm := self.alarms.get(alarm_id):
            self._async_changed()
            self._async_check_round(alarm)
            self._async_forget_if_done(alarm)

    # ------------------------------------------------------------ reports

    async def async_prepare(self, item: QueuedMessage) -> dict[str, Any] | None:
        """Outbox: the fields to send a queued send with now, or ``None`` to drop it."""
        alarm = self.alarms.get(item.ref or "")
        queued = alarm.queued.get(item.id) if alarm else None
        if alarm is None or queued is None or queued.round != alarm.round:
            return None
        if not await self._async_still_unanswered(alarm):
            return None
        remaining = alarm.remaining(time.time())
        if remaining < 0:  # the round ended while the send waited
            return None
        return {**item.fields, "expire": max(remaining, MIN_EXPIRE)}

    @callback
    def async_outcome(self, item: QueuedMessage, outcome: Any) -> None:
        """Outbox: what became of a queued send of an alarm."""
        alarm = self.alarms.get(item.ref or "")
        if alarm is None:
            return
        queued = alarm.queued.pop(item.id, None)
        if isinstance(outcome, Delivered) and item.recipients:
            round_ = queued.round if queued else 0
            callback_expected = bool(item.fields.get("callback_url"))
            receipt = self._async_took(
                alarm.alarm_id, item.recipients[0], round_, outcome, callback_expected
            )
            if receipt:
                self._links.async_attach_receipt(item.link_ref, receipt)
        elif isinstance(outcome, Dropped | Refused):
            LOGGER.warning("A queued send of an alarm was not delivered")
        self._async_after_change(alarm.alarm_id)

    @callback
    def async_receipt_answer(self, receipt: str, answer: ReceiptResponse) -> None:
        """Poller: Pushover's answer about an open receipt."""
        alarm = self.alarms.get(self._receipts.get(receipt, ""))
        if alarm is None or alarm.receipts[receipt].state is not ReceiptState.OPEN:
            return
        if answer.get("acknowledged"):
            self._async_acknowledged(alarm, receipt, answer)
        elif answer.get("expired"):
            self._async_expired(alarm, receipt)

    @callback
    def async_receipt_gone(self, receipt: str) -> None:
        """Poller: Pushover no longer knows a receipt: it ends as if canceled there."""
        alarm = self.alarms.get(self._receipts.get(receipt, ""))
        if alarm is not None and alarm.receipts[receipt].state is ReceiptState.OPEN:
            alarm.receipts[receipt].state = ReceiptState.CANCELED
            self._async_changed()
            self._async_check_round(alarm)

    # ------------------------------------------------------------ transitions

    @callback
    def _async_acknowledged(
        self, alarm: Alarm, receipt: str, answer: ReceiptResponse
    ) -> None:
        """First answer of the round: one event; the round's other receipts stop."""
        alarm.receipts[receipt].state = ReceiptState.ACKNOWLEDGED
        data = self._events.acknowledged(alarm, receipt, answer)
        alarm.acknowledged_by_name = data["acknowledged_by_name"]
        alarm.acknowledged_at = time.time()
        if alarm.repage_after and alarm.public:
            alarm.state = AlarmState.ACKNOWLEDGED
            self._async_stop_round(alarm)
            self._async_schedule(alarm)
            self._async_changed()
        else:
            self._async_end(alarm)
        events.async_fire(self.hass, self.entry.entry_id, events.ACKNOWLEDGED, data)

    @callback
    def _async_expired(self, alarm: Alarm, receipt: str) -> None:
        alarm.receipts[receipt].state = ReceiptState.EXPIRED
        alarm.last_expired = receipt
        self._async_changed()
        self._async_check_round(alarm)

    @callback
    def _async_check_round(self, alarm: Alarm) -> None:
        """A round nobody answered: page again while repeats are left, else expire."""
        if not alarm.round_over():
            return
        rang = any(r.state is ReceiptState.EXPIRED for r in alarm.receipts.values())
        if rang and alarm.public and alarm.round < 1 + alarm.repeat:
            self._async_new_round(alarm)
            return
        self._async_end(alarm)
        if rang:  # else nothing ever rang: all refused, or canceled
            data = self._events.expired(alarm)
            events.async_fire(self.hass, self.entry.entry_id, events.EXPIRED, data)

    @callback
    def _async_new_round(self, alarm: Alarm) -> None:
        """Page again from the first step; what ended before is forgotten."""
        alarm.round += 1
        alarm.round_started = time.time()
        alarm.state = AlarmState.PAGING
        for step in alarm.steps:
            step.sent = False
        owed = set(alarm.owed_cancels)
        for receipt, record in list(alarm.receipts.items()):
            if record.state is not ReceiptState.OPEN and receipt not in owed:
                del alarm.receipts[receipt]
                self._receipts.pop(receipt, None)
        self._async_changed()
        self._async_run(alarm.alarm_id)

    @callback
    def _async_stop_round(self, alarm: Alarm) -> None:
        """Cancel what of the round still rings and drop its queued sends."""
        for receipt in alarm.open_receipts():
            alarm.receipts[receipt].state = ReceiptState.CANCELED
            alarm.owed_cancels.append(receipt)
        if alarm.queued:
            self._tasks.async_run(
                self._async_drop_queued(alarm.alarm_id, set(alarm.queued)),
                "pushover_complete drop",
            )
        if alarm.owed_cancels:
            self._cancels.async_pay_soon()

    async def _async_drop_queued(self, alarm_id: str, item_ids: set[str]) -> None:
        dropped = await self._outbox.async_drop(item_ids)
        if alarm := self.alarms.get(alarm_id):
            for item_id in dropped:
                alarm.queued.pop(item_id, None)
            self._async_after_change(alarm_id)

    @callback
    def _async_end(self, alarm: Alarm) -> None:
        """End an alarm: owe its cancels, drop its queue (its event is the caller's)."""
        if alarm.state is AlarmState.ENDED:
            return
        alarm.state = AlarmState.ENDED
        if unsub := self._timers.pop(alarm.alarm_id, None):
            unsub()
        self._async_stop_round(alarm)
        self._async_changed()
        self._async_forget_if_done(alarm)

    @callback
    def _async_forget_if_done(self, alarm: Alarm) -> None:
        """Forget an ended alarm once nothing of it is owed, queued or on the wire."""
        if (
            alarm.state is not AlarmState.ENDED
            or alarm.owed_cancels
            or alarm.queued
            or self._in_flight.get(alarm.alarm_id)
            or self.alarms.get(alarm.alarm_id) is not alarm
        ):
            return
        del self.alarms[alarm.alarm_id]
        self._in_flight.pop(alarm.alarm_id, None)
        for receipt in alarm.receipts:
            self._receipts.pop(receipt, None)
        if alarm.attachment is not None:
            self._tasks.async_run(
                self._files.async_remove(alarm.attachment), "pushover_complete file"
            )
        self._async_changed()

    # ------------------------------------------------------------ ending on request

    async def async_cancel(self, alarms: list[Alarm]) -> int:
        """End alarms without an event; return the receipts Pushover canceled."""
        owed = {r for alarm in alarms for r in alarm.open_receipts()}
        for alarm in alarms:
            self._async_end(alarm)
        return await self._cancels.async_pay(owed)

    async def async_resolve(self, alarms: list[Alarm], resolved_by: str | None) -> int:
        """End alarms on purpose, each with one resolved event; return how many."""
        owed = {r for alarm in alarms for r in alarm.open_receipts()}
        now = time.time()
        for alarm in alarms:
            self._async_end(alarm)
            data = self._events.resolved(alarm, resolved_by, now)
            events.async_fire(self.hass, self.entry.entry_id, events.RESOLVED, data)
        await self._cancels.async_pay(owed)
        return len(alarms)

    async def async_cancel_receipt(self, receipt: str) -> int | None:
        """Cancel one open receipt of ours (1 once Pushover confirms); ``None``: not ours."""
        alarm = self.alarms.get(self._receipts.get(receipt, ""))
        record = alarm.receipts.get(receipt) if alarm else None
        if alarm is None or record is None or record.state is not ReceiptState.OPEN:
            return None
        record.state = ReceiptState.CANCELED
        alarm.owed_cancels.append(receipt)
        if alarm.round_over() or not alarm.public:
            self._async_end(alarm)
        self._async_changed()
        return await self._cancels.async_pay({receipt})

    # ------------------------------------------------------------ timing, storing

    @callback
    def _async_schedule(self, alarm: Alarm) -> None:
        """Time the alarm's next step, or its next round after an acknowledgement."""
        if unsub := self._timers.pop(alarm.alarm_id, None):
            unsub()
        when = self._next_time(alarm)
        if self._stopped or when is None:
            return
        job = HassJob(
            functools.partial(self._async_due, alarm.alarm_id),
            "pushover_complete alarm",
            cancel_on_shutdown=True,
        )
        self._timers[alarm.alarm_id] = async_track_point_in_utc_time(
            self.hass, job, dt_util.utc_from_timestamp(when)
        )

    def _next_time(self, alarm: Alarm) -> float | None:
        if alarm.state is AlarmState.PAGING:
            index = alarm.next_step()
            return alarm.due(index) if index is not None else None
        if alarm.state is AlarmState.ACKNOWLEDGED and alarm.repage_after:
            return (alarm.acknowledged_at or time.time()) + alarm.repage_after
        return None

    @callback
    def _async_due(self, alarm_id: str, _now: datetime) -> None:
        self._timers.pop(alarm_id, None)
        alarm = self.alarms.get(alarm_id)
        if alarm is None or self._stopped:
            return
        if alarm.state is AlarmState.ACKNOWLEDGED:
            self._async_new_round(alarm)
        else:
            self._async_run(alarm_id)

    @callback
    def _async_changed(self) -> None:
        """Store the records soon; tell the sensor and the poller."""
        if self._stopped:
            return
        self._store.async_delay_save(self.alarms)
        self._async_publish()

    @callback
    def _async_publish(self) -> None:
        """Tell the poller which receipts are open, and the sensor what changed."""
        self.poller.async_set_receipts(
            {
                receipt: record.callback_expected
                for alarm in self.alarms.values()
                if alarm.is_open
                for receipt, record in alarm.receipts.items()
                if record.state is ReceiptState.OPEN
            }
        )
        async_dispatcher_send(self.hass, signal_updated(self.entry.entry_id))

    def owed_receipts(self) -> list[str]:
        """Owed cancels: the receipts of ended and acknowledged rounds still ringing."""
        return [r for alarm in self.alarms.values() for r in alarm.owed_cancels]

    @callback
    def async_paid(self, receipts: Collection[str]) -> None:
        """Owed cancels: these need no cancel any more."""
        for receipt in receipts:
            if alarm := self.alarms.get(self._receipts.get(receipt, "")):
                if receipt in alarm.owed_cancels:
                    alarm.owed_cancels.remove(receipt)
                self._async_forget_if_done(alarm)
        self._async_changed()


def _response(result: RecipientResult) -> dict[str, Any]:
    """Return one recipient of ``send_alarm``'s answer."""
    response: dict[str, Any] = {
        "notify_entity_id": result.recipient.notify_entity_id,
        "receipt": result.receipt,
        "queued": result.queued,
    }
    if result.error is not None:
        response["refused"] = str(result.error)
    return response
