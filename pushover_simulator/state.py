"""In-memory state of the Pushover simulator and its test hooks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
import contextlib
from dataclasses import asdict, dataclass, field
import datetime as dt
import logging
import random
import secrets
import string
import time
from typing import Any, Literal, get_args
import weakref

import aiohttp

from .open_client import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    Login,
    OpenClient,
    OpenDevice,
    Signal,
)

_LOGGER = logging.getLogger(__name__)

DEMO_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
DEMO_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
DEMO_USER2 = "u2Lm8cD4pQ7rS1tV3wX5yZ9aB0cE6f"
DEMO_GROUP = "gznej3rKEVAvPUxu9vvNnqpmZpokzF"
DEMO_SUBSCRIPTION = "Forum-f504h08fhlasdfj"

BUILTIN_SOUNDS: dict[str, str] = {
    "pushover": "Pushover (default)",
    "bike": "Bike",
    "bugle": "Bugle",
    "cashregister": "Cash Register",
    "classical": "Classical",
    "cosmic": "Cosmic",
    "falling": "Falling",
    "gamelan": "Gamelan",
    "incoming": "Incoming",
    "intermission": "Intermission",
    "magic": "Magic",
    "mechanical": "Mechanical",
    "pianobar": "Piano Bar",
    "siren": "Siren",
    "spacealarm": "Space Alarm",
    "tugboat": "Tug Boat",
    "alien": "Alien Alarm (long)",
    "climb": "Climb (long)",
    "persistent": "Persistent (long)",
    "echo": "Pushover Echo (long)",
    "updown": "Up Down (long)",
    "vibrate": "Vibrate Only",
    "none": "None (silent)",
}

FaultKind = Literal[
    "500",
    "502",
    "503",
    "hang",
    "drop",
    "invalid_token",
    "quota",
    "408",
    "not_found",
    "bad_request",
    "missing_field",
    "oversized",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MAX_EMERGENCY_RETRIES = 50
RECEIPT_LIFETIME = 7 * 24 * 3600
DEFAULT_LIMIT = 10_000

CallbackSender = Callable[[str, dict[str, str]], Awaitable[int]]

_ALNUM = string.ascii_letters + string.digits


def random_key() -> str:
    """Return a fresh 30-character alphanumeric key (token, user, group, receipt)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(30))


