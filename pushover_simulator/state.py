"""The simulated Pushover's state, assembled: `SimulatorState` and its lifecycle.

`SimulatorState` holds everything the simulator knows, without HTTP: the directory
(`accounts.py`), faults (`faults.py`), receipts and callbacks (`callbacks.py`), the
Open Client hooks (`push_hooks.py`) and the waits (`waiting.py`). This module
creates, seeds, resets and shuts it down. The names other modules used to import
from here (the model, receipts and faults) are still importable from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
from typing import Any
import weakref

from .accounts import AccountsMixin
from .callbacks import CallbackSender, CallbacksMixin
from .faults import FAULT_KINDS, Fault, FaultKind, FaultsMixin, Storm
from .model import (
    BUILTIN_SOUNDS,
    DEFAULT_LIMIT,
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    Account,
    App,
    Group,
    GroupMember,
    User,
    next_quota_reset,
    random_key,
)
from .open_client import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    OpenClient,
)
from .push_hooks import PushHooksMixin
from .receipts import MAX_EMERGENCY_RETRIES, RECEIPT_LIFETIME, Receipt
from .sent import SentMessage
from .snapshot import snapshot

__all__ = [
    "BUILTIN_SOUNDS",
    "DEFAULT_LIMIT",
    "DEMO_GROUP",
    "DEMO_SUBSCRIPTION",
    "DEMO_TOKEN",
    "DEMO_USER",
    "DEMO_USER2",
    "FAULT_KINDS",
    "MAX_EMERGENCY_RETRIES",
    "RECEIPT_LIFETIME",
    "Account",
    "App",
    "CallbackSender",
    "Fault",
    "FaultKind",
    "Group",
    "GroupMember",
    "Receipt",
    "SimulatorState",
    "Storm",
    "User",
    "next_quota_reset",
    "random_key",
]


class SimulatorState(AccountsMixin, FaultsMixin, CallbacksMixin, PushHooksMixin):
    """The simulated Pushover: accounts, messages, receipts and test hooks (no HTTP)."""

    def __init__(
        self, *, seed: bool = True, clock: Callable[[], float] = time.time
    ) -> None:
        """Create a simulator; `seed` adds the demo app, users, group and subscription."""
        self.clock = clock
        self.seed = seed
        self.base_url: str | None = None
        self.latency = 0.0
        self.connect_latency = 0.0
        # Extra seconds before a message to one of these user keys is answered.
        self.user_latency: dict[str, float] = {}
        self.hang_timeout = 60.0
        self.callback_retry_delay = 60.0
        self.callback_max_attempts = 5
        self.callback_timeout = 10.0
        self.callback_sender: CallbackSender | None = None
        self._stopping = asyncio.Event()
        self._callback_tasks: set[asyncio.Task[None]] = set()
        self._seen_transports: weakref.WeakSet[Any] = weakref.WeakSet()
        self.keepalive_interval = 30.0
        self._watchers: set[asyncio.Future[None]] = set()
        self.open_client = OpenClient(on_change=self.notify_change)
        self._clear()
        if seed:
            self.seed_demo()

    def _clear(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.subscriptions: dict[str, str] = {}
        self.receipts: dict[str, Receipt] = {}
        self.messages: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.glances: dict[tuple[str, str], dict[str, str]] = {}
        self.license_assignments: list[dict[str, str]] = []
        self.faults: list[Fault] = []
        self.storm: Storm | None = None
        self.storm_failures = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.connections_opened = 0
        self.open_client.clear()

    def seed_demo(self) -> None:
        """Add the demo application, users, group and subscription."""
        self.add_app(DEMO_TOKEN, name="Demo")
        self.add_user(
            DEMO_USER, devices=["phone", "tablet"], licenses=["Android", "iOS"]
        )
        self.add_user(DEMO_USER2, devices=["laptop"], licenses=["Desktop"])
        self.add_group(DEMO_GROUP, "Household", members=[DEMO_USER, DEMO_USER2])
        self.add_subscription(DEMO_SUBSCRIPTION)
        self.add_login(DEMO_EMAIL, DEMO_PASSWORD, DEMO_USER)
        self.add_login(DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD, DEMO_USER2, DEMO_2FA_CODE)

    def reset(self) -> None:
        """Forget everything (messages, receipts, faults, counters, latency) and re-seed."""
        for task in self._callback_tasks:
            task.cancel()
        self._callback_tasks.clear()
        self.latency = 0.0
        self.connect_latency = 0.0
        self.user_latency.clear()
        self._clear()
        if self.seed:
            self.seed_demo()

    def sent_messages(self, user: str | None = None) -> list[SentMessage]:
        """Return the accepted sends (those delivered to `user`), oldest first."""
        return [
            SentMessage.from_record(m)
            for m in self.messages
            if user is None or user in m["users"]
        ]

    def note_connection(self, transport: Any) -> bool:
        """Count a connection the first time it is seen; True if it is new."""
        if transport is None or transport in self._seen_transports:
            return False
        self._seen_transports.add(transport)
        self.connections_opened += 1
        return True

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-serialisable view of the state (attachments as sizes only)."""
        return snapshot(self)

    async def shutdown(self) -> None:
        """End hangs, pauses and push connections; cancel pending callback deliveries."""
        self._stopping.set()
        self.open_client.close_all()
        await self.cancel_callbacks()
