"""Emergency alarms: receipts tracked until acknowledged, expired or canceled.

Pushover's callback (the entry's webhook) carries no signature, so it is only
a hint: the receipt is then read back from Pushover, and events are built
from Pushover's answer. Polling reads the same answer. Either way each
receipt fires at most one ``pushover_complete_acknowledged`` or
``pushover_complete_expired``. Unload stops polling and confirmations at once,
including those already running, and nothing is scheduled after that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
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
    KEY_RE,
    BadAPIRequestError,
    PushoverAPI,
    PushoverAuthError,
    PushoverConnectionError,
    ReceiptResponse,
)
from .const import DOMAIN, EVENT_ACKNOWLEDGED, EVENT_EXPIRED, LOGGER
from .data import PushoverCompleteConfigEntry, signal_event, signal_updated
from .models import Recipient, receipt_summary, recipient_subentries
from .tasks import EntryTasks

POLL_WITHOUT_CALLBACK: Final = 10.0
POLL_WITH_CALLBACK: Final = 60.0
MIN_POLL: Final = 5.0
MAX_POLL: Final = 300.0
MAX_CALLBACK_BODY: Final = 4096
# Pushover keeps receipts for a week; stop asking after that.
RECEIPT_LIFETIME: Final = 7 * 24 * 3600
STORAGE_VERSION: Final = 1
STORAGE_MINOR_VERSION: Final = 2


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
    user_key: str | None = None
    recipient_name: str | None = None
    alarm_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackedReceipt | None:
        """Read a stored receipt; ``None`` for an entry that is not one."""
        known = {f.name for f in fields(cls)}
        try:
            tracked = cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return None
        return tracked if isinstance(tracked.receipt, str) else None


class _ReceiptStore(Store[dict[str, Any]]):
    """Stored open receipts; minor version 2 added who each went to, and alarms."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        # 1.1 items lack user_key, recipient_name, alarm_id: from_dict gives None.
        return old_data


def _receipt_gone(err: BadAPIRequestError) -> bool:
    """Tell whether Pushover says the receipt does not exist (any more)."""
    return err.http_status == 404 or err.fields.get("receipt") == "not found"