def next_quota_reset(now: float) -> int:
    """Return the next 1st-of-month 00:00 America/Chicago as a Unix timestamp."""
    try:
        from zoneinfo import ZoneInfo

        tz: dt.tzinfo = ZoneInfo("America/Chicago")
    except Exception:  # no tz database: use US Central standard time
        tz = dt.timezone(dt.timedelta(hours=-6))
    local = dt.datetime.fromtimestamp(now, tz)
    year, month = (
        (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    )
    return int(dt.datetime(year, month, 1, tzinfo=tz).timestamp())


@dataclass
class Account:
    """A Pushover account: quota pool, license credits and custom sounds."""

    name: str
    limit: int = DEFAULT_LIMIT
    remaining: int = DEFAULT_LIMIT
    reset: int = 0
    license_credits: int = 10
    sounds: dict[str, str] = field(default_factory=dict)


@dataclass
class App:
    """An application token and the account that owns it."""

    token: str
    account: str = "default"
    name: str = "Simulator"


@dataclass
class User:
    """A user (or subscribed-user) key with its devices and licenses."""

    key: str
    devices: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    account: str = "default"
    subscription: str | None = None
    subscribed_from: str | None = None
    sound: str | None = None


@dataclass
class GroupMember:
    """One entry of a delivery group."""

    user: str
    device: str | None = None
    memo: str = ""
    disabled: bool = False


@dataclass
class Group:
    """A delivery group."""

    key: str
    name: str
    owner_account: str = "default"
    members: list[GroupMember] = field(default_factory=list)


@dataclass
class Fault:
    """A pending injected fault."""

    path_suffix: str
    kind: FaultKind
    count: int
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """Return whether the fault applies to a `method` request on `path`."""
        return path.endswith(self.path_suffix) and self.method in (None, method)


@dataclass
class Storm:
    """A seeded random storm of 503s and dropped connections on one path."""

    fraction: float
    seed: int
    path_suffix: str
    rng: random.Random = field(repr=False, compare=False)
    method: str | None = None


@dataclass
class Receipt:
    """An emergency-priority receipt (§4.1 fields plus what the simulator knows)."""

    receipt: str
    token: str
    sent_at: int
    retry: int
    expire: int
    expires_at: int
    title: str | None
    message: str
    users: list[str]
    deliveries: dict[str, list[str]]
    tags: list[str] = field(default_factory=list)
    callback: str | None = None
    acknowledged: bool = False
    acknowledged_at: int = 0
    acknowledged_by: str = ""
    acknowledged_by_device: str = ""
    called_back: bool = False
    called_back_at: int = 0
    callback_attempts: int = 0
    canceled: bool = False
    canceled_at: int = 0

    @property
    def user(self) -> str:
        """Return the first recipient."""
        return self.users[0] if self.users else ""

    def expired(self, now: float) -> bool:
        """Return whether retrying has stopped because `expire` has passed."""
        return now >= self.expires_at

    def active(self, now: float) -> bool:
        """Return whether the notification is still retrying."""
        return not (self.acknowledged or self.canceled or self.expired(now))

    def last_delivered_at(self, now: float) -> int:
        """When the notification was last (re)delivered."""
        end = min(now, self.expires_at)
        if self.acknowledged:
            end = min(end, self.acknowledged_at)
        if self.canceled:
            end = min(end, self.canceled_at)
        rounds = min(
            MAX_EMERGENCY_RETRIES, max(0, int((end - self.sent_at) // self.retry))
        )
        return self.sent_at + rounds * self.retry

    def api_fields(self, now: float) -> dict[str, Any]:
        """Return the fields GET receipts/{receipt}.json answers with."""
        return {
            "acknowledged": int(self.acknowledged),
            "acknowledged_at": self.acknowledged_at,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_by_device": self.acknowledged_by_device,
            "last_delivered_at": self.last_delivered_at(now),
            "expired": int(self.expired(now)),
            "expires_at": self.expires_at,
            "called_back": int(self.called_back),
            "called_back_at": self.called_back_at,
        }


class _LicenseCredits(MutableMapping[str, int]):
    """A write-through view of every account's license credits."""

    def __init__(self, sim: SimulatorState) -> None:
        self._sim = sim

    def __getitem__(self, account: str) -> int:
        if account not in self._sim.accounts:
            raise KeyError(account)
        return self._sim.accounts[account].license_credits

    def __setitem__(self, account: str, credits: int) -> None:
        self._sim.set_license_credits(credits, account)

    def __delitem__(self, account: str) -> None:
        raise TypeError("accounts cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._sim.accounts)

    def __len__(self) -> int:
        return len(self._sim.accounts)


class SimulatorState:
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
        self._clear()
        if self.seed:
            self.seed_demo()

    def account(self, name: str) -> Account:
        """Return the named account, created on first use, its quota rolled over if due."""
        acc = self.accounts.get(name)
        if acc is None:
            acc = self.accounts[name] = Account(
                name, reset=next_quota_reset(self.clock())
            )
        if self.clock() >= acc.reset:
            acc.remaining = acc.limit
            acc.reset = next_quota_reset(self.clock())
        return acc

    def add_app(
        self, token: str, account: str = "default", name: str = "Simulator"
    ) -> App:
        """Register an application token owned by `account`."""
        self.account(account)
        app = self.apps[token] = App(token, account, name)
        return app

    def add_user(
        self,
        key: str,
        devices: list[str] | tuple[str, ...] = ("phone",),
        licenses: list[str] | tuple[str, ...] = ("Android",),
        account: str = "default",
    ) -> User:
        """Register a user key with its devices and licenses."""
        user = self.users[key] = User(key, list(devices), list(licenses), account)
        return user

    def add_group(
        self,
        key: str,
        name: str,
        members: list[str | GroupMember] | tuple[str | GroupMember, ...] = (),
        owner_account: str = "default",
    ) -> Group:
        """Register a delivery group; members are user keys or `GroupMember`s."""
        group = self.groups[key] = Group(
            key,
            name,
            owner_account,
            [m if isinstance(m, GroupMember) else GroupMember(m) for m in members],
        )
        return group

    def add_subscription(self, code: str, account: str = "default") -> None:
        """Register a subscription code owned by `account`."""
        self.subscriptions[code] = account

    def _account_name(self, token_or_account: str) -> str:
        app = self.apps.get(token_or_account)
        return app.account if app else token_or_account

    def add_sound(self, token_or_account: str, sound_id: str, name: str) -> None:
        """Add a custom sound to the account (given directly or by an app token)."""
        self.account(self._account_name(token_or_account)).sounds[sound_id] = name

    def sounds(self, token: str) -> dict[str, str]:
        """Built-in plus the owning account's custom sounds."""
        return {**BUILTIN_SOUNDS, **self.account(self.apps[token].account).sounds}

    def set_quota(
        self,
        limit: int,
        remaining: int | None = None,
        reset: int | None = None,
        account: str = "default",
    ) -> None:
        """Set an account's monthly limit, remaining messages and reset time."""
        acc = self.account(self._account_name(account))
        acc.limit = limit
        acc.remaining = limit if remaining is None else remaining
        if reset is not None:
            acc.reset = reset

    def set_license_credits(self, credits: int, account: str = "default") -> None:
        """Set an account's prepaid license credits."""
        self.account(self._account_name(account)).license_credits = credits

    @property
    def license_credits(self) -> MutableMapping[str, int]:
        """License credits per account, writable: `sim.license_credits["default"] = 0`."""
        return _LicenseCredits(self)

    def add_login(
        self, email: str, password: str, user_key: str, twofa: str | None = None
    ) -> Login:
        """Let `email`/`password` (and the code `twofa`, if given) log in as `user_key`."""
        if user_key not in self.users:
            self.add_user(user_key, devices=[], licenses=[])
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

    def inject_fault(
        self,
        path_suffix: str,
        kind: FaultKind,
        count: int = 1,
        *,
        method: str | None = None,
    ) -> None:
        """Make the next `count` requests whose path ends with `path_suffix` fail.

        `method` ("GET", "POST") narrows the fault, e.g. to sends on messages.json
        and not Open Client downloads; None matches every method.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.faults.append(Fault(path_suffix, kind, count, method))

    def take_fault(self, path: str, method: str = "POST") -> FaultKind | None:
        """Consume and return the fault matching `path` (and `method`), if any."""
        for fault in self.faults:
            if fault.matches(method, path) and fault.count > 0:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault.kind
        return None

    def set_storm(
        self,
        fraction: float,
        *,
        seed: int,
        path_suffix: str = "messages.json",
        method: str | None = None,
    ) -> None:
        """Fail each request on `path_suffix` with probability `fraction` (0 turns it off).

        The draws come from `random.Random(seed)`, so a run repeats: half of the
        failures answer 503, the other half drop the connection; neither delivers.
        `method` narrows the storm as it does for `inject_fault`.
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"storm fraction {fraction} is not within 0..1")
        self.storm_failures = 0
        self.storm = (
            Storm(fraction, seed, path_suffix, random.Random(seed), method)
            if fraction > 0
            else None
        )

    def take_storm(self, path: str, method: str = "POST") -> FaultKind | None:
        """Draw the storm's verdict for `path`: "503", "drop" or None (answer normally)."""
        storm = self.storm
        if (
            storm is None
            or not path.endswith(storm.path_suffix)
            or storm.method not in (None, method)
        ):
            return None
        draw = storm.rng.random()
        if draw >= storm.fraction:
            return None
        self.storm_failures += 1
        return "503" if draw < storm.fraction / 2 else "drop"

    def notify_change(self) -> None:
        """Wake `wait_until` callers to check their condition again."""
        for future in self._watchers:
            if not future.done():
                future.set_result(None)

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until `predicate()` holds (wrap in a timeout).

        It is checked again whenever an API request starts or ends, a receipt is
        acknowledged, a callback is attempted or a push connection opens or closes.
        """
        while not predicate():
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._watchers.add(future)
            try:
                await future
            finally:
                self._watchers.discard(future)

    def note_connection(self, transport: Any) -> bool:
        """Count a connection the first time it is seen; True if it is new."""
        if transport is None or transport in self._seen_transports:
            return False
        self._seen_transports.add(transport)
        self.connections_opened += 1
        return True

    async def pause(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if the simulator is stopping."""
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    @property
    def stopping(self) -> bool:
        """Return True once stop() has begun."""
        return self._stopping.is_set()

    def acknowledge(
        self, receipt: str, user: str | None = None, device: str | None = None
    ) -> None:
        """Acknowledge an emergency receipt as `user`/`device` and fire its callback.

        Defaults to the message's first user and that user's first device. Raises
        KeyError for an unknown receipt and ValueError for a canceled or expired one.
        Acknowledging an acknowledged receipt changes nothing (the first one wins).
        """
        rec = self.receipts[receipt]
        now = self.clock()
        if rec.acknowledged:
            return
        if rec.canceled or rec.expired(now):
            raise ValueError(f"receipt {receipt} is no longer active")
        user = user or rec.user
        if device is None:
            devices = rec.deliveries.get(user) or []
            device = devices[0] if devices else ""
        rec.acknowledged = True
        rec.acknowledged_at = int(now)
        rec.acknowledged_by = user
        rec.acknowledged_by_device = device
        self.notify_change()
        if rec.callback:
            task = asyncio.get_running_loop().create_task(
                self._deliver_callback(rec), name=f"pushover-sim-callback-{receipt}"
            )
            self._callback_tasks.add(task)
            task.add_done_callback(self._callback_tasks.discard)

    async def _deliver_callback(self, rec: Receipt) -> None:
        assert rec.callback is not None
        payload = {
            "receipt": rec.receipt,
            "acknowledged": "1",
            "acknowledged_at": str(rec.acknowledged_at),
            "acknowledged_by": rec.acknowledged_by,
            "acknowledged_by_device": rec.acknowledged_by_device,
        }
        sender = self.callback_sender or self._post_callback
        while rec.callback_attempts < self.callback_max_attempts:
            if rec.callback_attempts:
                await self.pause(self.callback_retry_delay)
                if self.stopping:
                    return
            rec.callback_attempts += 1
            self.notify_change()
            try:
                status = await sender(rec.callback, payload)
            except (aiohttp.ClientError, OSError, TimeoutError) as err:
                _LOGGER.debug("callback for %s failed: %r", rec.receipt, err)
                continue
            if 200 <= status < 300:
                rec.called_back = True
                rec.called_back_at = int(self.clock())
                self.notify_change()
                return

    async def _post_callback(self, url: str, payload: dict[str, str]) -> int:
        timeout = aiohttp.ClientTimeout(total=self.callback_timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=payload) as resp,
        ):
            await resp.read()
            return resp.status

    async def wait_callbacks(self) -> None:
        """Wait until every scheduled callback delivery has finished."""
        while self._callback_tasks:
            await asyncio.gather(*list(self._callback_tasks), return_exceptions=True)

    def snapshot(self) -> dict[str, Any]:
        """Return a JSON-serialisable view of the state (attachments as sizes only)."""
        now = self.clock()
        return {
            "base_url": self.base_url,
            "messages": [
                {
                    **{k: v for k, v in m.items() if k != "attachment"},
                    "attachment_size": None
                    if m["attachment"] is None
                    else len(m["attachment"]),
                }
                for m in self.messages
            ],
            "receipts": {
                key: {**asdict(rec), **rec.api_fields(now)}
                for key, rec in self.receipts.items()
            },
            "groups": {key: asdict(group) for key, group in self.groups.items()},
            "accounts": {name: asdict(acc) for name, acc in self.accounts.items()},
            "glances": [
                {"user": user, "device": device, **data}
                for (user, device), data in self.glances.items()
            ],
            "license_assignments": self.license_assignments,
            "open_client_devices": {
                device.id: {
                    "name": device.name,
                    "user": device.user,
                    "pending": [m["id"] for m in device.messages],
                    "connections": self.push_connections(device.id),
                    "silent": device.silent,
                }
                for device in self.open_client.devices.values()
            },
            "faults": [asdict(f) for f in self.faults],
            "storm": None
            if self.storm is None
            else {
                "fraction": self.storm.fraction,
                "seed": self.storm.seed,
                "path_suffix": self.storm.path_suffix,
                "method": self.storm.method,
            },
            "storm_failures": self.storm_failures,
            "requests": self.requests,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "connections_opened": self.connections_opened,
            "latency": self.latency,
            "connect_latency": self.connect_latency,
        }

    def resume(self) -> None:
        """Clear the stopping flag so that pauses wait again (before serving)."""
        self._stopping = asyncio.Event()

    async def shutdown(self) -> None:
        """End hangs, pauses and push connections; cancel pending callback deliveries."""
        self._stopping.set()
        self.open_client.close_all()
        tasks = list(self._callback_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._callback_tasks.clear()
