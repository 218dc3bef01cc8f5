"""A local, inspectable simulator of the Pushover HTTP API (aiohttp only)."""

from .app import create_app
from .callbacks import CallbackSender
from .faults import Fault, FaultKind, Storm
from .html_body import Link
from .inbox import render_inbox
from .model import (
    BUILTIN_SOUNDS,
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
    random_key,
)
from .open_client import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    Login,
    OpenDevice,
)
from .receipts import Receipt
from .responses import ApiError
from .sent import SentMessage
from .server import PushoverSimulator
from .state import SimulatorState

__all__ = [
    "BUILTIN_SOUNDS",
    "DEMO_2FA_CODE",
    "DEMO_2FA_EMAIL",
    "DEMO_2FA_PASSWORD",
    "DEMO_EMAIL",
    "DEMO_GROUP",
    "DEMO_PASSWORD",
    "DEMO_SUBSCRIPTION",
    "DEMO_TOKEN",
    "DEMO_USER",
    "DEMO_USER2",
    "Account",
    "ApiError",
    "App",
    "CallbackSender",
    "Fault",
    "FaultKind",
    "Group",
    "GroupMember",
    "Link",
    "Login",
    "OpenDevice",
    "PushoverSimulator",
    "Receipt",
    "SentMessage",
    "SimulatorState",
    "Storm",
    "User",
    "create_app",
    "random_key",
    "render_inbox",
]
