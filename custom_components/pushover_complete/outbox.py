"""The outbox: the one way a message goes to Pushover, queued while it cannot.

A request handed over is sent at once, unless messages already wait (order
is kept). Network failures, timeouts and HTTP 5xx put it in the queue; it is
stored (attachments as files beside the store, readable by Home Assistant's
user only) and retried in order, never sooner than 5 seconds after the last
try. The wait doubles while tries fail in a row, up to 5 minutes, and a
delivery resets it, so a flaky connection drains the queue at the pace
Pushover takes it. A message waits at most an hour. Pushover's 4xx answers
are never queued or repeated; a message that cannot be sent at all is
dropped and logged, and the rest go on. After Pushover rejected the token
nothing is retried until reauth reloads the entry. Stored attachments are
bounded (50 MB): while that is reached, a new attachment is refused.

The outbox knows messages, not alarms. A request handed over with an owner
reference (``ref``) belongs to someone who must hear of it: before it is
sent from the queue the owner is asked for the fields to send (or to drop
it), and every outcome is reported back through :class:`OutboxReport`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
import time
from typing import Any, Final, Protocol
import uuid

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry, signal_updated
from .files import KeptFiles, StoredAttachment
from .models import Attachment, PlannedRequest, Recipient
from .refusals import RefusalGuard
from .send import Delivered, Delivery, Refused, Unreachable
from .storage import OUTBOX, store_key

FIRST_RETRY: Final = 5.0
MAX_RETRY: Final = 300.0
MAX_AGE: Final = 3600.0
MAX_ATTACHMENT_BYTES: Final = 50 * 1024 * 1024
STORAGE_VERSION: Final = 1
STORAGE_MINOR_VERSION: Final = 2
SAVE_DELAY: Final = 1.0


@dataclass(slots=True)
class QueuedMessage:
    """One request waiting in the outbox."""

    id: str
    created: float
    fields: dict[str, Any]
    recipients: list[Recipient]
    attachment: StoredAttachment | None = None
    ref: str | None = None
    link_ref: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueuedMessage:
        """Read the stored form; raise ``KeyError``/``TypeError``/``ValueError`` if broken."""
        meta = data.get("attachment")
        ref = data.get("ref", data.get("alarm_id"))
        if ref is not None and not isinstance(ref, str):
            raise TypeError("the owner reference is not a string")
        return cls(
            id=str(data["id"]),
            created=float(data["created"]),
            fields=dict(data["fields"]),
            recipients=[_recipient(r) for r in data["recipients"]],
            attachment=StoredAttachment(**meta) if meta else None,
            ref=ref,
            link_ref=data.get("link_ref"),
        )

    def planned(self, attachment: Attachment | None) -> PlannedRequest:
        """Return the request to send again."""
        return PlannedRequest(
            list(self.recipients), dict(self.fields), attachment, self.link_ref
        )


def _recipient(raw: dict[str, Any]) -> Recipient:
    """Read a stored recipient (before 1.3 its devices were stored as ``devices``)."""
    fields = dict(raw)
    devices = fields.pop("devices", None) or fields.pop("recipient_devices", None)
    return Recipient(**fields, recipient_devices=tuple(devices or ()))


@dataclass(frozen=True, slots=True)
class Queued:
    """The request waits in the outbox (``item_id``)."""

    item_id: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """The queued request was given up (``reason``, for the log)."""

    reason: str


type Outcome = Delivered | Refused | Dropped


class OutboxReport(Protocol):
    """What the owner of queued requests hears from the outbox."""

    async def async_prepare(self, item: QueuedMessage) -> dict[str, Any] | None:
        """Return the fields to send the item with now, or ``None`` to drop it."""

    @callback
    def async_outcome(self, item: QueuedMessage, outcome: Outcome) -> None:
        """Take what became of an item of the owner's."""


class _OutboxStore(Store[dict[str, Any]]):
    """The stored queue; minor version 2 records each attachment's size.

    Items stored before owner references name their alarm as ``alarm_id``
    (read as ``ref``); nothing is rewritten at load, so one damaged item
    cannot stop the others from loading.
    """

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        for item in old_data.get("items", []):
            if isinstance(item, dict) and isinstance(item.get("attachment"), dict):
                item["attachment"].setdefault("size", 0)
        return old_data


Deliver = Callable[[PlannedRequest], Awaitable[Delivery]]


