"""The directory of the simulated Pushover: accounts, apps, users, groups and demo keys.

Plain data: who may send (apps and the accounts that own them), who receives (users,
groups and their members), the demo identities a seeded simulator starts with and the
built-in sounds. Behaviour that changes these lives in `accounts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
import secrets
import string

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

DEFAULT_LIMIT = 10_000

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
    """A user (or subscribed-user) key with its devices and licenses.

    A `disabled` user is one Pushover now refuses: the /1/ API answers for its key
    as for a key it does not know (see `SimulatorState.disable_user`).
    """

    key: str
    devices: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    account: str = "default"
    subscription: str | None = None
    subscribed_from: str | None = None
    sound: str | None = None
    disabled: bool = False


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
