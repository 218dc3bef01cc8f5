"""This Home Assistant as a Pushover device: every message, once, in order.

One receiver runs per Open Client (a config subentry of type ``device``; the
README's "Receive messages and answer alarms from Home Assistant" shows it to
users). It connects Pushover's push websocket, downloads what waits and follows
the frames: ``!`` downloads again, ``#`` keeps the connection alive, ``R``
reconnects at once, ``E`` and ``A`` end the session (a fixable repair issue asks
to log in again, as does a refusal of a download). Any other loss, or silence
for several keep-alive periods, reconnects after a back-off of 1 s doubling to
5 min, which starts over once a connection has held for a minute.

Each message fires ``pushover_complete_message_received`` exactly once, in id
order, also across restarts: the highest id handed over is stored before
Pushover is told to delete the messages, and an id not above it never fires
again (nor does an id that one download lists twice). A backlog of any size
the client reads (``api.MAX_DOWNLOAD``) is handed over in one go; a download
larger than that stops the receiver with a repair issue instead of
reconnecting for ever.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    HomeAssistant,
    callback,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .action_links import without_links
from .api import (
    BadAPIRequestError,
    PushFrame,
    PushoverAnswerTooLargeError,
    PushoverAPI,
    PushoverCompleteError,
    PushoverValidationError,
    ReceivedMessage,
)
from .const import (
    CONF_OPEN_CLIENT_ID,
    CONF_SECRET,
    DOMAIN,
    EVENT_MESSAGE_RECEIVED,
    LOGGER,
    SUBENTRY_OPEN_CLIENT,
)
from .data import PushoverCompleteConfigEntry
from .exceptions import invalid
from .open_client_account import create_open_client
from .open_client_issues import (
    async_backlog_issue,
    async_delete_open_client_issues,
    async_forget_removed_open_clients,
    async_session_ended_issue,
)
from .open_client_store import OpenClientStore, forget_receipt, remember_receipt

BACKOFF_START: Final = 1.0
BACKOFF_MAX: Final = 300.0
HEALTHY_AFTER: Final = 60.0
# Pushover does not document its keep-alive period (the simulator's is 30 s):
# a connection silent for several periods is taken for dead.
SILENCE_TIMEOUT: Final = 180.0
# Events fired before the event loop gets a turn, when a backlog is handed over.
HAND_OVER_BATCH: Final = 100
ATTR_RECEIPT: Final = "receipt"

_SESSION_FRAMES: Final = {
    PushFrame.ERROR: "Pushover reported a permanent error (E)",
    PushFrame.LOGGED_OUT: "the device was logged in elsewhere (A)",
}


class SessionEndedError(Exception):
    """Pushover ended the device's session: only a new login helps."""


def signal_received(entry_id: str, subentry_id: str) -> str:
    """Dispatcher signal: an Open Client received a message (event data as argument)."""
    return f"{DOMAIN}_{entry_id}_{subentry_id}_received"


def signal_connection(entry_id: str, subentry_id: str) -> str:
    """Dispatcher signal: an Open Client's push connection went up or down."""
    return f"{DOMAIN}_{entry_id}_{subentry_id}_connection"


def open_client_subentries(entry: PushoverCompleteConfigEntry) -> list[ConfigSubentry]:
    """Return the entry's Open Clients (subentries of type ``device``)."""
    return [
        subentry
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_OPEN_CLIENT
    ]


def _session_gone(err: PushoverCompleteError) -> bool:
    """Tell whether a failed call means the device's session is gone."""
    if isinstance(err, PushoverValidationError):
        return True
    return isinstance(err, BadAPIRequestError) and not err.ask_later


def _receipt_refused(err: BadAPIRequestError) -> bool:
    """Tell whether Pushover refused the receipt itself (gone, canceled, foreign)."""
    return not err.ask_later and "receipt" in err.fields


