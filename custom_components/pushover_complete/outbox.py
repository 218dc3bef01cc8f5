"""The outbox: messages Pushover could not take yet, retried until delivered.

Network failures, timeouts and HTTP 5xx put a message here; it is stored
(attachments as files beside the store, readable by Home Assistant's user
only) and retried in order, never sooner than 5 seconds after the last try.
The wait doubles while tries fail in a row, up to 5 minutes, and a delivery
resets it, so a flaky connection drains the queue at the pace Pushover
takes it. A message waits at most an hour. Pushover's 4xx answers are never
queued or repeated; a message that cannot be sent at all is dropped and
logged, and the rest go on. Stored attachments are bounded (50 MB): while
that is reached, a new attachment is refused with a clear error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
import time
from typing import Any, Final
import uuid

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .api import BadAPIRequestError, PushoverConnectionError
from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry, signal_updated
from .exceptions import async_handle_refusal, async_sending_works
from .files import KeptFiles, StoredAttachment, async_remove_kept
from .models import Attachment, Message, PlannedRequest, Recipient, RecipientResult
from .send import async_delivered, request_kwargs

FIRST_RETRY: Final = 5.0
MAX_RETRY: Final = 300.0
MAX_AGE: Final = 3600.0
MAX_ATTACHMENT_BYTES: Final = 50 * 1024 * 1024
STORAGE_VERSION: Final = 1
STORAGE_MINOR_VERSION: Final = 2
SAVE_DELAY: Final = 1.0
OUTBOX_FILES: Final = "outbox"


@dataclass(slots=True)
class QueuedMessage:
    """One request waiting in the outbox."""

    id: str
    created: float
    fields: dict[str, Any]
    recipients: list[Recipient]
    title: str | None
    message: str
    tags: list[str] = field(default_factory=list)
    attachment: StoredAttachment | None = None
    alarm_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueuedMessage:
        """Read the stored form (raises ``KeyError``/``TypeError`` if broken)."""
        meta = data.get("attachment")
        return cls(
            id=str(data["id"]),
            created=float(data["created"]),
            fields=dict(data["fields"]),
            recipients=[
                Recipient(**{**r, "devices": tuple(r.get("devices") or ())})
                for r in data["recipients"]
            ],
            title=data.get("title"),
            message=str(data["message"]),
            tags=list(data.get("tags") or []),
            attachment=StoredAttachment(**meta) if meta else None,
            alarm_id=data.get("alarm_id"),
        )

    def planned(self, attachment: Attachment | None) -> PlannedRequest:
        """Return the request to send again."""
        return PlannedRequest(list(self.recipients), dict(self.fields), attachment)


class _OutboxStore(Store[dict[str, Any]]):
    """The stored queue; minor version 2 records each attachment's size."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        for item in old_data.get("items", []):
            if isinstance(item, dict) and isinstance(item.get("attachment"), dict):
                item["attachment"].setdefault("size", 0)
        return old_data


