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

from collections.abc import Collection
import time
from typing import Any
import uuid

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send

from . import events
from .action_links import ActionLinks
from .alarm import (
    MIN_EXPIRE,
    Alarm,
    AlarmState,
    QueuedSend,
    ReceiptRecord,
    ReceiptState,
    ringing,
)
from .alarm_events import AlarmEvents
from .alarm_input import AlarmRequest, step_response
from .alarm_pager import AlarmPager
from .alarm_store import AlarmStore, adopt_queued
from .alarm_timers import AlarmTimers
from .api import PushoverAPI, ReceiptResponse
from .const import LOGGER
from .data import PushoverCompleteConfigEntry, signal_updated
from .exceptions import refusal_error
from .files import KeptFiles
from .models import (
    Message,
    PlannedRequest,
    Recipient,
    RecipientResult,
)
from .outbox import Dropped, Outbox, QueuedMessage
from .owed_cancels import OwedCancels
from .poller import ReceiptPoller
from .refusals import RefusalGuard
from .send import Delivered, Refused, Sender
from .storage import ALARMS
from .tasks import EntryTasks


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
        self._outbox = outbox
        self._guard = guard
        self._links = links
        self._events = AlarmEvents(hass, entry)
        self._pager = AlarmPager(hass, entry, sender=sender, outbox=outbox, report=self)
        self._store = AlarmStore(hass, entry)
        self._files = KeptFiles(hass, ALARMS, entry.entry_id)
        self._cancels = OwedCancels(hass, entry, client, guard=guard, ledger=self)
        self._timers = AlarmTimers(hass, self._async_due)
        self._tasks = EntryTasks(hass, entry)
        self._receipts: dict[str, str] = {}
        self._running: set[str] = set()
        self._stopped = False
        outbox.async_set_report(self)

    # ------------------------------------------------------------ life cycle

    async def async_load(self) -> None:
        """Read the stored alarms and match them with the outbox's items."""
        self.alarms = await self._store.async_load()
        adopt_queued(self.alarms, self._outbox)
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
        self._timers.async_cancel_all()
        await self._cancels.async_stop()
        await self.poller.async_stop()
        await self._tasks.async_cancel()
        await self._pager.async_wait()
        await self._store.async_save(list(self.alarms.values()))

    @callback
    def _async_resume(self, alarm: Alarm) -> None:
        """Go on with one alarm: what fell due while Home Assistant was down, now."""
        when = alarm.next_time()
        if alarm.state is AlarmState.ENDED:
            self._async_forget_if_done(alarm)
        elif when is not None and when <= time.time():
            self._async_due(alarm.alarm_id)
        else:
            self._async_check_round(alarm)
            self._async_schedule(alarm)

    # ------------------------------------------------------------ questions

    @property
    def open_count(self) -> int:
        """Return the number of open emergencies (an alarm counts once)."""
        return sum(1 for alarm in self.alarms.values() if alarm.is_open)

    def summaries(self) -> list[dict[str, Any]]:
        """Return the open alarms as the active-emergencies sensor lists them."""
        return [a.summary() for a in self.alarms.values() if a.public and a.is_open]

    def matching(self, **selector: str | None) -> list[Alarm]:
        """Return the open alarms with this ``alarm_id``, ``key`` or ``tag``."""
        return [alarm for alarm in self.alarms.values() if alarm.matches(**selector)]

    # ------------------------------------------------------------ starting

    async def async_start_alarm(self, request: AlarmRequest) -> dict[str, Any]:
        """Start an alarm (or answer the open one with the same key)."""
        if request.key and (same := self.matching(key=request.key)):
            return {
                "alarm_id": same[0].alarm_id,
                "deduplicated": True,
                "recipients": [],
            }
        msg = request.message
        alarm = request.new_alarm(time.time())
        if msg.attachment is not None:
            alarm.attachment = await self._files.async_keep(
                alarm.alarm_id, msg.attachment
            )
        self.alarms[alarm.alarm_id] = alarm
        alarm.steps[0].sent = True
        self._async_changed()
        try:
            results = await self._pager.async_send_step(alarm, 0, msg.attachment)
        except HomeAssistantError:  # not even queued (the outbox is full)
            self._async_end(alarm)
            raise
        self._async_after_first_step(alarm, results)
        return {
            "alarm_id": alarm.alarm_id,
            "deduplicated": False,
            "recipients": [step_response(r) for r in results],
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
        alarm = Alarm.single(
            uuid.uuid4().hex,
            time.time(),
            {"message": msg.message, "title": msg.title, "tags": msg.tags},
            int(planned.fields.get("expire") or MIN_EXPIRE),
        )
        self.alarms[alarm.alarm_id] = alarm
        try:
            result = await self._pager.async_submit(alarm.alarm_id, planned, 1)
        finally:
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
            await self._async_send_due(alarm_id)
        finally:
            self._running.discard(alarm_id)
        if (alarm := self.alarms.get(alarm_id)) is not None:
            self._async_schedule(alarm)
            self._async_check_round(alarm)

    async def _async_send_due(self, alarm_id: str) -> None:
        """Send the steps due; the round is not over while one is being sent."""
        while (alarm := self.alarms.get(alarm_id)) is not None and (
            index := self._due_step(alarm)
        ) is not None:
            if not await self._async_still_unanswered(alarm):
                return
            attachment = await self._files.async_read(alarm.attachment)
            if self._due_step(alarm) != index:  # answered while the file was read
                continue
            alarm.steps[index].sent = True
            self._async_changed()
            if alarm.remaining(time.time()) < 0:  # the round no longer rings
                continue
            try:
                await self._pager.async_send_step(alarm, index, attachment)
            except HomeAssistantError as err:  # not even queued (the outbox is full)
                LOGGER.error("Step %d of an alarm was not sent: %s", index + 1, err)

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

    @callback
    def async_delivered(
        self,
        alarm_id: str,
        recipient: Recipient,
        round_: int,
        delivered: Delivered,
        planned: PlannedRequest,
    ) -> str | None:
        """Pager: record a receipt Pushover issued; one too late is canceled at once."""
        receipt = delivered.answer.get("receipt")
        alarm = self.alarms.get(alarm_id)
        if not receipt or alarm is None:
            return receipt
        self._links.async_attach_receipt(planned.link_ref, receipt)
        callback_expected = bool(planned.fields.get("callback_url"))
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
    def async_queued(
        self, alarm_id: str, item_id: str, recipient: Recipient, round_: int
    ) -> None:
        """Pager: record a send waiting in the outbox (dropped if too late)."""
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
    def async_refused(self, alarm_id: str) -> None:
        """Pager: Pushover refused a recipient; the round may be over now."""
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
            self.async_delivered(
                alarm.alarm_id, item.recipients[0], round_, outcome, item.planned(None)
            )
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

    def _round_over(self, alarm: Alarm) -> bool:
        """Tell whether the round is over, with nothing of it being sent either."""
        return (
            alarm.alarm_id not in self._running
            and not self._pager.in_flight(alarm.alarm_id)
            and alarm.round_over()
        )

    @callback
    def _async_check_round(self, alarm: Alarm) -> None:
        """A round nobody answered: page again while repeats are left, else expire."""
        if not self._round_over(alarm):
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
        self._timers.async_cancel(alarm.alarm_id)
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
            or self._pager.in_flight(alarm.alarm_id)
            or self.alarms.get(alarm.alarm_id) is not alarm
        ):
            return
        del self.alarms[alarm.alarm_id]
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
        if self._round_over(alarm) or not alarm.public:
            self._async_end(alarm)
        self._async_changed()
        return await self._cancels.async_pay({receipt})

    # ------------------------------------------------------------ timing, storing

    @callback
    def _async_schedule(self, alarm: Alarm) -> None:
        """Time the alarm's next step, or its next round after an acknowledgement."""
        self._timers.async_set(
            alarm.alarm_id, None if self._stopped else alarm.next_time()
        )

    @callback
    def _async_due(self, alarm_id: str) -> None:
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
        self.poller.async_set_receipts(ringing(self.alarms.values()))
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