def _iso_date(timestamp: int | None) -> str | None:
    """Return a Unix time as ISO 8601, or None (also for one out of range)."""
    if timestamp is None:
        return None
    try:
        return dt_util.utc_from_timestamp(timestamp).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def message_event_data(
    message: ReceivedMessage, *, entry_id: str, name: str
) -> dict[str, Any]:
    """Return the data of ``pushover_complete_message_received`` for a message."""
    text = message["message"]
    return {
        "config_entry_id": entry_id,
        "device_name": name,
        "id": message["id"],
        "umid": message["umid"],
        "title": message["title"],
        "message": text if text is None else without_links(text),
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


class Receiver:
    """Receive one Open Client's messages as events and keep its connection up."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        *,
        subentry: ConfigSubentry,
        store: OpenClientStore,
        client: PushoverAPI,
    ) -> None:
        """Bind the receiver to its subentry and record; do not start.

        ``client`` is the application's, to read receipts with.
        """
        self.hass = hass
        self.entry = entry
        self.subentry = subentry
        self.name: str = subentry.data[CONF_NAME]
        self.connected = False
        self._client = create_open_client(hass)
        self._application = client
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
    def _open_client_id(self) -> str:
        open_client_id: str = self.subentry.data[CONF_OPEN_CLIENT_ID]
        return open_client_id

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
        """Stop listening for good (the receivers then store what was handed over)."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        self._async_set_connected(False)

    async def async_acknowledge(self, receipt: str) -> None:
        """Acknowledge an emergency as this device."""
        await self._client.acknowledge_receipt(receipt, self._secret)

    async def async_acknowledge_newest(self) -> str | None:
        """Acknowledge the newest emergency received here that is still open.

        The received receipts are tried newest first. Each is checked with the
        application (``receipts/<receipt>.json``) first, so that one answered
        elsewhere or expired is skipped; one the application cannot see
        (another application's) is tried, and Pushover's refusal (canceled,
        expired, gone) skips it. Tried receipts are forgotten. Return the
        receipt acknowledged, or None when no received emergency is open.
        """
        try:
            for receipt in reversed(list(self._record["receipts"])):
                acknowledged = await self._async_try_acknowledge(receipt)
                forget_receipt(self._record, receipt)
                if acknowledged:
                    return receipt
            return None
        finally:
            await self._store.async_save()

    async def _async_try_acknowledge(self, receipt: str) -> bool:
        """Acknowledge ``receipt`` unless it is closed; True if it was acknowledged."""
        try:
            state = await self._application.check_receipt(receipt)
        except BadAPIRequestError as err:
            if not _receipt_refused(err):
                raise
        else:
            if state["acknowledged"] or state["expired"]:
                return False
        try:
            await self.async_acknowledge(receipt)
        except BadAPIRequestError as err:
            if not _receipt_refused(err):
                raise
            return False
        return True

    async def _async_run(self) -> None:
        """Listen and reconnect after a loss, until stopped or the session ends."""
        while True:
            reload = False
            try:
                reload = await self._async_listen()
            except SessionEndedError as err:
                self._async_session_ended(str(err))
                return
            except PushoverAnswerTooLargeError as err:
                self._async_backlog_too_large(err)
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
        async with self._client.push_connection(
            self._open_client_id, self._secret, silence_timeout=SILENCE_TIMEOUT
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
        secret, open_client_id = self._secret, self._open_client_id
        messages = await self._client.download_messages(secret, open_client_id)
        if not messages:
            return
        if await self._async_hand_over(messages):
            await self._store.async_save()
        await self._client.delete_messages(
            secret, open_client_id, highest_id=messages[-1]["id"]
        )

    async def _async_hand_over(self, messages: list[ReceivedMessage]) -> bool:
        """Fire each message above the highest id handed over, in id order.

        The highest id moves with each message fired, so that a message listed
        twice fires once and a stop halfway keeps what was handed over. Return
        whether any fired.
        """
        signal = signal_received(self.entry.entry_id, self.subentry.subentry_id)
        fired = 0
        for message in messages:
            if message["id"] <= self._record["highest"]:
                continue
            self._record["highest"] = message["id"]
            data = message_event_data(
                message, entry_id=self.entry.entry_id, name=self.name
            )
            if data[ATTR_RECEIPT]:
                remember_receipt(self._record, data[ATTR_RECEIPT])
            self.hass.bus.async_fire(EVENT_MESSAGE_RECEIVED, data)
            async_dispatcher_send(self.hass, signal, dict(data))
            fired += 1
            if fired % HAND_OVER_BATCH == 0:
                await asyncio.sleep(0)
        return fired > 0

    @callback
    def _async_set_connected(self, connected: bool) -> None:
        """Show the connection's state; a minute up resets the back-off."""
        if connected == self.connected:
            return
        self.connected = connected
        entry_id, subentry_id = self.entry.entry_id, self.subentry.subentry_id
        if connected:
            async_delete_open_client_issues(
                self.hass, entry_id, subentry_id=subentry_id
            )
            self._healthy_timer = async_call_later(
                self.hass, HEALTHY_AFTER, self._async_healthy
            )
        elif self._healthy_timer is not None:
            self._healthy_timer()
            self._healthy_timer = None
        async_dispatcher_send(self.hass, signal_connection(entry_id, subentry_id))

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
        async_session_ended_issue(
            self.hass,
            entry_id=self.entry.entry_id,
            subentry_id=self.subentry.subentry_id,
            name=self.name,
        )

    @callback
    def _async_backlog_too_large(self, err: PushoverAnswerTooLargeError) -> None:
        """Stop: the messages waiting are more than one download can hold."""
        LOGGER.error(
            "Pushover holds more messages for device %s than Home Assistant"
            " downloads at once (%s); it stops receiving through this device",
            self.name,
            err,
        )
        async_backlog_issue(
            self.hass,
            entry_id=self.entry.entry_id,
            subentry_id=self.subentry.subentry_id,
            name=self.name,
            size=f"{err.max_size / 1024 / 1024:.0f}",
        )


class Receivers:
    """The Open Clients of one entry: one receiver each, built at setup."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
    ) -> None:
        """Know the entry; build the receivers in :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self._client = client
        self._store = OpenClientStore(hass, entry.entry_id)
        self._receivers: dict[str, Receiver] = {}

    async def async_load(self) -> None:
        """Make a receiver per Open Client (started once the platforms are up)."""
        subentries = open_client_subentries(self.entry)
        await self._store.async_load(subentry.subentry_id for subentry in subentries)
        self._receivers = {
            subentry.subentry_id: self._receiver(subentry) for subentry in subentries
        }
        async_forget_removed_open_clients(
            self.hass, self.entry.entry_id, subentry_ids=set(self._receivers)
        )

        async def _async_stop(_event: Event) -> None:
            await self.async_stop()

        self.entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_stop)
        )

    def _receiver(self, subentry: ConfigSubentry) -> Receiver:
        return Receiver(
            self.hass,
            self.entry,
            subentry=subentry,
            store=self._store,
            client=self._client,
        )

    async def async_add(self, subentry: ConfigSubentry) -> None:
        """Start receiving through an Open Client added while the entry runs."""
        if subentry.subentry_type != SUBENTRY_OPEN_CLIENT:
            return
        self._store.add(subentry.subentry_id)
        await self._store.async_save()
        receiver = self._receivers[subentry.subentry_id] = self._receiver(subentry)
        receiver.async_start()

    def receiver(self, subentry: ConfigSubentry) -> Receiver:
        """Return the receiver of an Open Client subentry."""
        return self._receivers[subentry.subentry_id]

    @callback
    def async_start(self) -> None:
        """Start every receiver."""
        for receiver in self._receivers.values():
            receiver.async_start()

    async def async_stop(self) -> None:
        """Stop every receiver, then store what they were handed (one write)."""
        await asyncio.gather(*(r.async_stop() for r in self._receivers.values()))
        await self._store.async_save()

    async def async_acknowledge(self, receipt: str) -> None:
        """Acknowledge an emergency through the Open Client that received it.

        With several Open Clients, the one that received the receipt
        acknowledges (the first when none did). The client's errors are left
        to the caller to translate.
        """
        receivers = list(self._receivers.values())
        if not receivers:
            raise invalid("no_open_client", name=self.entry.title)
        receiver = next((r for r in receivers if r.received(receipt)), receivers[0])
        await receiver.async_acknowledge(receipt)
