"""The Open Client side of the simulated Pushover: logins, devices, queues, push channels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import enum
from itertools import pairwise
import secrets
import string
from typing import Any

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_2FA_EMAIL = "twofa@example.com"
DEMO_2FA_PASSWORD = "twofa-password"
DEMO_2FA_CODE = "123456"

_ALNUM = string.ascii_letters + string.digits


def new_secret() -> str:
    """Return a fresh 60-character session secret."""
    return "".join(secrets.choice(_ALNUM) for _ in range(60))


def message_fields(
    params: dict[str, Any],
    *,
    app_name: str,
    aid: int,
    receipt: str | None,
    now: float,
) -> dict[str, Any]:
    """Return the Open Client message object of a send (without its ids)."""
    date = params.get("timestamp") or ""
    fields: dict[str, Any] = {
        "title": params.get("title") or app_name,
        "message": params["message"],
        "app": app_name,
        "aid": aid,
        "aid_str": str(aid),
        "icon": f"app{aid}",
        "date": int(date) if date.strip() else int(now),
        "queued_date": int(now),
        "dispatched_date": int(now),
        "priority": int(params.get("priority") or 0),
        "sound": params.get("sound") or "pushover",
        "url": params.get("url") or "",
        "url_title": params.get("url_title") or "",
        "acked": 0,
        "html": int(params.get("html") == "1"),
    }
    if receipt is not None:
        fields["receipt"] = receipt
    return fields


class Signal(enum.Enum):
    """What a push channel's writer does besides sending a text frame."""

    DROP = "drop"
    CLOSE = "close"


@dataclass
class Login:
    """An account's login: e-mail, password, user key and optional two-factor code."""

    email: str
    password: str
    user: str
    twofa: str | None = None


@dataclass
class OpenDevice:
    """An Open Client device and the messages waiting for it."""

    id: str
    name: str
    user: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    silent: bool = False


@dataclass(eq=False)
class PushChannel:
    """One push websocket: the frames (or signals) its writer has to send.

    ``opened`` is when the device logged in on it and ``closed`` when it ended,
    both by the simulator's clock (``closed`` is None while it is open).
    """

    device_id: str
    opened: float = 0.0
    closed: float | None = None
    frames: asyncio.Queue[str | Signal] = field(default_factory=asyncio.Queue)

    def send(self, frame: str | Signal) -> None:
        """Queue a text frame, or a signal to drop or close the connection."""
        self.frames.put_nowait(frame)


class OpenClient:
    """Open Client state: logins, session secrets, devices and push channels."""

    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        """Start empty; `on_change` runs when push connections open or close."""
        self._last_id = 0
        self._on_change = on_change
        self.logins: dict[str, Login] = {}
        self.sessions: dict[str, str] = {}
        self.session_device: dict[str, str] = {}
        self.devices: dict[str, OpenDevice] = {}
        self.channels: dict[str, list[PushChannel]] = {}
        self.history: list[PushChannel] = []
        self.aids: dict[str, int] = {}

    def clear(self) -> None:
        """Forget logins, secrets and devices, and close every push channel."""
        self.close_all()
        self.logins = {}
        self.sessions = {}
        self.session_device = {}
        self.devices = {}
        self.history = []
        self.aids = {}

    def close_all(self) -> None:
        """Ask every push connection to close (they deregister as they end)."""
        for channels in self.channels.values():
            for channel in channels:
                channel.send(Signal.CLOSE)

    def next_id(self) -> int:
        """Return the next message id (monotonic for the simulator's lifetime)."""
        self._last_id += 1
        return self._last_id

    def aid(self, token: str) -> int:
        """Return the numeric id of the application `token`."""
        return self.aids.setdefault(token, len(self.aids) + 1)

    def start_session(self, user: str) -> str:
        """Create and return a new session secret for `user`."""
        secret = new_secret()
        self.sessions[secret] = user
        return secret

    def add_device(
        self, device_id: str, name: str, user: str, secret: str
    ) -> OpenDevice:
        """Register a device for `user`, bound to the session `secret`."""
        device = self.devices[device_id] = OpenDevice(device_id, name, user)
        self.session_device[secret] = device_id
        return device

    def device_for(self, secret: str, device_id: str) -> OpenDevice | None:
        """Return the device if it belongs to the user of `secret`; remember the pair."""
        device = self.devices.get(device_id)
        if device is None or self.sessions.get(secret) != device.user:
            return None
        self.session_device[secret] = device_id
        return device

    def acting_device(self, secret: str) -> OpenDevice | None:
        """Return the device last used with `secret`, else the user's newest device."""
        device = self.devices.get(self.session_device.get(secret, ""))
        if device is not None:
            return device
        user = self.sessions.get(secret)
        owned = [d for d in self.devices.values() if d.user == user]
        return owned[-1] if owned else None

    def deliver(
        self, recipients: list[tuple[str, list[str]]], fields: dict[str, Any]
    ) -> None:
        """Queue a sent message for every Open Client device it was delivered to."""
        umid = self.next_id()
        for user, names in recipients:
            for device in self.devices.values():
                if device.user == user and device.name in names:
                    self.enqueue(device, fields, umid=umid)
                    self.push(device.id, "!")

    def enqueue(
        self, device: OpenDevice, fields: dict[str, Any], *, umid: int | None = None
    ) -> int:
        """Queue one message for `device` under a new id (no `!` sent); return the id.

        A device holds any number of waiting messages: a test can leave a long
        outage's backlog (hundreds of messages) for one download.
        """
        message_id = self.next_id()
        umid = self.next_id() if umid is None else umid
        device.messages.append(
            {
                "id": message_id,
                "id_str": str(message_id),
                "umid": umid,
                "umid_str": str(umid),
                **fields,
            }
        )
        return message_id

    def delete_through(self, device: OpenDevice, message_id: int) -> None:
        """Delete the device's messages up to and including `message_id`."""
        device.messages = [m for m in device.messages if m["id"] > message_id]

    def open_channel(self, device_id: str, *, now: float) -> PushChannel:
        """Register a push connection on which `device_id` logged in at `now`."""
        channel = PushChannel(device_id, opened=now)
        self.channels.setdefault(device_id, []).append(channel)
        self.history.append(channel)
        self._on_change()
        return channel

    def close_channel(self, channel: PushChannel, *, now: float) -> None:
        """Forget a push connection that ended at `now` (its times stay in history)."""
        channels = self.channels.get(channel.device_id, [])
        if channel in channels:
            channels.remove(channel)
        if channel.closed is None:
            channel.closed = now
        self._on_change()

    def connection_times(self, device_id: str) -> list[tuple[float, float | None]]:
        """Return when each push connection of the device opened and closed, in order."""
        return [
            (channel.opened, channel.closed)
            for channel in self.history
            if channel.device_id == device_id
        ]

    def reconnect_delays(self, device_id: str) -> list[float]:
        """Return how long the device waited after each connection ended to log in again.

        By the simulator's clock: from a connection's end to the next login.
        """
        times = self.connection_times(device_id)
        return [
            opened - closed
            for (_, closed), (opened, _) in pairwise(times)
            if closed is not None
        ]

    def push(self, device_id: str, frame: str | Signal) -> int:
        """Queue `frame` on every connection of `device_id`; return how many."""
        channels = self.channels.get(device_id, [])
        for channel in channels:
            channel.send(frame)
        return len(channels)

    def connections(self, device_id: str | None = None) -> int:
        """Count open push connections, of one device or of all."""
        if device_id is not None:
            return len(self.channels.get(device_id, []))
        return sum(len(channels) for channels in self.channels.values())
