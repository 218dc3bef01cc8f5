"""Scenario ``incidents``: 100 open incidents re-paged, deduplicated, resolved; action taps.

Plain HTTP, our entry only, Home Assistant's hour accelerated by the virtual clock as in
``alarms``. In order: an idle hour (nothing open); 100 incidents started
(``incident_kit``), each acknowledged once at the simulator, then tracked for a virtual
hour in which every one is paged again (round 2, 600 s after its acknowledgement);
100 ``send_alarm`` calls with the same keys (deduplicated, nothing sent); a
``resolve_alarm`` by key for each, timed to its open receipts canceled at the
simulator; memory per incident (``incident_memory``); then action links
(``action_taps``). The report's section is ``incident_report``.
"""

from __future__ import annotations

from collections import Counter
import time
from typing import Any

from .action_taps import action_taps
from .alarm_kit import POLL_EVERY, open_receipts, track
from .clock import VirtualClock
from .common import measured
from .harness import Bench, open_bench
from .incident_kit import (
    INCIDENT_COUNT,
    EventLog,
    Incident,
    ack_first_receipts,
    resolve_key,
    rounds_of,
    send_incident,
    start_incidents,
    warm_incidents,
)
from .incident_memory import incident_memory
from .incident_report import render_incidents
from .scenario import Results, Scenario, WorkerContext, result_of


async def run(ctx: WorkerContext) -> Results:
    """Worker: our entry only (no built-in), then the incidents and the action taps."""
    b = await open_bench(ctx, builtin=False)
    return {"scheme": ctx.scheme, "incidents": await incidents_phase(b)}


async def incidents_phase(b: Bench) -> dict[str, Any]:
    """Idle hour, open hour, deduplication, resolving, memory; then the action taps."""
    clock = VirtualClock(b.hass)
    clock.install()
    acks = EventLog(b.hass, "pushover_complete_acknowledged")
    resolved = EventLog(b.hass, "pushover_complete_resolved")
    try:
        await b.ctl.reset()
        await warm_incidents(b, clock)
        acks.clear()
        resolved.clear()
        prefix, tag = b.tag("inc"), "benchinc"
        out: dict[str, Any] = {"idle": await track(b, clock, POLL_EVERY)}
        incidents, out["open"] = await open_hour(b, clock, acks, prefix, tag)
        out["dedup"] = await deduplicate(b, prefix, tag, incidents)
        out["resolve"] = await resolve_each(b, prefix, incidents, resolved)
        acks.close()  # what the memory batch traces is Home Assistant's alone
        resolved.close()
        out["memory"] = await incident_memory(b, clock)
        out["actions"] = await action_taps(b)
        out["left_open"] = {
            "alarms": b.ours.runtime_data.alarms.open_count,
            "receipts": len(open_receipts(b)),
        }
    finally:
        acks.close()
        resolved.close()
        b.hass.config.external_url = None
        clock.uninstall()
    return out


async def open_hour(
    b: Bench, clock: VirtualClock, acks: EventLog, prefix: str, tag: str
) -> tuple[list[Incident], dict[str, Any]]:
    """Start 100 incidents, acknowledge each once, track them a virtual hour."""
    await b.ctl.forget()
    with measured() as window:
        incidents = await start_incidents(b, prefix, tag, INCIDENT_COUNT)
    out: dict[str, Any] = {"start": {"cpu_s": window.cpu, "wall_s": window.wall}}
    out["acked_at_sim"] = await ack_first_receipts(b, prefix, incidents)
    out["track"] = await track(b, clock, POLL_EVERY)
    out["ack_rounds"] = sorted(Counter(acks.values("round")).items())
    out["rounds"] = rounds_of(b, tag)
    out["open_incidents"] = b.ours.runtime_data.alarms.open_count
    out["open_receipts"] = len(open_receipts(b))
    out["sim"] = await sim_receipts(b, prefix)
    return incidents, out


