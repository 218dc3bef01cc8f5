"""Emergency alarms: receipts tracked until acknowledged, expired or canceled.

An acknowledgement arrives through the entry's webhook (Pushover's callback)
or through polling ``receipts/{receipt}.json``; either way each receipt fires
exactly one ``pushover_complete_acknowledged`` or ``pushover_complete_expired``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
import time
from typing import Any, Final
from urllib.parse import parse_qs

from aiohttp import web

from homeassistant.components import webhook
from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    BadAPIRequestError,
    PushoverAPI,
    PushoverAuthError,
    PushoverConnectionError,
    ReceiptResponse,
)
from .api.validation import KEY_RE
from .const import (
    CONF_USER_KEY,
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
    LOGGER,
    SUBENTRY_RECIPIENT,
)
from .data import PushoverCompleteConfigEntry, signal_event, signal_updated

POLL_WITHOUT_CALLBACK: Final = 10.0
POLL_WITH_CALLBACK: Final = 60.0
MIN_POLL: Final = 5.0
MAX_CALLBACK_BODY: Final = 4096
# Pushover keeps receipts for a week; stop asking after that.
RECEIPT_LIFETIME: Final = 7 * 24 * 3600
STORAGE_VERSION: Final = 1


@dataclass(slots=True)
class TrackedReceipt:
    """An emergency this entry sent and has not seen the end of."""

    receipt: str
    title: str | None
    message: str
    tags: list[str] = field(default_factory=list)
    notify_entity_id: str | None = None
    expires_at: float = 0.0
    callback_expected: bool = False
    sent_at: float = 0.0


class ReceiptTracker:
    """Tracks open receipts of one entry; stores them across restarts."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
    ) -> None:
        """Nothing is tracked until :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.receipts: dict[str, TrackedReceipt] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.receipts", private=True
        )
        self._unsub_poll: Callable[[], None] | None = None
        self._poll_job = HassJob(self._async_poll, cancel_on_shutdown=True)
        self._unreachable = False
        self.cloudhook_url: str | None = None

    # ------------------------------------------------------------------ lifecycle

    async def async_load(self) -> None:
        """Read stored receipts and resume polling."""
        stored = await self._store.async_load() or {}
        for item in stored.get("receipts", []):
            try:
                tracked = TrackedReceipt(**item)
            except TypeError:
                continue
            self.receipts[tracked.receipt] = tracked
        self._async_schedule()

    @callback
    def async_start(self) -> None:
        """Listen for Pushover's callback on the entry's webhook."""
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"Pushover Complete {self.entry.title}",
            self.entry.data["webhook_id"],
            self._async_handle_webhook,
            allowed_methods=["POST"],
        )

    async def async_setup_cloudhook(self) -> None:
        """Use a Home Assistant Cloud webhook when the cloud is subscribed."""
        if "cloud" not in self.hass.config.components:
            return
        from homeassistant.components import cloud

        if not cloud.async_active_subscription(self.hass):
            return
        try:
            self.cloudhook_url = await cloud.async_get_or_create_cloudhook(
                self.hass, self.entry.data["webhook_id"]
            )
        except Exception as err:
            LOGGER.info(
                "No Home Assistant Cloud webhook (%s); using the URL",
                type(err).__name__,
            )

    @callback
    def async_stop(self) -> None:
        """Stop polling and listening."""
        webhook.async_unregister(self.hass, self.entry.data["webhook_id"])
        if self._unsub_poll is not None:
            self._unsub_poll()
            self._unsub_poll = None

    def callback_url(self) -> str | None:
        """Where Pushover should call back, when it can reach us at all."""
        if self.cloudhook_url:
            return self.cloudhook_url
        try:
            base = get_url(
                self.hass, allow_internal=False, allow_ip=True, prefer_external=True
            )
        except NoURLAvailableError:
            return None
        return base + webhook.async_generate_path(self.entry.data["webhook_id"])

    # ------------------------------------------------------------------ tracking

    @property
    def count(self) -> int:
        """Open receipts."""
        return len(self.receipts)

    @callback
    def async_track(
        self,
        receipt: str,
        *,
        title: str | None,
        message: str,
        tags: list[str],
        notify_entity_id: str | None,
        expire: int,
        callback_expected: bool,
        sent_at: float | None = None,
    ) -> None:
        """Follow a new receipt until it ends."""
        sent = sent_at if sent_at is not None else time.time()
        self.receipts[receipt] = TrackedReceipt(
            receipt=receipt,
            title=title,
            message=message,
            tags=list(tags),
            notify_entity_id=notify_entity_id,
            expires_at=sent + expire,
            callback_expected=callback_expected,
            sent_at=sent,
        )
        self._async_changed()

    @callback
    def async_forget(self, receipts: list[str]) -> None:
        """Stop following receipts without an event (canceled)."""
        removed = [self.receipts.pop(receipt, None) for receipt in receipts]
        if any(removed):
            self._async_changed()

    def receipts_with_tag(self, tag: str) -> list[str]:
        """Receipts carrying ``tag``."""
        return [r.receipt for r in self.receipts.values() if tag in r.tags]

    @callback
    def _async_changed(self) -> None:
        self._store.async_delay_save(self._data_to_save, 1.0)
        async_dispatcher_send(self.hass, signal_updated(self.entry.entry_id))
        self._async_schedule()

    async def async_flush(self) -> None:
        """Write the open receipts now (before an unload)."""
        await self._store.async_save(self._data_to_save())

    def _data_to_save(self) -> dict[str, Any]:
        return {"receipts": [asdict(r) for r in self.receipts.values()]}

    @callback
    def _async_schedule(self) -> None:
        if self._unsub_poll is not None:
            self._unsub_poll()
            self._unsub_poll = None
        if not self.receipts:
            return
        interval = (
            POLL_WITH_CALLBACK
            if all(r.callback_expected for r in self.receipts.values())
            else POLL_WITHOUT_CALLBACK
        )
        self._unsub_poll = async_call_later(
            self.hass, max(interval, MIN_POLL), self._poll_job
        )

    async def _async_poll(self, _now: Any) -> None:
        self._unsub_poll = None
        for receipt in list(self.receipts):
            tracked = self.receipts.get(receipt)
            if tracked is None:
                continue
            try:
                answer = await self.client.check_receipt(receipt)
            except PushoverConnectionError as err:
                if not self._unreachable:
                    LOGGER.warning("Cannot check emergency receipts: %s", err)
                    self._unreachable = True
                break
            except PushoverAuthError:
                self.entry.async_start_reauth(self.hass)
                break
            except BadAPIRequestError as err:
                LOGGER.info(
                    "Receipt no longer known to Pushover (%s); stop tracking", err
                )
                self.async_forget([receipt])
                continue
            if self._unreachable:
                LOGGER.info("Emergency receipts can be checked again")
                self._unreachable = False
            self._async_handle_answer(tracked, answer)
        now = time.time()
        stale = [
            r.receipt
            for r in self.receipts.values()
            if now - r.sent_at > RECEIPT_LIFETIME
        ]
        self.async_forget(stale)
        self._async_schedule()

    @callback
    def _async_handle_answer(
        self, tracked: TrackedReceipt, answer: ReceiptResponse
    ) -> None:
        if answer.get("acknowledged"):
            self._async_acknowledged(
                tracked.receipt,
                int(answer.get("acknowledged_at") or time.time()),
                str(answer.get("acknowledged_by") or "") or None,
                str(answer.get("acknowledged_by_device") or "") or None,
            )
        elif answer.get("expired"):
            self._async_end(tracked.receipt, EVENT_EXPIRED, "expired", {})

    # ------------------------------------------------------------------ events

    @callback
    def _async_acknowledged(
        self,
        receipt: str,
        acknowledged_at: int,
        user_key: str | None,
        device: str | None,
    ) -> None:
        extra = {
            "acknowledged_at": dt_util.utc_from_timestamp(acknowledged_at).isoformat(),
            "acknowledged_by": user_key,
            "acknowledged_by_name": self._recipient_name(user_key),
            "acknowledged_by_device": device,
        }
        self._async_end(receipt, EVENT_ACKNOWLEDGED, "acknowledged", extra)

    @callback
    def _async_end(
        self, receipt: str, event: str, event_type: str, extra: dict[str, Any]
    ) -> None:
        tracked = self.receipts.pop(receipt, None)
        if tracked is None:
            return
        data = {
            "config_entry_id": self.entry.entry_id,
            "receipt": receipt,
            **extra,
            "title": tracked.title,
            "message": tracked.message,
            "tags": list(tracked.tags),
            "notify_entity_id": tracked.notify_entity_id,
        }
        self.hass.bus.async_fire(event, data)
        async_dispatcher_send(
            self.hass, signal_event(self.entry.entry_id), event_type, data
        )
        self._async_changed()

    def _recipient_name(self, user_key: str | None) -> str | None:
        if not user_key:
            return None
        for subentry in self.entry.subentries.values():
            if (
                subentry.subentry_type == SUBENTRY_RECIPIENT
                and subentry.data.get(CONF_USER_KEY) == user_key
            ):
                return subentry.title
        return None

    # ------------------------------------------------------------------ webhook

    async def _async_handle_webhook(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Pushover's callback. Answers 200 to anything, revealing nothing."""
        fields = await _read_form(request)
        receipt = fields.get("receipt", "")
        if KEY_RE.match(receipt) and receipt in self.receipts:
            acknowledged_at = fields.get("acknowledged_at", "")
            self._async_acknowledged(
                receipt,
                int(acknowledged_at) if acknowledged_at.isdigit() else int(time.time()),
                fields.get("acknowledged_by") or None,
                fields.get("acknowledged_by_device") or None,
            )
        return web.Response(status=200)


async def _read_form(request: web.Request) -> dict[str, str]:
    """A small form body as a dict; anything else as an empty one."""
    if (
        request.content_length is not None
        and request.content_length > MAX_CALLBACK_BODY
    ):
        return {}
    raw = await request.content.read(MAX_CALLBACK_BODY + 1)
    if len(raw) > MAX_CALLBACK_BODY:
        return {}
    try:
        parsed = parse_qs(raw.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {key: values[-1][:200] for key, values in parsed.items() if values}


async def async_remove_receipts(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed entry's open receipts."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.receipts"
    ).async_remove()
