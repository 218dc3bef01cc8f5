"""Alarms that escalate: steps of recipients, and one answer that ends them.

An alarm is one stored object: its steps (notify entities and the seconds
after the start at which they are woken), when it started, which steps went
out, and its message. Its receipts live in the receipt tracker, marked with
the alarm's id; queued steps live in the outbox, marked the same way. The
first acknowledgement of any receipt ends the alarm: pending steps are
dropped, the other receipts canceled at Pushover, and one
``pushover_complete_acknowledged`` fires. When every step went out and every
receipt expired, one ``pushover_complete_expired`` fires. Steps are timed
with Home Assistant's time helpers; a step that fell due while Home
Assistant was down goes out at start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import dataclasses
from dataclasses import asdict, dataclass, fields
from datetime import datetime
import functools
import itertools
import time
from typing import TYPE_CHECKING, Any, Final
import uuid

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import PushoverCompleteError
from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry, signal_updated
from .exceptions import invalid
from .files import KeptFiles, StoredAttachment, async_remove_kept
from .models import Attachment, Message, Recipient, recipient_from_subentry
from .send import async_send
from .targets import entity_recipient
from .tasks import EntryTasks

if TYPE_CHECKING:
    from .emergency import TrackedReceipt

MAX_STEPS: Final = 10
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0
ALARM_FILES: Final = "alarms"
# Message fields an alarm stores (the attachment is kept as a file).
_MESSAGE_FIELDS: Final = tuple(
    f.name for f in fields(Message) if f.name != "attachment"
)


@dataclass(slots=True)
class AlarmStep:
    """Whom to wake, and when (seconds after the alarm started)."""

    targets: list[str]
    after: int = 0
    sent: bool = False


@dataclass(slots=True)
class Alarm:
    """One escalating alarm of an entry."""

    alarm_id: str
    started: float
    steps: list[AlarmStep]
    message: dict[str, Any]
    attachment: StoredAttachment | None = None

    @property
    def title(self) -> str | None:
        """Return the alarm's title."""
        return self.message.get("title")

    @property
    def tags(self) -> list[str]:
        """Return the alarm's tags."""
        return list(self.message.get("tags") or [])

    @property
    def steps_sent(self) -> int:
        """Return how many steps went out."""
        return sum(1 for step in self.steps if step.sent)

    def next_step(self) -> int | None:
        """Return the index of the first step not sent yet."""
        return next((i for i, step in enumerate(self.steps) if not step.sent), None)

    def due(self, index: int) -> datetime:
        """Return when a step falls due."""
        return dt_util.utc_from_timestamp(self.started + self.steps[index].after)

    def as_summary(self) -> dict[str, Any]:
        """Return what the active-emergencies sensor lists for this alarm."""
        return {
            "alarm_id": self.alarm_id,
            "title": self.title,
            "started": dt_util.utc_from_timestamp(self.started).isoformat(),
            "step": self.steps_sent,
            "tags": self.tags,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alarm:
        """Read the stored form (raises ``KeyError``/``TypeError`` if broken)."""
        meta = data.get("attachment")
        return cls(
            alarm_id=str(data["alarm_id"]),
            started=float(data["started"]),
            steps=[AlarmStep(**step) for step in data["steps"]],
            message={k: v for k, v in data["message"].items() if k in _MESSAGE_FIELDS},
            attachment=StoredAttachment(**meta) if meta else None,
        )


class AlarmManager:
    """The open alarms of one entry: stored, timed, ended by one answer."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Hold nothing until :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self.alarms: dict[str, Alarm] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.alarms", private=True
        )
        self._files = KeptFiles(hass, ALARM_FILES, entry.entry_id)
        self._timers: dict[str, Callable[[], None]] = {}
        self._tasks = EntryTasks(hass, entry)
        self._stopped = False

    @property
    def count(self) -> int:
        """Return the number of open alarms."""
        return len(self.alarms)

    def summaries(self) -> list[dict[str, Any]]:
        """Return the open alarms as the sensor lists them."""
        return [alarm.as_summary() for alarm in self.alarms.values()]

    async def async_load(self) -> None:
        """Read stored alarms; send steps that fell due meanwhile, time the rest."""
        stored = await self._store.async_load() or {}
        for raw in stored.get("alarms", []):
            try:
                alarm = Alarm.from_dict(raw)
            except (KeyError, TypeError, ValueError, AttributeError):
                LOGGER.error("Skipped a stored alarm that cannot be read")
                continue
            self.alarms[alarm.alarm_id] = alarm
        now = dt_util.utcnow()
        for alarm in list(self.alarms.values()):
            index = alarm.next_step()
            if index is not None and alarm.due(index) <= now:
                self._tasks.async_run(
                    self._async_escalate(alarm), "pushover_complete alarm step"
                )
            else:
                self._async_schedule(alarm)

    async def async_stop(self) -> None:
        """Stop timing and sending steps, also what is running now."""
        self._stopped = True
        for unsub in self._timers.values():
            unsub()
        self._timers.clear()
        await self._tasks.async_cancel()
        await self._store.async_save(self._data_to_save())

    async def async_start(
        self, steps: Sequence[AlarmStep], msg: Message
    ) -> dict[str, Any]:
        """Start an alarm: send the first step now; the action's response."""
        alarm_id = uuid.uuid4().hex
        msg = dataclasses.replace(msg, priority=2, alarm_id=alarm_id)
        alarm = Alarm(
            alarm_id=alarm_id,
            started=time.time(),
            steps=[AlarmStep(list(s.targets), s.after) for s in steps],
            message={name: getattr(msg, name) for name in _MESSAGE_FIELDS},
        )
        if msg.attachment is not None:
            alarm.attachment = await self._files.async_keep(
                alarm.alarm_id, msg.attachment
            )
        self.alarms[alarm.alarm_id] = alarm
        try:
            result = await self._async_send_step(alarm, 0, msg.attachment)
        except HomeAssistantError:
            await self._async_end(alarm)
            raise
        self._async_schedule(alarm)
        return {
            "alarm_id": alarm.alarm_id,
            "recipients": [
                {
                    "notify_entity_id": r["notify_entity_id"],
                    "receipt": r["receipt"],
                    "queued": r["queued"],
                }
                for r in result["recipients"]
            ],
        }

    def _message(self, alarm: Alarm, attachment: Attachment | None) -> Message:
        return Message(**alarm.message, attachment=attachment)

    async def _async_send_step(
        self, alarm: Alarm, index: int, attachment: Attachment | None
    ) -> dict[str, Any]:
        """Send one step at priority 2; mark it sent first (never twice)."""
        step = alarm.steps[index]
        step.sent = True
        self._async_changed()
        return await async_send(
            self.hass,
            self.entry,
            self._recipients(step),
            self._message(alarm, attachment),
        )

    def _recipients(self, step: AlarmStep) -> list[Recipient]:
        """Return the recipients behind a step's notify entities (gone ones left out)."""
        registry = er.async_get(self.hass)
        recipients = []
        for entity_id in step.targets:
            reg = registry.async_get(entity_id)
            subentry = self.entry.subentries.get(
                (reg.config_subentry_id if reg else None) or ""
            )
            if subentry is None:
                LOGGER.warning("An alarm's recipient %s no longer exists", entity_id)
                continue
            recipients.append(recipient_from_subentry(subentry, entity_id))
        return recipients

    @callback
    def _async_schedule(self, alarm: Alarm) -> None:
        """Time the alarm's next step (or send it now if it is due)."""
        if unsub := self._timers.pop(alarm.alarm_id, None):
            unsub()
        index = alarm.next_step()
        if self._stopped or index is None or alarm.alarm_id not in self.alarms:
            return
        job = HassJob(
            functools.partial(self._async_step_due, alarm.alarm_id),
            "pushover_complete alarm step",
            cancel_on_shutdown=True,
        )
        self._timers[alarm.alarm_id] = async_track_point_in_utc_time(
            self.hass, job, alarm.due(index)
        )

    @callback
    def _async_step_due(self, alarm_id: str, _now: datetime) -> None:
        self._timers.pop(alarm_id, None)
        if not self._stopped and (alarm := self.alarms.get(alarm_id)):
            self._tasks.async_run(
                self._async_escalate(alarm), "pushover_complete alarm step"
            )

    async def _async_escalate(self, alarm: Alarm) -> None:
        """Send every step that is due now, then time the next one."""
        now = dt_util.utcnow()
        attachment = await self._files.async_read(alarm.attachment)
        while (index := alarm.next_step()) is not None and alarm.due(index) <= now:
            if alarm.alarm_id not in self.alarms:
                return
            try:
                await self._async_send_step(alarm, index, attachment)
            except HomeAssistantError as err:
                LOGGER.error("Step %d of an alarm was not sent: %s", index + 1, err)
        self._async_schedule(alarm)
        self.async_check_done(alarm.alarm_id)

    @callback
    def async_receipt_ended(
        self, tracked: TrackedReceipt, event_type: str, fire: Callable[[], None]
    ) -> None:
        """Decide what a receipt's end means for its alarm; ``fire`` its event."""
        alarm = self.alarms.get(tracked.alarm_id or "")
        if alarm is None:
            return
        if event_type == "acknowledged" or self._async_finished(alarm):
            fire()
            self._tasks.async_run(self._async_end(alarm), "pushover_complete alarm end")

    @callback
    def async_check_done(self, alarm_id: str | None) -> None:
        """End an alarm silently whose steps all went out and nothing is open.

        That is an alarm whose last receipts were refused or dropped (no
        receipt expired to carry its ``expired`` event).
        """
        alarm = self.alarms.get(alarm_id or "")
        if alarm is not None and self._async_finished(alarm):
            self._tasks.async_run(self._async_end(alarm), "pushover_complete alarm end")

    def _async_finished(self, alarm: Alarm) -> bool:
        """Tell whether every step went out and nothing of the alarm is open."""
        runtime = self.entry.runtime_data
        return (
            alarm.next_step() is None
            and not runtime.receipts.receipts_of_alarm(alarm.alarm_id)
            and not runtime.outbox.has_alarm(alarm.alarm_id)
        )

    @callback
    def async_cancel_late_receipt(self, receipt: str) -> None:
        """Cancel a receipt of an alarm that ended while its step was in flight."""
        self._tasks.async_run(
            self._async_cancel_receipts([receipt]), "pushover_complete alarm late"
        )

    async def async_cancel(self, alarm_id: str) -> int:
        """End an alarm without an event; return the receipts canceled."""
        alarm = self.alarms.get(alarm_id)
        return await self._async_end(alarm) if alarm is not None else 0

    def alarms_with_tag(self, tag: str) -> list[str]:
        """Return the open alarms carrying ``tag``."""
        return [a.alarm_id for a in self.alarms.values() if tag in a.tags]

    async def _async_end(self, alarm: Alarm) -> int:
        """Drop pending steps, cancel open receipts, forget the alarm."""
        if self.alarms.pop(alarm.alarm_id, None) is None:
            return 0
        if unsub := self._timers.pop(alarm.alarm_id, None):
            unsub()
        runtime = self.entry.runtime_data
        await runtime.outbox.async_drop_alarm(alarm.alarm_id)
        receipts = runtime.receipts.receipts_of_alarm(alarm.alarm_id)
        runtime.receipts.async_forget(receipts)
        self._async_changed()
        await self._files.async_remove(alarm.attachment)
        return await self._async_cancel_receipts(receipts)

    async def _async_cancel_receipts(self, receipts: list[str]) -> int:
        """Cancel receipts at Pushover (within the shared 2-in-flight limit)."""
        client = self.entry.runtime_data.client
        canceled = 0
        for receipt in receipts:
            try:
                await client.cancel_receipt(receipt)
            except PushoverCompleteError as err:
                LOGGER.warning("Could not cancel an alarm's receipt: %s", err)
            else:
                canceled += 1
        return canceled

    @callback
    def _async_changed(self) -> None:
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        async_dispatcher_send(self.hass, signal_updated(self.entry.entry_id))

    def _data_to_save(self) -> dict[str, Any]:
        return {"alarms": [asdict(alarm) for alarm in self.alarms.values()]}


async def async_remove_alarms(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's alarms and their attachment files."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.alarms"
    ).async_remove()
    await async_remove_kept(hass, ALARM_FILES, entry_id)


def checked_steps(
    hass: HomeAssistant, raw_steps: Sequence[dict[str, Any]], expire: int
) -> tuple[PushoverCompleteConfigEntry, list[AlarmStep]]:
    """Check a call's steps before anything is sent; return their entry and steps.

    1 to 10 steps; the first at 0 s, later ones strictly later and at most
    ``expire``; every target a notify entity of one application entry.
    """
    if not 1 <= len(raw_steps) <= MAX_STEPS:
        raise invalid("alarm_steps_count", max=str(MAX_STEPS))
    steps = [
        AlarmStep(list(raw["targets"]), int(raw.get("after") or 0)) for raw in raw_steps
    ]
    if not all(step.targets for step in steps):
        raise invalid("alarm_step_without_targets")
    if steps[0].after != 0:
        raise invalid("alarm_first_step", after=str(steps[0].after))
    for earlier, later in itertools.pairwise(steps):
        if later.after <= earlier.after:
            raise invalid("alarm_steps_order", after=str(later.after))
    if steps[-1].after > expire:
        raise invalid(
            "alarm_step_after_expire", after=str(steps[-1].after), expire=str(expire)
        )
    entries = {
        entity_recipient(hass, entity_id)[0].entry_id: entity_recipient(
            hass, entity_id
        )[0]
        for step in steps
        for entity_id in step.targets
    }
    if len(entries) != 1:
        raise invalid("alarm_two_applications")
    return next(iter(entries.values())), steps
