"""Helpers shared by the tests: the frozen clock, event capture, waiting, look-ups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
import html
import re
import socket
import threading
import time
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import (
    CONF_OPEN_CLIENT_ID,
    CONF_SECRET,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_OPEN_CLIENT,
)
from custom_components.pushover_complete.open_client_issues import session_issue_id
from homeassistant.const import CONF_NAME, MATCH_ALL
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.util import dt as dt_util
from pushover_simulator import OpenDevice, PushoverSimulator

try:  # how Home Assistant sends a form's schema to the browser
    from probatio import to_field_list as _fields_of  # Home Assistant 2026
except ImportError:  # Home Assistant 2025
    from voluptuous_serialize import convert as _fields_of

TIMEOUT = 10
# The external URL the tests give Home Assistant (nothing is sent there: the
# simulator's callbacks are routed to the test client by route_callbacks).
EXTERNAL: Final = "https://home.example.org"
# The entry's webhook (callbacks and action links) and its address.
WEBHOOK_ID: Final = "0f3c9a7be1d24c5f8a6b2d9e4c7f1a3b0f3c9a7be1d24c5f8a6b2d9e4c7f1a3b"
WEBHOOK: Final = f"/api/webhook/{WEBHOOK_ID}"
SIREN: Final = {"action": "silence_siren", "title": "Silence the siren"}
LINK: Final = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


def form_sent(result: Any) -> list[dict[str, Any]]:
    """A flow form's fields as Home Assistant sends them to the browser."""
    fields: list[dict[str, Any]] = _fields_of(
        result["data_schema"], custom_serializer=cv.custom_serializer
    )
    return fields


@asynccontextmanager
async def deadline(seconds: float = TIMEOUT) -> AsyncIterator[None]:
    """Fail the block with ``TimeoutError`` after ``seconds`` of real time.

    ``asyncio.timeout`` counts the event loop's clock, which the freezer stops:
    a wait under the frozen clock would hang until pytest's own timeout. This
    one counts wall-clock seconds on a thread and then cancels the waiting task.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    state = {"inside": True, "expired": False}

    def expire() -> None:  # runs in the event loop
        if state["inside"]:
            state["expired"] = True
            task.cancel()

    timer = threading.Timer(seconds, loop.call_soon_threadsafe, (expire,))
    timer.daemon = True
    timer.start()
    try:
        yield
    except asyncio.CancelledError:
        if not state["expired"]:
            raise
        task.uncancel()
        raise TimeoutError(f"not within {seconds} s (real time)") from None
    finally:
        state["inside"] = False
        timer.cancel()


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Move the frozen clock on and let what fell due run."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def fire_later(hass: HomeAssistant, **delta: float) -> None:
    """Fire the time ``delta`` from now; wait for what it started, background too."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(**delta))
    await hass.async_block_till_done(wait_background_tasks=True)


def unused_api_url() -> str:
    """Return an API base URL on 127.0.0.1 at a port where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/1/"


def follow_frozen_clock(sim: PushoverSimulator) -> None:
    """Let the simulator read the (frozen) wall clock, so receipts expire in it."""

    def frozen_now() -> float:
        # Looked up at each call: the freezer swaps ``time.time`` as it ticks.
        return time.time()

    sim.clock = frozen_now


def inject_fault(sim: PushoverSimulator, fault: tuple[str, str] | None) -> None:
    """Give the simulator the fault ``(path, kind)``; ``None``: no fault."""
    if fault is not None:
        sim.inject_fault(*fault)


def sent_to(sim: PushoverSimulator) -> list[list[str]]:
    """Return the users of every message that reached the simulator."""
    return [msg["users"] for msg in sim.messages]


def receipt_sent_to(sim: PushoverSimulator, user: str) -> str:
    """Return the receipt of the only message sent to ``user``."""
    [receipt] = [m["receipt"] for m in sim.messages if m["users"] == [user]]
    return str(receipt)


def receipt_of(response: Any) -> str:
    """Return the receipt of the only recipient of a send's response."""
    [sent] = response["recipients"]
    receipt: str = sent["receipt"]
    return receipt


