"""Scenario ``extra``: a 1,000-send burst, acknowledgement delays and a large outbox.

All through ``pushover_complete.send_message`` over plain HTTP:

* burst: 1,000 sends fired at once, 20 ms latency: all delivered, at most 2 in flight,
  wall time against the ideal for 2 in flight;
* acknowledgement → ``pushover_complete_acknowledged`` event, through the webhook
  callback and through polling;
* outbox: 10,000 messages queued while the simulator answers 503 (time box 120 s):
  time, memory (tracemalloc) and the Store file's size.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
import random
import time
from typing import Any

from .alarm_kit import receipt_record
from .common import measured
from .harness import Bench, Listener, open_bench
from .scenario import Results, Scenario, WorkerContext, result_of

BURST_COUNT = 1000
BURST_LATENCY = 0.020
OUTBOX_COUNT = 10_000
OUTBOX_TIME_BOX = 120.0


async def run(ctx: WorkerContext) -> Results:
    """Worker: the burst, the acknowledgement delays, the outbox (in that order)."""
    b = await open_bench(ctx, builtin=True)
    return {
        "scheme": ctx.scheme,
        "extra": {
            "burst": await burst(b),
            "ack": await ack_delays(b),
            "outbox": await outbox_memory(b),
        },
    }


async def burst(b: Bench) -> dict[str, Any]:
    """Fire 1,000 sends at once through ``pushover_complete.send_message``."""
    await b.ctl.reset(BURST_LATENCY)
    prefix = b.tag("burst")
    with measured() as window:
        answers = await asyncio.gather(
            *(b.send_ours(f"{prefix}{k}") for k in range(BURST_COUNT)),
            return_exceptions=True,
        )
        await b.hass.async_block_till_done()
    cnt = await b.check(prefix, BURST_COUNT)
    errors = [repr(a) for a in answers if isinstance(a, BaseException)]
    queued = sum(
        1
        for a in answers
        if isinstance(a, dict) and any(r.get("queued") for r in a.get("recipients", []))
    )
    return {
        "count": BURST_COUNT,
        "latency_s": BURST_LATENCY,
        "wall_s": window.wall,
        "ideal_s": BURST_COUNT * BURST_LATENCY / 2,
        "cpu_ms_per_msg": window.cpu / BURST_COUNT * 1000,
        "delivered": cnt["distinct_deliveries"],
        "missing": cnt["missing"],
        "duplicates": cnt["duplicates"],
        "peak_in_flight": cnt["peak_in_flight"],
        "connections_opened": cnt["connections_opened"],
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "queued": queued,
    }


async def ack_delays(b: Bench) -> dict[str, Any]:
    """Time acknowledgement → event, through the callback and through polling."""
    listener = Listener(b.hass, "pushover_complete_acknowledged", "receipt")
    await b.ctl.reset()
    try:
        b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}"
        callback_delays = [
            await ack_one(b, listener, f"cb{n}", 0.3, 15, callback=True)
            for n in range(3)
        ]
        b.hass.config.external_url = None
        rnd = random.Random()
        poll_delays = []
        for n in range(3):
            offset = rnd.uniform(0.5, 9.5)
            delay = await ack_one(b, listener, f"poll{n}", offset, 75, callback=False)
            poll_delays.append((offset, delay))
    finally:
        listener.unsub()
    return {"callback_s": callback_delays, "poll": poll_delays}


async def ack_one(
    b: Bench,
    listener: Listener,
    label: str,
    after: float,
    limit: float,
    *,
    callback: bool,
) -> float:
    """Send an emergency, acknowledge it ``after`` s later; return ack → event."""
    resp = await b.send_ours(b.tag("ack", label), priority=2, retry=30, expire=3600)
    receipt = str(resp["recipients"][0]["receipt"])
    assert receipt, resp
    tracked = receipt_record(b, receipt)
    assert tracked.callback_expected is callback
    listener.expect(receipt)
    await asyncio.sleep(after)
    t0 = time.monotonic()
    await b.ctl.ack(receipt)
    t1 = await listener.wait(receipt, limit)
    return t1 - t0 if t1 else float("nan")


async def outbox_memory(b: Bench) -> dict[str, Any]:
    """Queue 10,000 messages while the simulator answers 503; time and memory."""
    import tracemalloc

    from custom_components.pushover_complete import outbox as outbox_module

    await b.ctl.reset()
    await b.ctl.fault("messages.json", "503", 10**9)
    outbox = b.ours.runtime_data.outbox
    prefix = b.tag("outbox")
    resp = await b.send_ours(f"{prefix}first")
    assert resp["recipients"][0]["queued"], resp
    await outbox.async_stop()  # no retries while we measure (they would only meet 503s)
    gc.collect()
    tracemalloc.start()
    base_current, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    w0, c0 = time.monotonic(), time.process_time()
    steps: list[tuple[int, float]] = []
    k = 1
    while k < OUTBOX_COUNT and time.monotonic() - w0 < OUTBOX_TIME_BOX:
        await b.send_ours(f"{prefix}{k}")
        k += 1
        if k % 1000 == 0:
            steps.append((k, time.monotonic() - w0))
    wall, cpu = time.monotonic() - w0, time.process_time() - c0
    # Let a delayed (coalesced) store write happen before measuring the file and memory.
    store = Path(
        b.hass.config.path(".storage", f"pushover_complete.{b.ours.entry_id}.outbox")
    )
    await asyncio.sleep(float(getattr(outbox_module, "SAVE_DELAY", 0.0)) + 0.5)
    await b.hass.async_block_till_done()
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "target": OUTBOX_COUNT,
        "queued": outbox.pending,
        "wall_s": wall,
        "cpu_s": cpu,
        "time_box_s": OUTBOX_TIME_BOX,
        "steps": steps,
        "retained_bytes": current - base_current,
        "peak_bytes": peak - base_current,
        "store_bytes": await b.hass.async_add_executor_job(_file_size, store),
        "note": "tracemalloc on during the enqueue (slows it)",
    }


def _file_size(path: Path) -> int | None:
    """Return the file's size, ``None`` if there is none."""
    return path.stat().st_size if path.exists() else None


