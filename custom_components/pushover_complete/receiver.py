"""This Home Assistant as a Pushover device: every message, once, in order.

One receiver runs per device subentry (Pushover's Open Client). It connects
Pushover's push websocket, downloads what waits and follows the frames: ``!``
downloads again, ``#`` keeps the connection alive, ``R`` reconnects, ``E`` and
``A`` end the session (a fixable repair issue asks to log in again, as does a
refusal of a download). Any other loss, or silence for several keep-alive
periods, reconnects after a back-off of 1 s doubling to 5 min, which starts
over once a connection has held for a minute.

Each message fires ``pushover_complete_message_received`` exactly once, in id
order, also across restarts: the highest id handed over is stored before
Pushover is told to delete the messages, and lower ids are never fired again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, TypedDict

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    HomeAssistant,
    ServiceResponse,
    callback,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    BadAPIRequestError,
    PushFrame,
    PushoverCompleteError,
    PushoverValidationError,
    ReceivedMessage,
)
from .const import (
    CONF_DEVICE_ID,
    CONF_SECRET,
    DOMAIN,
    EVENT_MESSAGE_RECEIVED,
    LOGGER,
    SUBENTRY_DEVICE,
)
from .data import PushoverCompleteConfigEntry
from .exceptions import invalid

STORE_VERSION: Final = 1
BACKOFF_START: Final = 1.0
BACKOFF_MAX: Final = 300.0
HEALTHY_AFTER: Final = 60.0
# Pushover does not document its keep-alive period (the simulator's is 30 s):
# a connection silent for several periods is taken for dead.
SILENCE_TIMEOUT: Final = 180.0
MAX_RECEIPTS: Final = 100
SESSION_ISSUE: Final = "device_session_ended"
ATTR_RECEIPT: Final = "receipt"

_SESSION_FRAMES: Final = {
    PushFrame.ERROR: "Pushover reported a permanent error (E)",
    PushFrame.LOGGED_OUT: "the device was logged in elsewhere (A)",
}


class SessionEndedError(Exception):
    """Pushover ended the device's session: only a new login helps."""


class DeviceRecord(TypedDict):
    """What a device handed over: the highest message id and recent receipts."""

    highest: int
    receipts: list[str]


def signal_received(entry_id: str, subentry_id: str) -> str:
    """Dispatcher signal: a device received a message (event data as argument)."""
    return f"{DOMAIN}_{entry_id}_{subentry_id}_received"


def signal_connection(entry_id: str, subentry_id: str) -> str:
    """Dispatcher signal: a device's push connection went up or down."""
    return f"{DOMAIN}_{entry_id}_{subentry_id}_connection"


def session_issue_id(entry_id: str, subentry_id: str) -> str:
    """Return the id of a device's "log in again" repair issue."""
    return f"{SESSION_ISSUE}_{entry_id}_{subentry_id}"


def device_subentries(entry: PushoverCompleteConfigEntry) -> list[ConfigSubentry]:
    """Return the entry's Open Client devices."""
    return [
        subentry
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_DEVICE
    ]


def _session_gone(err: PushoverCompleteError) -> bool:
    """Tell whether a failed call means the device's session is gone."""
    if isinstance(err, PushoverValidationError):
        return True
    return isinstance(err, BadAPIRequestError) and not err.ask_later


def _iso_date(timestamp: int | None) -> str | None:
    """Return a Unix time as ISO 8601, or None (also for one out of range)."""
    if timestamp is None:
        return None
    try:
        return dt_util.utc_from_timestamp(timestamp).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


class ReceivedStore:
    """The records of an entry's devices, kept in one private store."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Name the entry's store; nothing is read yet."""
        self._store: Store[dict[str, DeviceRecord]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry_id}.received", private=True
        )
        self.records: dict[str, DeviceRecord] = {}

    async def async_load(self, subentry_ids: Iterable[str]) -> None:
        """Read the records of these devices (removed devices are forgotten)."""
        stored = await self._store.async_load() or {}
        self.records = {
            subentry_id: stored.get(subentry_id) or {"highest": 0, "receipts": []}
            for subentry_id in subentry_ids
        }
        if set(stored) - set(self.records):
            await self.async_save()

    async def async_save(self) -> None:
        """Write the records now."""
        await self._store.async_save(self.records)

    async def async_remove(self) -> None:
        """Delete the store."""
        await self._store.async_remove()


