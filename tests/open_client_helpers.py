"""What the Open Client tests share: entity names, waits, reports, odd servers.

The simulator reports each push connection's login and end by its clock (which
the tests freeze), so the receiver's waits are measured there, to the second.
``hidden`` checks that no secret shows in an error; ``serving`` stands up a
server answering one path as Pushover never would; ``Client`` and
``push_login`` speak the Open Client API to the simulator in raw HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import logging
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pushover_simulator import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOKEN,
    DEMO_USER,
    PushoverSimulator,
)
from pushover_simulator.open_client import PushChannel

from .helpers import deadline, until, wait_sim, wait_state

DEVICE = "device_subentry"
DEVICE_NAME = "homeassistant"
PACKAGE = "custom_components.pushover_complete"
SENSOR = "binary_sensor.homeassistant_push_connection"
EVENT_ENTITY = "event.homeassistant_received_message"
BUTTON = "button.homeassistant_acknowledge_alarm"


def channel(sim: PushoverSimulator, device_id: str) -> PushChannel | None:
    """Return the device's one push connection at the simulator, if any."""
    channels = sim.open_client.channels.get(device_id, [])
    return channels[0] if len(channels) == 1 else None


async def wait_new_connection(
    sim: PushoverSimulator, device_id: str, old: PushChannel | None
) -> PushChannel:
    """Wait until the device has one push connection other than ``old``."""
    await wait_sim(sim, lambda: channel(sim, device_id) not in (None, old))
    new = channel(sim, device_id)
    assert new is not None
    return new


async def wait_receivers_ended(hass: HomeAssistant) -> None:
    """Wait until no background task is left (a reconnecting receiver never ends)."""
    async with deadline():
        await hass.async_block_till_done(wait_background_tasks=True)


def times(sim: PushoverSimulator, device_id: str) -> list[tuple[float, float | None]]:
    """When each push connection of the device opened and closed (simulator clock)."""
    return sim.open_client.connection_times(device_id)


async def wait_ended(sim: PushoverSimulator, device_id: str, count: int) -> None:
    """Wait until ``count`` push connections of the device have ended."""
    await wait_sim(
        sim,
        lambda: sum(closed is not None for _, closed in times(sim, device_id)) >= count,
    )


async def wait_down(
    hass: HomeAssistant, sim: PushoverSimulator, device_id: str
) -> None:
    """Wait until the connection is down for both: the sensor and the simulator.

    The receiver's wait starts as the sensor goes off; the simulator may learn of
    the end a moment later. Moving the clock only then times the wait exactly.
    """
    await wait_state(hass, SENSOR, "off")
    await wait_ended(sim, device_id, len(times(sim, device_id)))


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The warnings and errors the integration logged."""
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and record.name.startswith(PACKAGE)
    ]


async def until_issue(hass: HomeAssistant, issue_id: str) -> None:
    """Wait until the repair issue ``issue_id`` is open."""
    issues = ir.async_get(hass)
    await until(hass, lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def hidden(err: BaseException, *secrets: str) -> None:
    """Assert that none of ``secrets`` (nor the token) shows in the error."""
    for secret in (*secrets, DEMO_TOKEN):
        assert secret not in str(err)
        assert secret not in repr(err)
        assert secret not in str(getattr(err, "body", ""))


@contextlib.asynccontextmanager
async def serving(
    request: pytest.FixtureRequest, path: str, handler: Handler
) -> AsyncIterator[str]:
    """Serve ``handler`` at ``path`` on 127.0.0.1; yield the API base URL."""
    # Imported here: conftest imports this module before pytest has taken the
    # plugin in (and would then not rewrite its asserts).
    from pushover_simulator.pytest_plugin import enable_sockets

    enable_sockets(request)
    app = web.Application()
    app.router.add_route("*", path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/1/"
    finally:
        await runner.cleanup()


class Client:
    """An Open Client speaking to the simulator over HTTP."""

    def __init__(self, sim: PushoverSimulator, session: aiohttp.ClientSession) -> None:
        assert sim.base_url is not None
        self.sim = sim
        self.base = sim.base_url
        self.session = session

    async def call(
        self, method: str, path: str, **fields: str
    ) -> tuple[int, dict[str, Any]]:
        kwargs: dict[str, Any] = (
            {"params": fields} if method == "GET" else {"data": fields}
        )
        async with self.session.request(method, self.base + path, **kwargs) as resp:
            return resp.status, await resp.json()

    async def login(
        self, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD, **extra: str
    ) -> tuple[int, dict[str, Any]]:
        return await self.call(
            "POST", "users/login.json", email=email, password=password, **extra
        )

    async def register(
        self, secret: str, name: str = "homeassistant", os: str = "O"
    ) -> tuple[int, dict[str, Any]]:
        return await self.call("POST", "devices.json", secret=secret, name=name, os=os)

    async def device(self, name: str = "homeassistant") -> tuple[str, str]:
        """Log in as the demo user and register `name`; return (device id, secret)."""
        _, body = await self.login()
        secret = body["secret"]
        status, body = await self.register(secret, name)
        assert status == 200
        return body["id"], secret

    async def download(self, secret: str, device_id: str) -> dict[str, Any]:
        status, body = await self.call(
            "GET", "messages.json", secret=secret, device_id=device_id
        )
        assert status == 200
        return body

    async def send(self, **fields: str) -> dict[str, Any]:
        fields.setdefault("user", DEMO_USER)
        fields.setdefault("message", "hello")
        status, body = await self.call(
            "POST", "messages.json", token=DEMO_TOKEN, **fields
        )
        assert status == 200, body
        return body


async def push_login(
    sim: PushoverSimulator, session: aiohttp.ClientSession, device_id: str, secret: str
) -> aiohttp.ClientWebSocketResponse:
    """Open the push websocket and log in; return once the simulator counts it."""
    assert sim.push_url is not None
    ws = await session.ws_connect(sim.push_url)
    await ws.send_str(f"login:{device_id}:{secret}\n")
    async with asyncio.timeout(5):
        await sim.wait_push_connections(1, device_id)
    return ws
