"""The outbox: messages Pushover could not take yet, retried until delivered.

Network failures, timeouts and HTTP 5xx put a message here; it is stored
(attachments as files beside the store) and retried in order, never sooner
than 5 seconds after the last try, backing off to a few minutes, for at most
an hour. Pushover's 4xx answers are never queued or repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
import shutil
import time
from typing import Any, Final
import uuid

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .api import (
    BadAPIRequestError,
    PushoverConnectionError,
    PushoverValidationError,
)
from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry, signal_updated
from .send import (
    Attachment,
    Message,
    PlannedRequest,
    Recipient,
    RecipientResult,
    async_delivered,
    pushover_error,
    request_kwargs,
)

FIRST_RETRY: Final = 5.0
MAX_RETRY: Final = 300.0
MAX_AGE: Final = 3600.0
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0


class Outbox:
    """Queued messages of one entry, delivered in order once Pushover answers."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Nothing is queued until :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self.items: list[dict[str, Any]] = []
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.outbox", private=True
        )
        self._dir = _folder(hass, entry.entry_id)
        self._delay = FIRST_RETRY
        self._unsub: Callable[[], None] | None = None
        self._job = HassJob(self._async_flush, cancel_on_shutdown=True)
        self._flushing = False
        self._queued = 0
        self.max_age = MAX_AGE

    @property
    def pending(self) -> int:
        """How many requests wait."""
        return len(self.items)

    @property
    def queued_messages(self) -> int:
        """How many recipients' messages wait."""
        return self._queued

    async def async_load(self) -> None:
        """Read what a previous run left and retry it soon."""
        stored = await self._store.async_load() or {}
        self.items = list(stored.get("items", []))
        self._queued = sum(len(item["recipients"]) for item in self.items)
        if self.items:
            LOGGER.warning(
                "%d queued Pushover message(s) from before will be retried",
                len(self.items),
            )
            self._async_schedule(FIRST_RETRY)

    @callback
    def async_stop(self) -> None:
        """Stop retrying (the stored queue stays)."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    async def async_enqueue(
        self, planned: PlannedRequest, msg: Message
    ) -> list[RecipientResult]:
        """Queue a request that could not be delivered now."""
        now = time.time()
        fields = dict(planned.fields)
        fields["timestamp"] = fields.get("timestamp") or int(now)
        item: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "created": now,
            "fields": fields,
            "recipients": [asdict(r) for r in planned.recipients],
            "title": msg.title,
            "message": msg.message,
            "tags": list(msg.tags),
            "attachment": None,
        }
        if planned.attachment is not None:
            path = self._dir / item["id"]
            await self.hass.async_add_executor_job(
                _write_file, path, planned.attachment.data
            )
            item["attachment"] = {
                "file": str(path),
                "filename": planned.attachment.filename,
                "content_type": planned.attachment.content_type,
            }
        first = not self.items
        self.items.append(item)
        self._queued += len(item["recipients"])
        self._async_save()
        if first:
            LOGGER.warning(
                "Pushover cannot be reached; messages are queued and retried"
            )
            self._delay = FIRST_RETRY
            self._async_schedule(FIRST_RETRY)
        return [RecipientResult(r, queued=True) for r in planned.recipients]

    @callback
    def _async_schedule(self, delay: float) -> None:
        if self._unsub is not None:
            self._unsub()
        self._unsub = async_call_later(self.hass, max(delay, FIRST_RETRY), self._job)

    @callback
    def _async_save(self) -> None:
        """Store the queue soon; bursts of changes make one write."""
        self._store.async_delay_save(lambda: {"items": self.items}, SAVE_DELAY)
        async_dispatcher_send(self.hass, signal_updated(self.entry.entry_id))

    async def _async_flush(self, _now: Any = None) -> None:
        """Deliver queued messages in order until one fails for lack of network."""
        self._unsub = None
        if self._flushing:
            return
        self._flushing = True
        try:
            await self._async_flush_items()
        finally:
            self._flushing = False

    async def _async_flush_items(self) -> None:
        client = self.entry.runtime_data.client
        while self.items:
            item = self.items[0]
            if reason := self._too_old(item):
                LOGGER.error("Dropped a queued Pushover message: %s", reason)
                await self._async_remove(item)
                continue
            attachment = None
            if meta := item.get("attachment"):
                data = await self.hass.async_add_executor_job(
                    _read_file, Path(meta["file"])
                )
                if data is not None:
                    attachment = Attachment(
                        data, meta["filename"], meta["content_type"]
                    )
            planned = PlannedRequest(
                [
                    Recipient(**{**r, "devices": tuple(r.get("devices") or ())})
                    for r in item["recipients"]
                ],
                dict(item["fields"]),
                attachment,
            )
            try:
                answer = await client.send_message(**request_kwargs(planned))
            except PushoverConnectionError as err:
                self._delay = min(self._delay * 2, MAX_RETRY)
                LOGGER.debug(
                    "Outbox retry failed (%s); next in %.0f s", err, self._delay
                )
                self._async_schedule(self._delay)
                return
            except (BadAPIRequestError, PushoverValidationError) as err:
                if isinstance(err, BadAPIRequestError):
                    # The same side effects as a direct send: reauth, repair issue.
                    pushover_error(self.hass, self.entry, err)
                LOGGER.error("Dropped a queued Pushover message: Pushover said %s", err)
                await self._async_remove(item)
                continue
            finally:
                self.entry.runtime_data.coordinator.async_headers_seen()
            msg = Message(
                message=item["message"], title=item["title"], tags=list(item["tags"])
            )
            async_delivered(self.entry, planned, msg, dict(answer))
            await self._async_remove(item)
            if not self.items:
                LOGGER.warning("Pushover can be reached again; queued messages sent")
        self._delay = FIRST_RETRY

    def _too_old(self, item: dict[str, Any]) -> str | None:
        age = time.time() - float(item["created"])
        if age > self.max_age:
            return f"not delivered within {self.max_age:.0f} s"
        fields = item["fields"]
        if str(fields.get("priority")) == "2" and age > float(
            fields.get("expire") or 0
        ):
            return "emergency older than its expire time"
        return None

    async def _async_remove(self, item: dict[str, Any]) -> None:
        self.items.remove(item)
        self._queued -= len(item["recipients"])
        if meta := item.get("attachment"):
            await self.hass.async_add_executor_job(_remove_file, Path(meta["file"]))
        self._async_save()

    async def async_flush(self) -> None:
        """Write the queue now (before an unload)."""
        await self._store.async_save({"items": self.items})


async def async_remove_outbox(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's queue and its attachment files."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.outbox"
    ).async_remove()
    await hass.async_add_executor_job(shutil.rmtree, _folder(hass, entry_id), True)


def _folder(hass: HomeAssistant, entry_id: str) -> Path:
    """Where an entry's queued attachments are kept."""
    return Path(hass.config.path(".storage", f"{DOMAIN}_outbox", entry_id))


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _remove_file(path: Path) -> None:
    path.unlink(missing_ok=True)