def render_extra(extra: dict[str, Any]) -> list[str]:
    """Return the burst, outbox and acknowledgement section."""
    b, a, o = extra["burst"], extra["ack"], extra["outbox"]
    steps = ", ".join(f"{n:,}: {t:.1f} s" for n, t in o["steps"])
    stopped = (
        ""
        if o["queued"] >= o["target"]
        else f" — stopped by the {o['time_box_s']:.0f} s time box before {o['target']:,}"
    )
    cb = ", ".join(f"{d * 1000:.0f} ms" for d in a["callback_s"])
    poll = ", ".join(
        f"{d:.1f} s (acknowledged {off:.1f} s after sending)" for off, d in a["poll"]
    )
    return [
        "### Burst, outbox, acknowledgements (plain HTTP)",
        "",
        f"- **1,000 sends in one burst** through `pushover_complete.send_message` "
        f"({b['latency_s'] * 1000:.0f} ms latency): wall {b['wall_s']:.2f} s vs ideal "
        f"{b['ideal_s']:.2f} s for 2 in flight ({b['wall_s'] / b['ideal_s']:.2f}×); "
        f"CPU {b['cpu_ms_per_msg']:.2f} ms/msg; peak in flight {b['peak_in_flight']}; "
        f"{b['delivered']}/{b['count']} delivered, {b['duplicates']} duplicates.",
        f"- **Outbox** (simulator answering 503): {o['queued']:,} messages queued through "
        f"the action in {o['wall_s']:.1f} s (CPU {o['cpu_s']:.1f} s){stopped}; cumulative "
        f"time at {steps}. Memory (tracemalloc, on during the enqueue): retained "
        f"{o['retained_bytes'] / 1e6:.1f} MB, peak {o['peak_bytes'] / 1e6:.1f} MB; "
        f"Store file {(o['store_bytes'] or 0) / 1e6:.1f} MB.",
        f"- **Acknowledgement → `pushover_complete_acknowledged` event**, callback path "
        f"(external URL set; the simulator POSTs to the entry's webhook on Home Assistant's "
        f"own HTTP server on 127.0.0.1): {cb}.",
        f"- Same, polling path (no external URL; polls every 10 s): {poll}.",
        "",
    ]


def report(results: Results) -> list[str]:
    """Return the section, if the scenario ran."""
    extra = result_of(results, "extra", "extra")
    return render_extra(extra) if extra else []


SCENARIO = Scenario("extra", "http", 220.0, run, report)
