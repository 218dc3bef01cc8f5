"""Scenario ``receive``: this Home Assistant as a Pushover device (Open Client).

One ``device`` subentry connected to the simulator's push websocket; the simulator
itself sends 200 messages to the device's user, one every 50 ms (its CPU is not
counted). Measured: accepted at the simulator → ``pushover_complete_message_received``
(median, p95), CPU per received message, and the idle cost of a connected device
(keep-alives accelerated, scaled to an hour).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from .common import HOUR, RECEIVE_USER, REPO, WARMUP, measured, ms_stats
from .control import SimControl
from .harness import Listener, add_entries
from .scenario import Results, Scenario, WorkerContext, result_of

RECEIVE_COUNT = 200
RECEIVE_INTERVAL = 0.05
RECEIVE_DEVICE = "benchha"
KEEPALIVE_REAL = 30.0  # the simulator's default; Pushover does not document its own
KEEPALIVE_FAST = 0.02
IDLE_WINDOW = 15.0


async def run(ctx: WorkerContext) -> Results:
    """Worker: add our entry with a device, then measure receiving."""
    return {"receive": await receive_phase(ctx.hass, ctx.ctl, ctx.http_port)}


async def receive_phase(hass: Any, ctl: SimControl, http_port: int) -> dict[str, Any]:
    """Connect one device subentry to the push websocket; latency, CPU, idle cost."""
    if not (REPO / "custom_components" / "pushover_complete" / "receiver.py").exists():
        return {"pending": "custom_components/pushover_complete/receiver.py is missing"}
    creds = await ctl.device(RECEIVE_USER, RECEIVE_DEVICE)
    device = {
        "subentry_type": "device",
        "title": RECEIVE_DEVICE,
        "data": {
            "user_key": RECEIVE_USER,
            "device_id": creds["device_id"],
            "secret": creds["secret"],
            "name": RECEIVE_DEVICE,
        },
        "unique_id": None,
    }
    no_device = await idle_window(ctl, None)
    await add_entries(hass, builtin=False, device=device)
    await wait_connected(ctl)
    b_tag = f"r{random.randrange(10**6)}-"
    listener = Listener(hass, "pushover_complete_message_received", "message")
    try:
        await receive_messages(hass, ctl, listener, b_tag + "warm-", WARMUP)
        out = await receive_latency(hass, ctl, listener, b_tag)
        out["idle"] = {
            "none": no_device,
            "slow": await idle_window(ctl, HOUR),
            "fast": await idle_window(ctl, KEEPALIVE_FAST),
        }
        await ctl.keepalive(KEEPALIVE_REAL)
    finally:
        listener.unsub()
    return out


async def wait_connected(ctl: SimControl, limit: float = 20.0) -> None:
    """Wait (bounded) until the device's push websocket is open at the simulator."""
    deadline = time.monotonic() + limit
    while (await ctl.push())["connections"] < 1:
        if time.monotonic() > deadline:
            raise RuntimeError("the device did not connect to the push websocket")
        await asyncio.sleep(0.1)


async def receive_messages(
    hass: Any, ctl: SimControl, listener: Listener, prefix: str, count: int
) -> float | None:
    """Have the simulator send ``count`` paced messages; wait for the last event."""
    for k in range(count):
        listener.expect(f"{prefix}{k}")
    await ctl.send_paced(count, RECEIVE_INTERVAL, prefix, RECEIVE_USER)
    last = await listener.wait(f"{prefix}{count - 1}", count * RECEIVE_INTERVAL + 30)
    await hass.async_block_till_done()
    return last


async def receive_latency(
    hass: Any, ctl: SimControl, listener: Listener, tag: str
) -> dict[str, Any]:
    """Time 200 messages from accepted at the simulator to the Home Assistant event."""
    prefix = tag + "rx-"
    await ctl.forget()
    with measured() as window:
        l0 = time.thread_time()
        await receive_messages(hass, ctl, listener, prefix, RECEIVE_COUNT)
        loop_cpu = time.thread_time() - l0
    cpu, wall = window.cpu, window.wall
    accepted: dict[str, float] = (await ctl.timings())["accepted"]
    delays, missing, duplicates = [], 0, 0
    for k in range(RECEIVE_COUNT):
        text = f"{prefix}{k}"
        times = listener.times.get(text, [])
        duplicates += max(0, len(times) - 1)
        if not times or text not in accepted:
            missing += 1
            continue
        delays.append(times[0] - accepted[text])
    return {
        "count": RECEIVE_COUNT,
        "interval_s": RECEIVE_INTERVAL,
        "delays_s": delays,
        "missing": missing,
        "duplicates": duplicates,
        "cpu_s": cpu,
        "loop_cpu_s": loop_cpu,
        "wall_s": wall,
    }