class Receiver:
    """Receive one device's messages as events and keep its connection up."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        subentry: ConfigSubentry,
        store: ReceivedStore,
    ) -> None:
        """Bind the receiver to its device subentry and record; do not start."""
        self.hass = hass
        self.entry = entry
        self.subentry = subentry
        self.name: str = subentry.data[CONF_NAME]
        self.connected = False
        self._store = store
        self._record = store.records[subentry.subentry_id]
        self._task: asyncio.Task[None] | None = None
        self._healthy_timer: CALLBACK_TYPE | None = None
        self._backoff = BACKOFF_START
        self._reloaded = False
        self._failing = False
        self._stopped = False

    def __repr__(self) -> str:
        """Show the device's name, never its secret."""
        return f"Receiver({self.name!r}, connected={self.connected})"

    @property
    def running(self) -> bool:
        """Tell whether the receiver is listening (or waiting to reconnect)."""
        return self._task is not None and not self._task.done()

    @property
    def _secret(self) -> str:
        """The device's session secret, as the subentry holds it now."""
        secret: str = self.subentry.data[CONF_SECRET]
        return secret

    @property
    def _device_id(self) -> str:
        device_id: str = self.subentry.data[CONF_DEVICE_ID]
        return device_id

    def received(self, receipt: str) -> bool:
        """Tell whether this device recently received the emergency ``receipt``."""
        return receipt in self._record["receipts"]

    @callback
    def async_start(self) -> None:
        """Start listening, unless stopped for good or listening already."""
        if self._stopped or self.running:
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._async_run(), f"{DOMAIN} receiver {self.name}"
        )

    async def async_stop(self) -> None:
        """Stop listening for good and store what was handed over."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        self._async_set_connected(False)
        await self._store.async_save()

    async def async_acknowledge(self, receipt: str) -> None:
        """Acknowledge an emergency as this device."""
        await self.entry.runtime_data.client.acknowledge_receipt(receipt, self._secret)

    async def _async_run(self) -> None:
        """Listen and reconnect after a loss, until stopped or the session ends."""
        while True:
            reload = False
            try:
                reload = await self._async_listen()
            except SessionEndedError as err:
                self._async_session_ended(str(err))
                return
            except PushoverCompleteError as err:
                if _session_gone(err):
                    self._async_session_ended(str(err))
                    return
                self._async_lost(err)
            except Exception:  # never let a surprise end the receiver
                LOGGER.exception("Unexpected error in Pushover device %s", self.name)
            finally:
                self._async_set_connected(False)
            delay = self._next_delay(reload)
            LOGGER.debug("Pushover device %s reconnects in %.0f s", self.name, delay)
            await asyncio.sleep(delay)

    async def _async_listen(self) -> bool:
        """Connect, hand over what waits, then follow the frames; True on ``R``."""
        client = self.entry.runtime_data.client
        async with client.push_connection(
            self._device_id, self._secret, silence_timeout=SILENCE_TIMEOUT
        ) as frames:
            await self._async_download()
            self._async_set_connected(True)
            while True:
                frame = await anext(frames)
                if frame is PushFrame.NEW_MESSAGE:
                    await self._async_download()
                elif frame is PushFrame.RELOAD:
                    LOGGER.debug("Pushover asked device %s to reconnect", self.name)
                    return True
                elif reason := _SESSION_FRAMES.get(frame):
                    raise SessionEndedError(reason)

    async def _async_download(self) -> None:
        """Hand the waiting messages over, store how far, then delete them."""
        client = self.entry.runtime_data.client
        secret, device_id = self._secret, self._device_id
        messages = await client.download_messages(secret, device_id)
        if not messages:
            return
        if self._async_hand_over(messages):
            await self._store.async_save()
        await client.delete_messages(secret, device_id, messages[-1]["id"])

    @callback
    def _async_hand_over(self, messages: list[ReceivedMessage]) -> bool:
        """Fire each message not handed over before, in id order; True if any."""
        fresh = [m for m in messages if m["id"] > self._record["highest"]]
        signal = signal_received(self.entry.entry_id, self.subentry.subentry_id)
        for message in fresh:
            data = self._event_data(message)
            if data[ATTR_RECEIPT]:
                self._remember(data[ATTR_RECEIPT])
            self.hass.bus.async_fire(EVENT_MESSAGE_RECEIVED, data)
            async_dispatcher_send(self.hass, signal, dict(data))
        if fresh:
            self._record["highest"] = fresh[-1]["id"]
        return bool(fresh)

    def _event_data(self, message: ReceivedMessage) -> dict[str, Any]:
        """Return the event data of a message (CONTRACT §8)."""
        return {
            "config_entry_id": self.entry.entry_id,
            "device_name": self.name,
            "id": message["id"],
            "umid": message["umid"],
            "title": message["title"],
            "message": message["message"],
            "app": message["app"],
            "aid": message["aid"],
            "icon": message["icon"],
            "priority": message["priority"],
            "sound": message["sound"],
            "url": message["url"],
            "url_title": message["url_title"],
            "html": message["html"],
            "date": _iso_date(message["date"]),
            ATTR_RECEIPT: message["receipt"] if message["priority"] == 2 else None,
            "acked": message["acked"],
        }

    def _remember(self, receipt: str) -> None:
        """Remember an emergency this device received (the latest few)."""
        receipts = self._record["receipts"]
        if receipt not in receipts:
            receipts.append(receipt)
            del receipts[:-MAX_RECEIPTS]

    @callback
    def _async_set_connected(self, connected: bool) -> None:
        """Show the connection's state; a minute up resets the back-off."""
        if connected == self.connected:
            return
        self.connected = connected
        subentry_id = self.subentry.subentry_id
        if connected:
            ir.async_delete_issue(
                self.hass, DOMAIN, session_issue_id(self.entry.entry_id, subentry_id)
            )
            self._healthy_timer = async_call_later(
                self.hass, HEALTHY_AFTER, self._async_healthy
            )
        elif self._healthy_timer is not None:
            self._healthy_timer()
            self._healthy_timer = None
        async_dispatcher_send(
            self.hass, signal_connection(self.entry.entry_id, subentry_id)
        )

    @callback
    def _async_healthy(self, _now: datetime) -> None:
        """The connection held a minute: the back-off starts over."""
        self._healthy_timer = None
        self._backoff = BACKOFF_START
        self._reloaded = False
        if self._failing:
            self._failing = False
            LOGGER.info("Pushover device %s is connected again", self.name)

    def _next_delay(self, reload: bool) -> float:
        """Return the wait before reconnecting: none for a first ``R``."""
        if reload and not self._reloaded:
            self._reloaded = True
            return 0
        delay = self._backoff
        self._backoff = min(delay * 2, BACKOFF_MAX)
        return delay

    @callback
    def _async_lost(self, err: PushoverCompleteError) -> None:
        """Log a lost connection once until a connection holds again."""
        if self._failing:
            LOGGER.debug("Pushover device %s is still reconnecting: %s", self.name, err)
            return
        self._failing = True
        LOGGER.warning(
            "Pushover device %s lost its push connection, reconnecting: %s",
            self.name,
            err,
        )

    @callback
    def _async_session_ended(self, reason: str) -> None:
        """Stop for good and ask the user to log the device in again."""
        LOGGER.error(
            "Pushover ended the session of device %s (%s); log it in again"
            " from the repair issue",
            self.name,
            reason,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            session_issue_id(self.entry.entry_id, self.subentry.subentry_id),
            is_fixable=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key=SESSION_ISSUE,
            translation_placeholders={"name": self.name},
            data={
                "entry_id": self.entry.entry_id,
                "subentry_id": self.subentry.subentry_id,
            },
        )


