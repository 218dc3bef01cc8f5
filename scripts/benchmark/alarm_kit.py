"""Building blocks for alarm scenarios: start, cancel, warm up, let an hour pass.

An alarm here has three steps (``notify.ours_01`` at 0 s, ``_02`` at 300 s, ``_03`` at
600 s; ``expire`` 3600, ``retry`` 60), so each becomes three receipts at the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import gc
from typing import Any

from .clock import VirtualClock
from .common import HOUR, OURS_ENTITIES, bench_user, measured, rss_bytes
from .harness import Bench

ALARM_COUNT = 100
ALARM_AFTER = (0, 300, 600)
ALARM_EXPIRE = 3600
ALARM_RETRY = 60
# Our receipt polls (contract §5): every 10 s without a callback, every 60 s with one.
POLL_EVERY = 10.0
POLL_EVERY_CALLBACK = 60.0


@dataclass
class OpenAlarm:
    """An alarm the bench started, and its receipts at the simulator (step order)."""

    alarm_id: str
    message: str
    receipts: list[str] = field(default_factory=list)


def alarm_data(prefix: str, i: int, tag: str) -> dict[str, Any]:
    """Return ``send_alarm`` data: three steps (ours_01, _02, _03 at 0, 300, 600 s)."""
    return {
        "steps": [
            {"targets": [OURS_ENTITIES[s]], "after": after}
            for s, after in enumerate(ALARM_AFTER)
        ],
        "message": f"{prefix}{i}",
        "expire": ALARM_EXPIRE,
        "retry": ALARM_RETRY,
        "tags": [tag],
    }


async def start_alarms(b: Bench, prefix: str, tag: str, count: int) -> list[OpenAlarm]:
    """Start ``count`` alarms one after the other; return them."""
    alarms = []
    for i in range(count):
        resp = await b.hass.services.async_call(
            "pushover_complete",
            "send_alarm",
            alarm_data(prefix, i, tag),
            blocking=True,
            return_response=True,
        )
        alarms.append(OpenAlarm(str(resp["alarm_id"]), f"{prefix}{i}"))
    await b.hass.async_block_till_done()
    return alarms


async def cancel_tag(b: Bench, tag: str) -> None:
    """End every alarm carrying ``tag`` (``cancel_emergency`` by tag)."""
    await b.call(
        "pushover_complete",
        "cancel_emergency",
        {"config_entry_id": b.ours.entry_id, "tag": tag},
    )
    await b.hass.async_block_till_done()


async def warm_alarms(b: Bench, clock: VirtualClock) -> None:
    """Run every alarm path once before measuring: steps, polls, callback, cancel."""
    tag = b.tag("awarm")
    await start_alarms(b, tag, "warm", 3)
    for _ in range(round(ALARM_AFTER[-1] / POLL_EVERY) + 1):
        await clock.advance(POLL_EVERY)
    b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}"
    await start_alarms(b, tag + "cb", "warm", 1)
    b.hass.config.external_url = None
    await cancel_tag(b, "warm")
    await clock.advance(POLL_EVERY)


async def track(b: Bench, clock: VirtualClock, step: float) -> dict[str, Any]:
    """Let a virtual hour pass in ``step`` s moves; CPU, RSS and requests made."""
    await b.ctl.forget()
    gc.collect()
    rss0, v0 = rss_bytes(), clock.timestamp()
    with measured() as window:
        for _ in range(round(HOUR / step)):
            await clock.advance(step)
    cpu, wall = window.cpu, window.wall
    virtual = clock.timestamp() - v0
    gc.collect()
    rss1 = rss_bytes()
    t = await b.ctl.timings()
    return {
        "step_s": step,
        "virtual_s": virtual,
        "cpu_s": cpu,
        "cpu_s_per_hour": cpu * HOUR / virtual,
        "wall_s": wall,
        "rss_delta": rss1 - rss0,
        "receipt_checks": t["receipt_checks"],
        "message_posts": t["message_posts"],
        "cancel_posts": t["cancel_posts"],
        "other_requests": t["other_requests"],
    }


async def find_receipts(b: Bench, prefix: str, alarms: list[OpenAlarm]) -> None:
    """Fill in each alarm's receipts, in step order (step ``s`` went to user ``s``)."""
    by_message: dict[str, list[dict[str, Any]]] = {}
    for rec in await b.ctl.receipts(prefix):
        by_message.setdefault(rec["message"], []).append(rec)
    step_of = {bench_user(s): s for s in range(len(ALARM_AFTER))}
    for alarm in alarms:
        recs = sorted(
            by_message.get(alarm.message, []), key=lambda r: step_of[r["users"][0]]
        )
        alarm.receipts = [r["receipt"] for r in recs]


def open_receipts(b: Bench) -> list[Any]:
    """Return the receipt records the integration's alarms still track as ringing."""
    from custom_components.pushover_complete.alarm import ReceiptState

    owner = b.ours.runtime_data.alarms
    return [
        record
        for alarm in owner.alarms.values()
        for record in alarm.receipts.values()
        if record.state is ReceiptState.OPEN
    ]


def receipt_record(b: Bench, receipt: str) -> Any:
    """Return the integration's record of one receipt."""
    owner = b.ours.runtime_data.alarms
    return next(
        a.receipts[receipt] for a in owner.alarms.values() if receipt in a.receipts
    )
