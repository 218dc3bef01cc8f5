"""The compared senders: the built-in, our three ways to send, and the two floors.

Each sends one message (S1, S2) and notifies the ten recipients the way an automation
would (S3). The floor is a bare aiohttp loop in Home Assistant's own event loop
(keep-alive session, at most 2 requests in flight): the physical limit of a compliant
client on this machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
from typing import Any

from .common import ALL_USERS, N_RECIPIENTS, OURS_ENTITIES, bench_user
from .harness import Bench

type Send = Callable[[str], Awaitable[Any]]


class Floor:
    """A bare aiohttp sender in Home Assistant's loop: at most 2 in flight, keep-alive."""

    def __init__(self, sim_url: str) -> None:
        """Open the session (Home Assistant's default TLS context)."""
        import aiohttp

        from homeassistant.util import ssl as ssl_util

        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl_util.get_default_context())
        )
        self.sem = asyncio.Semaphore(2)
        self.url = sim_url + "messages.json"

    async def send(self, text: str, users: str = bench_user(0)) -> None:
        """Send one message the shortest way a compliant client can."""
        from pushover_simulator import DEMO_TOKEN

        async with (
            self.sem,
            self.session.post(
                self.url, data={"token": DEMO_TOKEN, "user": users, "message": text}
            ) as resp,
        ):
            body = await resp.json()
        if resp.status != 200 or body.get("status") != 1:
            raise RuntimeError(f"floor send failed: {resp.status} {body}")

    def register_noop_action(self, hass: Any) -> None:
        """Register ``bench.noop_send``: a Home Assistant action around :meth:`send`."""
        import voluptuous as vol

        from homeassistant.core import ServiceCall
        from homeassistant.helpers import config_validation as cv

        async def handler(call: ServiceCall) -> None:
            await self.send(call.data["message"], call.data.get("user", bench_user(0)))

        hass.services.async_register(
            "bench",
            "noop_send",
            handler,
            schema=vol.Schema(
                {vol.Required("message"): cv.string, vol.Optional("user"): cv.string}
            ),
        )


def parallel(action: str) -> list[dict[str, Any]]:
    """Return a script that runs ``action`` (``{i}`` numbered) for every recipient."""
    return [
        {
            "parallel": [
                {
                    "action": action.format(i=f"{i + 1:02d}"),
                    "data": {"message": "{{ text }}"},
                }
                for i in range(N_RECIPIENTS)
            ]
        }
    ]


def to_all(action: str) -> list[dict[str, Any]]:
    """Return a script that runs ``action`` once with every recipient as target."""
    return [
        {
            "action": action,
            "target": {"entity_id": OURS_ENTITIES},
            "data": {"message": "{{ text }}"},
        }
    ]


BUILTIN = "built-in `notify.<name>`"
OURS = "ours `pushover_complete.send_message`"
OURS_NOTIFY = "ours `notify.send_message`"
OURS_LEGACY = "ours legacy `notify.<recipient>`"
FLOOR = "floor: bare aiohttp"
FLOOR_ACTION = "floor: no-op HA action + bare aiohttp"


@dataclass
class Clients:
    """The compared senders: one message each (S1, S2), ten recipients (S3)."""

    sends: dict[str, Send]
    scripts: dict[str, Any]
    floor: Floor

    async def run_s3(self, name: str, text: str) -> None:
        """Notify the ten recipients once, the way ``name`` does it."""
        from homeassistant.core import Context

        if name in self.scripts:
            await self.scripts[name].async_run({"text": text}, context=Context())
        else:
            await self.floor.send(text, ALL_USERS)


def make_clients(b: Bench, floor: Floor) -> Clients:
    """Return the six compared senders and their S3 scripts ("one automation")."""
    from homeassistant.helpers import config_validation as cv
    from homeassistant.helpers.script import Script

    sends: dict[str, Send] = {
        BUILTIN: lambda t: b.call("notify", "builtin_01", {"message": t}),
        OURS: lambda t: b.call(
            "pushover_complete",
            "send_message",
            {"entity_id": OURS_ENTITIES[0], "message": t},
        ),
        OURS_NOTIFY: lambda t: b.call(
            "notify", "send_message", {"entity_id": OURS_ENTITIES[0], "message": t}
        ),
        OURS_LEGACY: lambda t: b.call("notify", "ours_01", {"message": t}),
        FLOOR: floor.send,
        FLOOR_ACTION: lambda t: b.call("bench", "noop_send", {"message": t}),
    }
    sequences: dict[str, list[dict[str, Any]]] = {
        BUILTIN: parallel("notify.builtin_{i}"),
        OURS: to_all("pushover_complete.send_message"),
        OURS_NOTIFY: to_all("notify.send_message"),
        OURS_LEGACY: parallel("notify.ours_{i}"),
        # FLOOR: one request with ten users (no script)
        FLOOR_ACTION: [
            {
                "action": "bench.noop_send",
                "data": {"message": "{{ text }}", "user": ALL_USERS},
            }
        ],
    }
    scripts = {
        name: Script(b.hass, cv.SCRIPT_SCHEMA(seq), f"bench {name}", "bench")
        for name, seq in sequences.items()
    }
    return Clients(sends, scripts, floor)


@contextlib.asynccontextmanager
async def compared_clients(b: Bench, sim_url: str) -> AsyncIterator[Clients]:
    """Yield the compared senders (the floor's session is closed afterwards)."""
    floor = Floor(sim_url)
    floor.register_noop_action(b.hass)
    try:
        yield make_clients(b, floor)
    finally:
        await floor.session.close()