async def async_setup_receivers(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Make a receiver per device subentry (started once the platforms are up)."""
    devices = device_subentries(entry)
    store = ReceivedStore(hass, entry.entry_id)
    await store.async_load(subentry.subentry_id for subentry in devices)
    entry.runtime_data.receivers = {
        subentry.subentry_id: Receiver(hass, entry, subentry, store)
        for subentry in devices
    }
    _async_forget_removed_devices(hass, entry)

    async def _async_stop(_event: Event) -> None:
        await async_stop_receivers(entry)

    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_stop))


@callback
def _async_forget_removed_devices(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Delete the repair issues of devices that are no longer configured."""
    prefix = session_issue_id(entry.entry_id, "")
    wanted = {
        session_issue_id(entry.entry_id, subentry_id)
        for subentry_id in entry.runtime_data.receivers
    }
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix) and issue_id not in wanted:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_start_receivers(entry: PushoverCompleteConfigEntry) -> None:
    """Start every receiver of the entry."""
    for receiver in entry.runtime_data.receivers.values():
        receiver.async_start()


async def async_stop_receivers(entry: PushoverCompleteConfigEntry) -> None:
    """Stop every receiver of the entry; nothing is left running."""
    receivers = entry.runtime_data.receivers.values()
    await asyncio.gather(*(receiver.async_stop() for receiver in receivers))


async def async_remove_received(hass: HomeAssistant, entry_id: str) -> None:
    """Forget what a removed entry's devices handed over."""
    await ReceivedStore(hass, entry_id).async_remove()


async def async_acknowledge(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    """Acknowledge an emergency through the device that received it.

    With several devices, the one that received the receipt acknowledges
    (the first device when none did). The client's errors are left to the
    caller to translate.
    """
    receivers = list(entry.runtime_data.receivers.values())
    if not receivers:
        raise invalid("no_device", name=entry.title)
    receipt: str = data[ATTR_RECEIPT]
    receiver = next((r for r in receivers if r.received(receipt)), receivers[0])
    await receiver.async_acknowledge(receipt)
    return None