class Outbox:
    """Requests of one entry: sent at once, or queued and delivered in order."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        *,
        deliver: Deliver,
        guard: RefusalGuard,
    ) -> None:
        """Queue nothing until :meth:`async_load`; ``deliver`` sends one request."""
        self.hass = hass
        self.entry = entry
        self.items: list[QueuedMessage] = []
        self._deliver = deliver
        self._guard = guard
        self._report: OutboxReport | None = None
        self._store = _OutboxStore(
            hass,
            STORAGE_VERSION,
            store_key(entry.entry_id, OUTBOX),
            private=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._files = KeptFiles(hass, OUTBOX, entry.entry_id)
        self._failures = 0
        self._unsub: Callable[[], None] | None = None
        self._job = HassJob(self._async_start_flush, cancel_on_shutdown=True)
        self._flush_task: asyncio.Task[None] | None = None
        self._current: QueuedMessage | None = None
        self._sending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopped = False
        self.max_age = MAX_AGE

    @callback
    def async_set_report(self, report: OutboxReport) -> None:
        """Name who hears of the items handed over with an owner reference."""
        self._report = report

    @property
    def pending(self) -> int:
        """Return how many requests wait."""
        return len(self.items)

    @property
    def queued_messages(self) -> int:
        """Return how many recipients' messages wait."""
        return sum(len(item.recipients) for item in self.items)

    @property
    def retry_delay(self) -> float:
        """Return the wait before the next try: 5 s doubled per failure in a row."""
        return float(min(FIRST_RETRY * 2 ** max(self._failures - 1, 0), MAX_RETRY))

    @property
    def attachment_bytes(self) -> int:
        """Return the bytes of stored attachments."""
        return sum(item.attachment.size for item in self.items if item.attachment)

    async def async_load(self) -> None:
        """Read what a previous run left (one damaged item is skipped)."""
        stored = await self._store.async_load() or {}
        for index, raw in enumerate(stored.get("items", [])):
            try:
                self.items.append(QueuedMessage.from_dict(raw))
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                LOGGER.warning(
                    "Skipped queued Pushover message %d of the store: %s (%s)",
                    index + 1,
                    _name_of(raw),
                    type(err).__name__,
                )

    @callback
    def async_start(self) -> None:
        """Retry what a previous run left, soon."""
        if self.items:
            LOGGER.warning(
                "%d queued Pushover message(s) from before will be retried",
                len(self.items),
            )
            self._async_schedule(FIRST_RETRY)

    async def async_stop(self) -> None:
        """Stop retrying; sends in flight finish first (their outcome is reported)."""
        self._stopped = True
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        if self._flush_task is not None:
            await asyncio.wait({self._flush_task})
        await self._idle.wait()

    async def async_save(self) -> None:
        """Write the queue now (before an unload)."""
        await self._store.async_save(self._data_to_save())

    @callback
    def async_set_ref(self, item: QueuedMessage, ref: str) -> None:
        """Hand a waiting item over to an owner (a store written before 1.3)."""
        item.ref = ref
        self._async_changed()

    async def async_submit(
        self, planned: PlannedRequest, ref: str | None = None
    ) -> Delivered | Refused | Queued:
        """Send a request now, or queue it behind others or while Pushover is away."""
        if self.items or self._stopped:
            return await self._async_enqueue(planned, ref)
        self._sending += 1
        self._idle.clear()
        try:
            delivery = await self._deliver(planned)
        finally:
            self._sending -= 1
            if not self._sending:
                self._idle.set()
        if isinstance(delivery, Unreachable):
            LOGGER.warning(
                "Pushover did not take the message (%s); it is queued", delivery.error
            )
            return await self._async_enqueue(planned, ref)
        return delivery

    async def _async_enqueue(self, planned: PlannedRequest, ref: str | None) -> Queued:
        """Store a request that could not be delivered now."""
        now = time.time()
        item = QueuedMessage(
            id=uuid.uuid4().hex,
            created=now,
            fields={
                **planned.fields,
                "timestamp": planned.fields.get("timestamp") or int(now),
            },
            recipients=list(planned.recipients),
            ref=ref,
            link_ref=planned.link_ref,
        )
        if planned.attachment is not None:
            item.attachment = await self._async_store_attachment(
                item.id, planned.attachment
            )
        first = not self.items
        self.items.append(item)
        self._async_changed()
        if first:
            LOGGER.warning(
                "Pushover cannot be reached; messages are queued and retried"
            )
            self._failures = 1
            self._async_schedule(FIRST_RETRY)
        return Queued(item.id)

    async def _async_store_attachment(
        self, item_id: str, attachment: Attachment
    ) -> StoredAttachment:
        """Keep an attachment as a private file, within the outbox's bound."""
        if self.attachment_bytes + len(attachment.data) > MAX_ATTACHMENT_BYTES:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="outbox_full",
                translation_placeholders={"limit": str(MAX_ATTACHMENT_BYTES // 2**20)},
            )
        return await self._files.async_keep(item_id, attachment)

    async def async_drop(self, item_ids: set[str]) -> set[str]:
        """Drop waiting items; return those dropped.

        One on the wire still goes, and its outcome is reported.
        """
        dropped = set()
        for item in [i for i in self.items if i.id in item_ids]:
            if item is not self._current:
                await self._async_remove(item)
                dropped.add(item.id)
        return dropped

    @callback
    def _async_schedule(self, delay: float) -> None:
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        if not self._stopped:
            self._unsub = async_call_later(
                self.hass, max(delay, FIRST_RETRY), self._job
            )

    @callback
    def _async_changed(self) -> None:
        """Store the queue soon (bursts make one write); tell the sensor."""
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)
        async_dispatcher_send(self.hass, signal_updated(self.entry.entry_id))

    def _data_to_save(self) -> dict[str, Any]:
        return {"items": [item.as_dict() for item in self.items]}

    @callback
    def _async_start_flush(self, _now: Any = None) -> None:
        self._unsub = None
        if self._stopped or self._flush_task is not None:
            return
        self._flush_task = self.entry.async_create_task(
            self.hass, self._async_flush_items(), "pushover_complete outbox"
        )
        self._flush_task.add_done_callback(self._flush_done)

    def _flush_done(self, _task: asyncio.Task[None]) -> None:
        self._flush_task = None

    async def _async_flush_items(self) -> None:
        """Deliver queued messages in order until one fails for lack of network."""
        while self.items and not self._stopped and not self._guard.token_rejected:
            item = self.items[0]
            self._current = item
            try:
                outcome = await self._async_try(item)
            finally:
                self._current = None
            if outcome is None:
                self._failures += 1
                self._async_schedule(self.retry_delay)
                return
            if item in self.items:
                await self._async_remove(item)
            self._async_report(item, outcome)
        if self.items and self._guard.token_rejected:
            LOGGER.warning(
                "Queued Pushover messages wait until the application is authenticated"
                " again"
            )

    async def _async_try(self, item: QueuedMessage) -> Outcome | None:
        """Send one queued message; ``None`` when Pushover cannot be reached."""
        if reason := self._too_old(item):
            return Dropped(reason)
        try:
            fields = item.fields
            if item.ref is not None and self._report is not None:
                if (prepared := await self._report.async_prepare(item)) is None:
                    return Dropped("its alarm ended")
                fields = prepared
            attachment = await self._files.async_read(item.attachment)
            delivery = await self._deliver(
                PlannedRequest(list(item.recipients), fields, attachment, item.link_ref)
            )
        except Exception:  # nothing unexpected stops the outbox
            LOGGER.exception("Dropped a queued Pushover message that cannot be sent")
            return Dropped("it cannot be sent")
        if isinstance(delivery, Unreachable):
            LOGGER.debug("Outbox retry failed (%s)", delivery.error)
            return None
        self._failures = 0
        if isinstance(delivery, Refused):
            LOGGER.error(
                "Dropped a queued Pushover message: Pushover said %s", delivery.error
            )
        elif len(self.items) == 1:
            LOGGER.warning("Pushover can be reached again; queued messages sent")
        return delivery

    @callback
    def _async_report(self, item: QueuedMessage, outcome: Outcome) -> None:
        if isinstance(outcome, Dropped):
            LOGGER.error("Dropped a queued Pushover message: %s", outcome.reason)
        if item.ref is not None and self._report is not None:
            self._report.async_outcome(item, outcome)

    def _too_old(self, item: QueuedMessage) -> str | None:
        if time.time() - item.created > self.max_age:
            return f"not delivered within {self.max_age:.0f} s"
        return None

    async def _async_remove(self, item: QueuedMessage) -> None:
        self.items.remove(item)
        await self._files.async_remove(item.attachment)
        self._async_changed()


def _name_of(raw: Any) -> str:
    """Name a stored item in a warning without showing its content."""
    item_id = raw.get("id") if isinstance(raw, dict) else None
    return f"id {item_id}" if isinstance(item_id, str) else "no readable id"