async def sim_receipts(b: Bench, prefix: str) -> dict[str, Any]:
    """Count at the simulator: messages, receipts (acknowledged, still ringing)."""
    recs = await b.ctl.receipts(prefix)
    per_message = Counter(r["message"] for r in recs)
    return {
        "messages": (await b.ctl.counters(prefix))["accepted_requests"],
        "receipts": len(recs),
        "acknowledged": sum(1 for r in recs if r["acknowledged"]),
        "ringing": sum(1 for r in recs if not r["acknowledged"] and not r["canceled"]),
        "canceled": sum(1 for r in recs if r["canceled"]),
        "receipts_per_incident": sorted(set(per_message.values())),
    }


async def deduplicate(
    b: Bench, prefix: str, tag: str, incidents: list[Incident]
) -> dict[str, Any]:
    """Call ``send_alarm`` again with every open key: answered, nothing sent."""
    before = (await b.ctl.counters(prefix))["accepted_requests"]
    await b.ctl.forget()
    answers = []
    with measured() as window:
        for i in range(len(incidents)):
            answers.append(await send_incident(b, prefix, i, tag))
    await b.hass.async_block_till_done()
    after = (await b.ctl.counters(prefix))["accepted_requests"]
    same = [
        a["deduplicated"] is True
        and a["alarm_id"] == inc.alarm_id
        and not a["recipients"]
        for a, inc in zip(answers, incidents, strict=True)
    ]
    return {
        "cpu_s": window.cpu,
        "wall_s": window.wall,
        "calls": len(answers),
        "deduplicated": sum(same),
        "message_posts": (await b.ctl.timings())["message_posts"],
        "new_messages": after - before,
    }


async def resolve_each(
    b: Bench, prefix: str, incidents: list[Incident], resolved: EventLog
) -> dict[str, Any]:
    """Resolve the incidents by key one by one; time each to its receipts canceled."""
    ringing: dict[str, list[str]] = {}
    for rec in await b.ctl.receipts(prefix):
        if not rec["acknowledged"] and not rec["canceled"]:
            ringing.setdefault(rec["message"], []).append(rec["receipt"])
    await b.ctl.forget()
    called: dict[str, float] = {}
    call_s, answered = [], 0
    with measured() as window:
        for incident in incidents:
            called[incident.key] = t0 = time.monotonic()
            answered += await resolve_key(b, incident.key)
            call_s.append(time.monotonic() - t0)
    await b.hass.async_block_till_done()
    timings = await b.ctl.timings()
    out = resolve_latencies(incidents, ringing, called, timings["canceled"], resolved)
    out.update(
        cpu_s=window.cpu,
        wall_s=window.wall,
        call_s=call_s,
        answered=answered,
        ringing_before=sum(len(r) for r in ringing.values()),
        cancel_posts=timings["cancel_posts"],
        events=len(resolved.seen),
        event_rounds=sorted(Counter(resolved.values("round")).items()),
        left=await sim_receipts(b, prefix),
        left_open=b.ours.runtime_data.alarms.open_count,
    )
    return out


def resolve_latencies(
    incidents: list[Incident],
    ringing: dict[str, list[str]],
    called: dict[str, float],
    canceled: dict[str, float],
    resolved: EventLog,
) -> dict[str, Any]:
    """Return the call → the last ringing receipt canceled, and → the resolved event."""
    fired = resolved.first("key")
    to_cancel, to_event, incomplete = [], [], 0
    for incident in incidents:
        receipts = ringing.get(incident.message, [])
        t0 = called[incident.key]
        if not receipts or any(r not in canceled for r in receipts):
            incomplete += 1
            continue
        to_cancel.append(max(canceled[r] for r in receipts) - t0)
        if incident.key in fired:
            to_event.append(fired[incident.key] - t0)
    return {
        "to_canceled_s": to_cancel,
        "to_event_s": to_event,
        "incomplete": incomplete,
    }


def report(results: Results) -> list[str]:
    """Return the section (a placeholder if the worker failed or did not run)."""
    return render_incidents(result_of(results, "incidents", "incidents"))


SCENARIO = Scenario("incidents", "http", 240.0, run, report)