class Outbox:
    """Queued messages of one entry, delivered in order once Pushover answers."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Queue nothing until :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self.items: list[QueuedMessage] = []
        self._store = _OutboxStore(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry.entry_id}.outbox",
            private=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._files = KeptFiles(hass, OUTBOX_FILES, entry.entry_id)
        self._failures = 0
        self._unsub: Callable[[], None] | None = None
        self._job = HassJob(self._async_start_flush, cancel_on_shutdown=True)
        self._flush_task: asyncio.Task[None] | None = None
        self._stopped = False
        self.max_age = MAX_AGE

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
        """Read what a previous run left and retry it soon."""
        stored = await self._store.async_load() or {}
        for raw in stored.get("items", []):
            try:
                self.items.append(QueuedMessage.from_dict(raw))
            except (KeyError, TypeError, ValueError, AttributeError):
                LOGGER.error("Skipped a stored Pushover message that cannot be read")
        if self.items:
            LOGGER.warning(
                "%d queued Pushover message(s) from before will be retried",
                len(self.items),
            )
            self._async_schedule(FIRST_RETRY)

    async def async_stop(self) -> None:
        """Stop retrying; a send in flight finishes first, then the queue is saved."""
        self._stopped = True
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        if self._flush_task is not None:
            await asyncio.wait({self._flush_task})
        await self.async_flush()

    async def async_enqueue(
        self, planned: PlannedRequest, msg: Message
    ) -> list[RecipientResult]:
        """Queue a request that could not be delivered now."""
        now = time.time()
        item = QueuedMessage(
            id=uuid.uuid4().hex,
            created=now,
            fields={
                **planned.fields,
                "timestamp": planned.fields.get("timestamp") or int(now),
            },
            recipients=list(planned.recipients),
            title=msg.title,
            message=msg.message,
            tags=list(msg.tags),
            alarm_id=msg.alarm_id,
        )
        if planned.attachment is not None:
            item.attachment = await self._async_store_attachment(
                item.id, planned.attachment
            )
        first = not self.items
        self.items.append(item)
        self._async_save()
        if first:
            LOGGER.warning(
                "Pushover cannot be reached; messages are queued and retried"
            )
            self._failures = 1
            self._async_schedule(FIRST_RETRY)
        return [RecipientResult(r, queued=True) for r in planned.recipients]

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
    def _async_save(self) -> None:
        """Store the queue soon; bursts of changes make one write."""
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
        while self.items and not self._stopped:
            item = self.items[0]
            if reason := self._too_old(item):
                LOGGER.error("Dropped a queued Pushover message: %s", reason)
            elif not await self._async_try(item):
                self._failures += 1
                self._async_schedule(self.retry_delay)
                return
            await self._async_remove(item)
            self.entry.runtime_data.alarms.async_check_done(item.alarm_id)

    def has_alarm(self, alarm_id: str) -> bool:
        """Tell whether a step of the alarm waits here."""
        return any(item.alarm_id == alarm_id for item in self.items)

    async def async_drop_alarm(self, alarm_id: str) -> None:
        """Drop the queued steps of an ended alarm (one in flight still goes)."""
        for item in [i for i in self.items[1:] if i.alarm_id == alarm_id]:
            await self._async_remove(item)
        if (
            self.items
            and self.items[0].alarm_id == alarm_id
            and self._flush_task is None
        ):
            await self._async_remove(self.items[0])

    async def _async_try(self, item: QueuedMessage) -> bool:
        """Send one queued message; ``False`` when Pushover cannot be reached.

        ``True`` means the message is done with: delivered, or dropped because
        Pushover refused it or it cannot be sent at all.
        """
        runtime = self.entry.runtime_data
        try:
            planned = item.planned(await self._files.async_read(item.attachment))
            answer = await runtime.client.send_message(**request_kwargs(planned))
        except PushoverConnectionError as err:
            LOGGER.debug("Outbox retry failed (%s)", err)
            return False
        except BadAPIRequestError as err:
            async_handle_refusal(self.hass, self.entry, err)
            LOGGER.error("Dropped a queued Pushover message: Pushover said %s", err)
            return True
        except Exception:
            LOGGER.exception("Dropped a queued Pushover message that cannot be sent")
            return True
        finally:
            runtime.coordinator.async_headers_seen()
        self._failures = 0
        async_sending_works(self.hass, self.entry)
        msg = Message(
            message=item.message,
            title=item.title,
            tags=list(item.tags),
            alarm_id=item.alarm_id,
        )
        async_delivered(self.entry, planned, msg, dict(answer))
        if len(self.items) == 1:
            LOGGER.warning("Pushover can be reached again; queued messages sent")
        return True

    def _too_old(self, item: QueuedMessage) -> str | None:
        age = time.time() - item.created
        if age > self.max_age:
            return f"not delivered within {self.max_age:.0f} s"
        fields = item.fields
        if str(fields.get("priority")) == "2" and age > float(
            fields.get("expire") or 0
        ):
            return "emergency older than its expire time"
        return None

    async def _async_remove(self, item: QueuedMessage) -> None:
        self.items.remove(item)
        await self._files.async_remove(item.attachment)
        self._async_save()

    async def async_flush(self) -> None:
        """Write the queue now (before an unload)."""
        await self._store.async_save(self._data_to_save())


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's queue and its attachment files."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outbox"
    ).async_remove()
    await async_remove_kept(hass, OUTBOX_FILES, entry_id)
