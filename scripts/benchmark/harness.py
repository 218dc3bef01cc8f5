"""The worker's Home Assistant fixtures: config entries, the ``Bench`` handle, event timing.

Our entry has ten recipients (``notify.ours_01`` … ``notify.ours_10``, users
``bench_user(0..9)``) and maybe a receiving device; the built-in ``pushover`` gets ten
entries of its own (``notify.builtin_01`` …) when a scenario compares against it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import random
import time
from typing import Any

from .common import N_RECIPIENTS, OURS_ENTITIES, bench_user
from .control import SimControl
from .scenario import WorkerContext


def config_entry(
    domain: str,
    title: str,
    data: dict[str, Any],
    *,
    unique_id: str | None = None,
    subentries: list[dict[str, Any]] | None = None,
) -> Any:
    """Return a config entry as a flow would create it."""
    from types import MappingProxyType

    from homeassistant.config_entries import ConfigEntry

    return ConfigEntry(
        domain=domain,
        title=title,
        data=data,
        options={},
        source="user",
        unique_id=unique_id,
        version=1,
        minor_version=1,
        discovery_keys=MappingProxyType({}),
        subentries_data=subentries,  # type: ignore[arg-type]  # plain dicts, as stored
    )


def recipient_subentries() -> list[dict[str, Any]]:
    """Return our ten recipients (``notify.ours_01`` … ``notify.ours_10``)."""
    return [
        {
            "subentry_type": "recipient",
            "title": f"Ours {i + 1:02d}",
            "data": {"user_key": bench_user(i), "devices": []},
            "unique_id": None,
        }
        for i in range(N_RECIPIENTS)
    ]


async def add_entries(
    hass: Any, *, builtin: bool, device: dict[str, Any] | None = None
) -> Any:
    """Add our entry (ten recipients, maybe a device) and the built-in's ten; return ours."""
    from homeassistant.config_entries import ConfigEntryState
    from pushover_simulator import DEMO_TOKEN

    subentries = recipient_subentries()
    if device is not None:
        subentries.append(device)
    ours = config_entry(
        "pushover_complete",
        "Bench",
        {"api_key": DEMO_TOKEN, "webhook_id": "benchwebhook" + "0" * 52},
        unique_id="bench",
        subentries=subentries,
    )
    await hass.config_entries.async_add(ours)
    for i in range(N_RECIPIENTS if builtin else 0):
        name = f"Builtin {i + 1:02d}"
        await hass.config_entries.async_add(
            config_entry(
                "pushover",
                name,
                {"api_key": DEMO_TOKEN, "user_key": bench_user(i), "name": name},
            )
        )
    await hass.async_block_till_done()
    assert ours.state is ConfigEntryState.LOADED, ours.state
    for i in range(N_RECIPIENTS):
        assert hass.states.get(f"notify.ours_{i + 1:02d}") is not None
        assert hass.services.has_service("notify", f"ours_{i + 1:02d}")
        assert not builtin or hass.services.has_service(
            "notify", f"builtin_{i + 1:02d}"
        )
    return ours


@dataclass
class Bench:
    """One worker's Home Assistant, our entry and the simulator's controls."""

    hass: Any
    ctl: SimControl
    ours: Any
    http_port: int
    scheme: str
    run_id: int = field(default_factory=lambda: random.randrange(10**6))

    def tag(self, *parts: Any) -> str:
        """Return a message prefix unique to this run and ``parts``."""
        return "b" + "-".join(str(p) for p in (self.run_id, *parts)) + "-"

    async def check(self, prefix: str, expected: int) -> dict[str, Any]:
        """Count at the simulator what arrived of ``expected`` messages."""
        # Let anything still on its way arrive (none should: every client waits).
        for _ in range(50):
            c = await self.ctl.counters(prefix)
            if c["distinct_deliveries"] >= expected and c["in_flight"] == 0:
                break
            await asyncio.sleep(0.05)
        c["missing"] = expected - c["distinct_deliveries"]
        return c

    async def call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Call an action and wait for it."""
        await self.hass.services.async_call(domain, service, data, blocking=True)

    async def send_ours(self, text: str, **extra: Any) -> Any:
        """Send through ``pushover_complete.send_message``; return its response."""
        return await self.hass.services.async_call(
            "pushover_complete",
            "send_message",
            {"entity_id": OURS_ENTITIES[0], "message": text, **extra},
            blocking=True,
            return_response=True,
        )


class Listener:
    """When each awaited event arrived (``time.monotonic()``), by one data key."""

    def __init__(self, hass: Any, event_type: str, key: str) -> None:
        """Listen for ``event_type`` and file the events by ``event.data[key]``."""
        from homeassistant.core import Event, callback

        self.key = key
        self.times: dict[str, list[float]] = {}
        self.waiters: dict[str, asyncio.Future[None]] = {}

        @callback
        def on_event(event: Event) -> None:
            self._on_event(event)

        self.unsub = hass.bus.async_listen(event_type, on_event)

    def _on_event(self, event: Any) -> None:
        value = str(event.data.get(self.key))
        self.times.setdefault(value, []).append(time.monotonic())
        if (waiter := self.waiters.get(value)) is not None and not waiter.done():
            waiter.set_result(None)

    def expect(self, value: str) -> asyncio.Future[None]:
        """Return a future that is done once an event for ``value`` arrived."""
        waiter = self.waiters[value] = asyncio.get_running_loop().create_future()
        if value in self.times:
            waiter.set_result(None)
        return waiter

    async def wait(self, value: str, limit: float) -> float | None:
        """Wait up to ``limit`` s for ``value``'s event; return when it came."""
        waiter = self.waiters.get(value) or self.expect(value)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), limit)
        times = self.times.get(value)
        return times[0] if times else None


async def open_bench(ctx: WorkerContext, *, builtin: bool) -> Bench:
    """Add our entry (and the built-in's ten if ``builtin``); return the bench handle."""
    ours = await add_entries(ctx.hass, builtin=builtin)
    return Bench(ctx.hass, ctx.ctl, ours, ctx.http_port, ctx.scheme)
