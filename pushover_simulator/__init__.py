"""A local, inspectable simulator of the Pushover HTTP API (aiohttp only)."""

from .app import create_app
from .inbox import render_inbox
from .open_client import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    Login,
    OpenDevice,
)
from .responses import ApiError
from .server import PushoverSimulator
from .state import (
    BUILTIN_SOUNDS,
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    Account,
    App,
    CallbackSender,
    Fault,
    FaultKind,
    Group,
    GroupMember,
    Receipt,
    SimulatorState,
    Storm,
    User,
    random_key,
)

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
    "Login",
    "OpenDevice",
    "PushoverSimulator",
    "Receipt",
    "SimulatorState",
    "Storm",
    "User",
    "create_app",
    "random_key",
    "render_inbox",
]
