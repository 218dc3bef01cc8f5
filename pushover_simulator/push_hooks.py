"""Test hooks for the Open Client side: logins, devices, push frames and connections.

The Open Client model itself is `open_client.py`; these are the `SimulatorState`
methods a test calls to arrange it without HTTP and to steer the push websocket.
"""

from __future__ import annotations

from .model import User, random_key
from .open_client import Login, OpenClient, OpenDevice, Signal
from .waiting import WaitingMixin


class PushHooksMixin(WaitingMixin):
    """Open Client logins, devices and push connections (part of `SimulatorState`)."""

    base_url: str | None
    users: dict[str, User]
    open_client: OpenClient

    def add_login(
        self, email: str, password: str, user_key: str, twofa: str | None = None
    ) -> Login:
        """Let `email`/`password` (and the code `twofa`, if given) log in as `user_key`."""
        if user_key not in self.users:
            self.users[user_key] = User(user_key, devices=[], licenses=[])
        login = self.open_client.logins[email] = Login(email, password, user_key, twofa)
        return login

    def add_open_client_device(
        self, user_key: str, name: str
    ) -> tuple[OpenDevice, str]:
        """Register an Open Client device without HTTP; return it and its session secret."""
        secret = self.open_client.start_session(user_key)
        device = self.open_client.add_device(random_key(), name, user_key, secret)
        self.users[user_key].devices.append(name)
        return device, secret

    def push_frame(self, device_id: str, frame: str) -> int:
        """Send the text `frame` on every push connection of the device; return how many."""
        return self.open_client.push(device_id, frame)

    def drop_push(self, device_id: str) -> int:
        """Close every push connection of the device abruptly; return how many."""
        return self.open_client.push(device_id, Signal.DROP)

    def push_connections(self, device_id: str | None = None) -> int:
        """Count open push connections of the device (of every device when None)."""
        return self.open_client.connections(device_id)

    async def wait_push_connections(
        self, count: int, device_id: str | None = None
    ) -> None:
        """Wait until exactly `count` push connections are open (wrap in a timeout)."""
        await self.wait_until(lambda: self.push_connections(device_id) == count)

    def set_push_silent(self, device_id: str, silent: bool = True) -> None:
        """Stop (or resume) the keep-alive frames of the device's push connections."""
        self.open_client.devices[device_id].silent = silent

    @property
    def push_url(self) -> str | None:
        """Return the push websocket's URL (ws://host:port/push) once serving."""
        if self.base_url is None:
            return None
        return "ws" + self.base_url.removeprefix("http").removesuffix("1/") + "push"