class ReceiptTracker:
    """Tracks open receipts of one entry; stores them across restarts."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
    ) -> None:
        """Track nothing until :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.receipts: dict[str, TrackedReceipt] = {}
        self._store = _ReceiptStore(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry.entry_id}.receipts",
            private=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._unsub_poll: Callable[[], None] | None = None
        self._poll_job = HassJob(self._async_start_poll, cancel_on_shutdown=True)
        self._tasks = EntryTasks(hass, entry)
        self._confirming: set[str] = set()
        self._stopped = False
        self._unreachable = False
        self._backoff = 1.0
        self.cloudhook_url: str | None = None

    async def async_load(self) -> None:
        """Read stored receipts and resume polling."""
        stored = await self._store.async_load() or {}
        for item in stored.get("receipts", []):
            if isinstance(item, dict) and (tracked := TrackedReceipt.from_dict(item)):
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
        except Exception as err:  # any cloud failure: use the URL
            LOGGER.info(
                "No Home Assistant Cloud webhook (%s); using the URL",
                type(err).__name__,
            )

    async def async_stop(self) -> None:
        """Stop polling, confirming and listening, also what is running now."""
        self._stopped = True
        webhook.async_unregister(self.hass, self.entry.data["webhook_id"])
        if self._unsub_poll is not None:
            self._unsub_poll()
            self._unsub_poll = None
        await self._tasks.async_cancel()

    def callback_url(self) -> str | None:
        """Return where Pushover should call back, when it can reach us at all."""
        if self.cloudhook_url:
            return self.cloudhook_url
        try:
            base = get_url(
                self.hass, allow_internal=False, allow_ip=True, prefer_external=True
            )
        except NoURLAvailableError:
            return None
        return base + webhook.async_generate_path(self.entry.data["webhook_id"])

    @property
    def count(self) -> int:
        """Return the number of open emergencies that are not part of an alarm."""
        return sum(1 for r in self.receipts.values() if r.alarm_id is None)

    def receipts_of_alarm(self, alarm_id: str) -> list[str]:
        """Return the open receipts of an alarm."""
        return [r.receipt for r in self.receipts.values() if r.alarm_id == alarm_id]

    @callback
    def async_track(
        self,
        receipt: str,
        *,
        recipient: Recipient,
        title: str | None,
        message: str,
        tags: list[str],
        expire: int,
        callback_expected: bool,
        sent_at: float | None = None,
        alarm_id: str | None = None,
    ) -> None:
        """Follow a new receipt until it ends."""
        alarms = self.entry.runtime_data.alarms
        if alarm_id is not None and alarm_id not in alarms.alarms:
            alarms.async_cancel_late_receipt(receipt)
            return
        sent = sent_at if sent_at is not None else time.time()
        self.receipts[receipt] = TrackedReceipt(
            receipt=receipt,
            title=title,
            message=message,
            tags=list(tags),
            notify_entity_id=recipient.notify_entity_id,
            expires_at=sent + expire,
            callback_expected=callback_expected,
            sent_at=sent,
            user_key=recipient.user_key,
            recipient_name=recipient.name,
            alarm_id=alarm_id,
        )
        self._async_changed()

    @callback
    def async_forget(self, receipts: list[str]) -> None:
        """Stop following receipts without an event (canceled, or gone).

        An alarm left with nothing open and no step to come ends with them.
        """
        removed = [self.receipts.pop(receipt, None) for receipt in receipts]
        if any(removed):
            self._async_changed()
        for alarm_id in {r.alarm_id for r in removed if r is not None and r.alarm_id}:
            self.entry.runtime_data.alarms.async_check_done(alarm_id)

    def receipts_with_tag(self, tag: str) -> list[str]:
        """Return the receipts carrying ``tag``."""
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
        if self._stopped or not self.receipts:
            return
        interval = (
            POLL_WITH_CALLBACK
            if all(r.callback_expected for r in self.receipts.values())
            else POLL_WITHOUT_CALLBACK
        )
        delay = min(max(interval * self._backoff, MIN_POLL), MAX_POLL)
        self._unsub_poll = async_call_later(self.hass, delay, self._poll_job)

    @callback
    def _async_start_poll(self, _now: Any) -> None:
        self._unsub_poll = None
        if not self._stopped:
            self._tasks.async_run(self._async_poll(), "pushover_complete receipt poll")

    async def _async_poll(self) -> None:
        """Read every open receipt once, then plan the next poll."""
        for receipt in list(self.receipts):
            if receipt in self.receipts and not await self._async_check(receipt):
                break
        now = time.time()
        self.async_forget(
            [
                r.receipt
                for r in self.receipts.values()
                if now - r.sent_at > RECEIPT_LIFETIME
            ]
        )
        self._async_schedule()

    async def _async_check(self, receipt: str) -> bool:
        """Read one receipt from Pushover and act on it; ``False``: stop for now."""
        try:
            answer = await self.client.check_receipt(receipt)
        except PushoverConnectionError as err:
            return self._async_later(f"{err}")
        except PushoverAuthError:
            self.entry.async_start_reauth(self.hass)
            return False
        except BadAPIRequestError as err:
            if err.ask_later:
                return self._async_later(f"Pushover asked to wait ({err})")
            if _receipt_gone(err):
                LOGGER.info("An emergency receipt is no longer known to Pushover")
                self.async_forget([receipt])
            return True
        if self._unreachable:
            LOGGER.info("Emergency receipts can be checked again")
            self._unreachable = False
        self._backoff = 1.0
        self._async_handle_answer(receipt, answer)
        return True

    @callback
    def _async_later(self, reason: str) -> bool:
        """Keep the receipts and back off: Pushover cannot answer now."""
        if not self._unreachable:
            LOGGER.warning("Cannot check emergency receipts now: %s", reason)
            self._unreachable = True
        self._backoff = min(self._backoff * 2, MAX_POLL / MIN_POLL)
        return False

    @callback
    def _async_handle_answer(self, receipt: str, answer: ReceiptResponse) -> None:
        if answer.get("acknowledged"):
            self._async_acknowledged(receipt, answer)
        elif answer.get("expired"):
            self._async_end(receipt, EVENT_EXPIRED, "expired", {})

    @callback
    def _async_acknowledged(self, receipt: str, answer: ReceiptResponse) -> None:
        tracked = self.receipts.get(receipt)
        if tracked is None:
            return
        summary = receipt_summary(answer)
        extra = {
            "acknowledged_at": summary["acknowledged_at"]
            or dt_util.utcnow().replace(microsecond=0).isoformat(),
            "acknowledged_by": summary["acknowledged_by"],
            "acknowledged_by_name": self._recipient_name(
                tracked, summary["acknowledged_by"]
            ),
            "acknowledged_by_device": summary["acknowledged_by_device"],
        }
        self._async_end(receipt, EVENT_ACKNOWLEDGED, "acknowledged", extra)

    @callback
    def _async_end(
        self, receipt: str, event: str, event_type: str, extra: dict[str, Any]
    ) -> None:
        if self._stopped or (tracked := self.receipts.pop(receipt, None)) is None:
            return
        data = {
            "config_entry_id": self.entry.entry_id,
            "receipt": receipt,
            **extra,
            "title": tracked.title,
            "message": tracked.message,
            "tags": list(tracked.tags),
            "notify_entity_id": tracked.notify_entity_id,
            "alarm_id": tracked.alarm_id,
        }

        @callback
        def _fire() -> None:
            self.hass.bus.async_fire(event, data)
            async_dispatcher_send(
                self.hass, signal_event(self.entry.entry_id), event_type, data
            )

        if tracked.alarm_id is None:
            _fire()
        else:
            self.entry.runtime_data.alarms.async_receipt_ended(
                tracked, event_type, _fire
            )
        self._async_changed()

    def _recipient_name(
        self, tracked: TrackedReceipt, user_key: str | None
    ) -> str | None:
        """Name the acknowledging recipient: the one the alarm went through first."""
        if not user_key:
            return None
        if user_key == tracked.user_key and tracked.recipient_name:
            return tracked.recipient_name
        matches = recipient_subentries(self.entry.subentries.values(), user_key)
        return matches[0].title if matches else None

    async def _async_handle_webhook(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Take Pushover's callback as a hint; answer 200 to anything."""
        receipt = (await _read_form(request)).get("receipt", "")
        if (
            KEY_RE.match(receipt)
            and receipt in self.receipts
            and receipt not in self._confirming
            and not self._stopped
        ):
            self._confirming.add(receipt)
            self._tasks.async_run(
                self._async_confirm(receipt), "pushover_complete callback"
            )
        return web.Response(status=200)

    async def _async_confirm(self, receipt: str) -> None:
        """Read a called-back receipt from Pushover; its answer decides."""
        try:
            await self._async_check(receipt)
        finally:
            self._confirming.discard(receipt)
            self._async_schedule()


async def _read_form(request: web.Request) -> dict[str, str]:
    """Read a small form body as a dict; anything else as an empty one."""
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


async def async_remove_cloudhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Delete a removed entry's Home Assistant Cloud webhook, if it has one."""
    if "cloud" not in hass.config.components:
        return
    from homeassistant.components import cloud

    try:
        await cloud.async_delete_cloudhook(hass, webhook_id)
    except Exception as err:  # not subscribed, not logged in, …
        LOGGER.debug("No Home Assistant Cloud webhook removed (%s)", type(err).__name__)