def data_of(events: list[Event]) -> list[dict[str, Any]]:
    """Return the data of captured events."""
    return [dict(event.data) for event in events]


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state (it must exist)."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def open_client_subentry(
    subentry_id: str, device: OpenDevice, secret: str
) -> dict[str, Any]:
    """Subentry of an Open Client registered in the simulator (no e-mail stored)."""
    return {
        "subentry_id": subentry_id,
        "subentry_type": SUBENTRY_OPEN_CLIENT,
        "title": device.name,
        "data": {
            CONF_USER_KEY: device.user,
            CONF_OPEN_CLIENT_ID: device.id,
            CONF_SECRET: secret,
            CONF_NAME: device.name,
        },
        "unique_id": None,
    }


class Capture:
    """Collect the events of one type and wait for a number of them."""

    def __init__(self, hass: HomeAssistant, event_type: str) -> None:
        """Start listening."""
        self.events: list[Event] = []
        self._arrived = asyncio.Event()
        hass.bus.async_listen(event_type, self._async_add)

    @callback
    def _async_add(self, event: Event) -> None:
        self.events.append(event)
        self._arrived.set()

    @property
    def data(self) -> list[dict[str, Any]]:
        """The data of every event so far."""
        return data_of(self.events)

    async def wait(self, count: int) -> None:
        """Wait until at least ``count`` events have arrived."""
        async with deadline():
            while len(self.events) < count:
                self._arrived.clear()
                await self._arrived.wait()


async def until(hass: HomeAssistant, predicate: Callable[[], bool]) -> None:
    """Wait until ``predicate()`` holds, checking after each event on the bus."""
    changed = asyncio.Event()
    remove = hass.bus.async_listen(MATCH_ALL, callback(lambda _event: changed.set()))
    try:
        async with deadline():
            while not predicate():
                changed.clear()
                await changed.wait()
    finally:
        remove()


async def wait_state(hass: HomeAssistant, entity_id: str, state: str) -> None:
    """Wait until an entity has ``state``."""

    def reached() -> bool:
        current = hass.states.get(entity_id)
        return current is not None and current.state == state

    await until(hass, reached)


async def wait_sim(sim: PushoverSimulator, predicate: Callable[[], bool]) -> None:
    """Wait until the simulator's ``predicate()`` holds."""
    async with deadline():
        await sim.wait_until(predicate)


async def wait_session_issue(
    hass: HomeAssistant, entry_id: str, subentry_id: str
) -> str:
    """Wait until an Open Client's session-ended repair issue is open; return its id."""
    issue_id = session_issue_id(entry_id, subentry_id)
    issues = ir.async_get(hass)
    await until(hass, lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)
    return issue_id


async def send_emergency(
    hass: HomeAssistant, entity_id: str = "notify.alice", message: str = "Water leak"
) -> str:
    """Send an emergency to one recipient through the action; return its receipt."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": entity_id, "message": message, "priority": 2},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return receipt_of(response)


async def route_callbacks(
    hass: HomeAssistant, sim: PushoverSimulator, client: ClientSessionGenerator
) -> None:
    """Give Home Assistant an external URL, and Pushover's callbacks a way in.

    The simulator's callbacks reach the webhook through the test client, never
    the network.
    """
    hass.config.external_url = EXTERNAL
    http = await client()

    async def deliver(url: str, payload: dict[str, str]) -> int:
        response = await http.post(url.removeprefix(EXTERNAL), data=payload)
        return response.status

    sim.callback_sender = deliver


def links_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    """Return the (path with query, title) of each action link in a sent message."""
    found = []
    for href, title in LINK.findall(message["message"]):
        url = html.unescape(href)
        assert url.startswith(EXTERNAL + WEBHOOK + "?action=")
        found.append((url[len(EXTERNAL) :], html.unescape(title)))
    return found
