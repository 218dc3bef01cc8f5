"""A local, inspectable simulator of the Pushover HTTP API (aiohttp only).

`PushoverSimulator` serves it on 127.0.0.1 (`start`/`stop`); the pytest plugin's
`pushover_sim` fixture yields a started, demo-seeded one. What a test reads or
steers, besides the HTTP API:

- `sim.messages` (each send's parameters as they arrived, plus `users`,
  `deliveries`, `receipt`, `received_at`), `sim.sent_messages(user)` (the typed
  `SentMessage` view: text and links as the recipient sees them), `sim.requests`;
- `sim.receipts`, `sim.acknowledge(...)`, `sim.canceled_receipts()`;
- `sim.disable_user(key)` / `enable_user(key)`: a key Pushover refuses;
- `inject_fault`, `set_storm`, `latency`, `user_latency` (one key's messages
  answered later), `set_quota`, Open Client push hooks;
- GET / (the inbox page) and the /_sim/ control endpoints.
"""

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