async def idle_window(ctl: SimControl, interval: float | None) -> dict[str, Any]:
    """CPU over ``IDLE_WINDOW`` s of waiting, keep-alives every ``interval`` s."""
    if interval is not None:
        await ctl.keepalive(interval)
    await asyncio.sleep(1.0)
    before = (await ctl.push())["keepalives"]
    with measured() as window:
        await asyncio.sleep(IDLE_WINDOW)
    push = await ctl.push()
    return {
        "interval_s": interval,
        "cpu_s": window.cpu,
        "wall_s": window.wall,
        "keepalives": push["keepalives"] - before,
        "connections": push["connections"],
    }


def render_receive(res: dict[str, Any] | None) -> list[str]:
    """Return the receiving section (issue 12)."""
    head = ["### Receiving: this Home Assistant as a Pushover device (plain HTTP)", ""]
    if not res:
        return [*head, "No result (the worker failed).", ""]
    if "pending" in res:
        return [*head, f"Pending: {res['pending']}.", ""]
    idle = res["idle"]
    per_frame, connected, total = device_idle(idle)
    fast = idle["fast"]
    return [
        *head,
        f"One `device` subentry connected to the simulator's push websocket. The "
        f"simulator itself sends {res['count']} messages to the device's user, one every "
        f"{res['interval_s'] * 1000:.0f} ms (its own CPU is not counted).",
        "",
        f"- **Accepted at the simulator → `pushover_complete_message_received`**: "
        f"{ms_stats(res['delays_s'])}; {res['missing']} missing, {res['duplicates']} "
        f"duplicates (`time.monotonic()` of both processes).",
        f"- **CPU per received message**: {res['cpu_s'] / res['count'] * 1000:.2f} ms "
        f"(the whole {res['wall_s']:.1f} s window / {res['count']}), of which "
        f"{res['loop_cpu_s'] / res['count'] * 1000:.2f} ms in the event loop's thread "
        f"(the rest in other threads: the executor's Store writes and the like).",
        f"- **Idle cost of one connected device**: {total * 1000:.0f} ms CPU per hour "
        f"with one keep-alive per {KEEPALIVE_REAL:.0f} s (the simulator's default; "
        f"Pushover does not document its own): {per_frame * 1e6:.0f} µs per keep-alive × "
        f"{HOUR / KEEPALIVE_REAL:.0f}, plus {connected * 1000:.0f} ms for the connection "
        f"itself. Accelerated: keep-alives every {KEEPALIVE_FAST * 1000:.0f} ms for "
        f"{fast['wall_s']:.0f} s ({fast['keepalives']} keep-alives, CPU "
        f"{fast['cpu_s'] * 1000:.0f} ms) against the same window with the device "
        f"connected and no keep-alive (CPU {idle['slow']['cpu_s'] * 1000:.1f} ms) and "
        f"with no device (CPU {idle['none']['cpu_s'] * 1000:.1f} ms), scaled to an hour.",
        "",
    ]


def device_idle(idle: dict[str, Any]) -> tuple[float, float, float]:
    """Return CPU s per keep-alive, per hour connected (no frames), per idle hour."""
    fast, slow, none = idle["fast"], idle["slow"], idle["none"]
    slow_rate = slow["cpu_s"] / slow["wall_s"]
    per_frame = (fast["cpu_s"] - slow_rate * fast["wall_s"]) / max(
        fast["keepalives"], 1
    )
    connected = max(0.0, slow_rate - none["cpu_s"] / none["wall_s"]) * HOUR
    total = per_frame * HOUR / KEEPALIVE_REAL + connected
    return per_frame, connected, total


def report(results: Results) -> list[str]:
    """Return the section (a placeholder if the worker failed or did not run)."""
    return render_receive(result_of(results, "receive", "receive"))


SCENARIO = Scenario("receive", "http", 150.0, run, report)
