"""Scenario ``alarms``: 100 open escalating alarms tracked for an (accelerated) hour.

Two rounds over plain HTTP: no callback (polled every 10 s), then a reachable callback
(polled every 60 s as a safety net); each against the same hour with no alarm open.
Per round: CPU per open alarm per hour, requests made, then one acknowledgement per
alarm and the time from it reaching Home Assistant to the alarm's other receipts
canceled at the simulator. Then memory per open alarm (``alarm_memory``).
"""

from __future__ import annotations

from typing import Any

from .alarm_kit import (
    ALARM_COUNT,
    ALARM_EXPIRE,
    ALARM_RETRY,
    POLL_EVERY,
    POLL_EVERY_CALLBACK,
    OpenAlarm,
    find_receipts,
    open_receipts,
    start_alarms,
    track,
    warm_alarms,
)
from .alarm_memory import alarm_memory
from .clock import VirtualClock
from .common import measured, ms_stats
from .harness import Bench, Listener, open_bench
from .scenario import Results, Scenario, WorkerContext, result_of


async def run(ctx: WorkerContext) -> Results:
    """Worker: our entry only (no built-in), then the alarms phase."""
    b = await open_bench(ctx, builtin=False)
    return {"scheme": ctx.scheme, "alarms": await alarms_phase(b)}


async def alarms_phase(b: Bench) -> dict[str, Any]:
    """Track 100 alarms for a virtual hour (polled, then called back); memory apart."""
    clock = VirtualClock(b.hass)
    clock.install()
    listener = Listener(b.hass, "pushover_complete_acknowledged", "alarm_id")
    try:
        await b.ctl.reset()
        await warm_alarms(b, clock)
        out: dict[str, Any] = {
            "idle": await track(b, clock, POLL_EVERY),
            "idle_callback": await track(b, clock, POLL_EVERY_CALLBACK),
        }
        out["poll"] = await alarm_round(b, clock, listener, callback=False)
        out["callback"] = await alarm_round(b, clock, listener, callback=True)
        out["memory"] = await alarm_memory(b, clock)
        out["left_open"] = {
            "alarms": b.ours.runtime_data.alarms.open_count,
            "receipts": len(open_receipts(b)),
        }
        out["virtual_clock"] = "time.time, dt_util.utcnow, time_tracker_*, loop.time"
    finally:
        listener.unsub()
        b.hass.config.external_url = None
        clock.uninstall()
    return out


async def alarm_round(
    b: Bench, clock: VirtualClock, listener: Listener, *, callback: bool
) -> dict[str, Any]:
    """Start 100 alarms, track them a virtual hour, then acknowledge them one by one."""
    label = "cb" if callback else "poll"
    prefix, tag = b.tag("alarm", label), f"bench{label}"
    b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}" if callback else None
    await b.ctl.forget()
    with measured() as window:
        alarms = await start_alarms(b, prefix, tag, ALARM_COUNT)
    start = {"cpu_s": window.cpu, "wall_s": window.wall}
    runtime = b.ours.runtime_data
    step = POLL_EVERY_CALLBACK if callback else POLL_EVERY
    out: dict[str, Any] = {"start": start, "track": await track(b, clock, step)}
    out["open_alarms"] = runtime.alarms.open_count
    out["open_receipts"] = len(open_receipts(b))
    await find_receipts(b, prefix, alarms)
    out["receipts_at_sim"] = sum(len(a.receipts) for a in alarms)
    out["callback_expected"] = sum(r.callback_expected for r in open_receipts(b))
    if callback:
        out["ack"] = await ack_by_callback(b, listener, alarms)
    else:
        out["ack"] = await ack_by_poll(b, clock, listener, alarms)
    out["events_per_alarm"] = sorted(
        {len(listener.times.get(a.alarm_id, [])) for a in alarms}
    )
    out["left_open"] = runtime.alarms.open_count
    b.hass.config.external_url = None
    return out


async def ack_by_poll(
    b: Bench, clock: VirtualClock, listener: Listener, alarms: list[OpenAlarm]
) -> dict[str, Any]:
    """Acknowledge one alarm per poll (the receipt of step 1, 2, 3 in turn)."""
    await b.ctl.forget()
    acked: dict[str, str] = {}
    for i, alarm in enumerate(alarms):
        if not alarm.receipts:
            continue
        receipt = alarm.receipts[i % len(alarm.receipts)]
        acked[alarm.alarm_id] = receipt
        listener.expect(alarm.alarm_id)
        await b.ctl.ack(receipt)
        for _ in range(3):  # one poll should do; a bounded few more if not
            await clock.advance(POLL_EVERY)
            if listener.waiters[alarm.alarm_id].done():
                break
    timings = await b.ctl.timings()
    return ack_latencies(alarms, acked, timings["ack_answered"], timings, listener)


async def ack_by_callback(
    b: Bench, listener: Listener, alarms: list[OpenAlarm]
) -> dict[str, Any]:
    """Acknowledge the alarms one by one; the simulator calls the webhook back."""
    await b.ctl.forget()
    acked: dict[str, str] = {}
    for i, alarm in enumerate(alarms):
        if not alarm.receipts:
            continue
        receipt = alarm.receipts[i % len(alarm.receipts)]
        acked[alarm.alarm_id] = receipt
        listener.expect(alarm.alarm_id)
        await b.ctl.ack(receipt)
        await listener.wait(alarm.alarm_id, 10)
        await b.hass.async_block_till_done()
    timings = await b.ctl.timings()
    return ack_latencies(alarms, acked, timings["callback_sent"], timings, listener)


def ack_latencies(
    alarms: list[OpenAlarm],
    acked: dict[str, str],
    reached: dict[str, float],
    timings: dict[str, Any],
    listener: Listener,
) -> dict[str, Any]:
    """Return acknowledgement reaching Home Assistant → other receipts canceled."""
    canceled: dict[str, float] = timings["canceled"]
    to_cancel, to_event, incomplete = [], [], 0
    for alarm in alarms:
        receipt = acked.get(alarm.alarm_id, "")
        others = [r for r in alarm.receipts if r != receipt]
        t0 = reached.get(receipt)
        if t0 is None or not others or any(r not in canceled for r in others):
            incomplete += 1
            continue
        to_cancel.append(max(canceled[r] for r in others) - t0)
        if event_times := listener.times.get(alarm.alarm_id):
            to_event.append(event_times[0] - t0)
    return {
        "to_canceled_s": to_cancel,
        "to_event_s": to_event,
        "incomplete": incomplete,
        "cancel_posts": timings["cancel_posts"],
        "receipt_checks": timings["receipt_checks"],
    }


def per_alarm_hour(round_: dict[str, Any], idle: dict[str, Any]) -> float:
    """Return CPU ms per open alarm per hour, net of the idle hour."""
    net = round_["track"]["cpu_s_per_hour"] - idle["cpu_s_per_hour"]
    return float(net) / ALARM_COUNT * 1000


def render_alarms(res: dict[str, Any] | None) -> list[str]:
    """Return the alarms section (issue 11)."""
    head = ["### Alarms that escalate: 100 open alarms tracked (plain HTTP)", ""]
    if not res:
        return [*head, "No result (the worker failed).", ""]
    lines = [
        *head,
        "100 alarms of 3 steps each (`pushover_complete.send_alarm`: `notify.ours_01` at "
        f"0 s, `_02` at 300 s, `_03` at 600 s; `expire` {ALARM_EXPIRE}, `retry` "
        f"{ALARM_RETRY}), tracked for one hour of Home Assistant time, run accelerated: "
        "Home Assistant's clocks (`time.time`, `dt_util.utcnow`, the event helpers' "
        "`time_tracker_*` and the event loop's `time()`) are moved ahead by one poll "
        "interval at a time and the bench waits until everything that fell due has "
        "finished, so every poll, step and Store write of the hour really runs against "
        "the simulator. CPU is `time.process_time()` of the Home Assistant process over "
        "that hour, minus the same hour with no alarms open (the idle row), per alarm.",
        "",
        "| round | polls every | CPU per open alarm per hour | whole hour: CPU s "
        "(wall s) | receipt polls / step sends | idle hour: CPU s | start 100 alarms: "
        "CPU ms per alarm |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, idle_key, name in (
        ("poll", "idle", "no callback (polled)"),
        ("callback", "idle_callback", "callback reachable"),
    ):
        r, idle = res[key], res[idle_key]
        t = r["track"]
        lines.append(
            f"| {name} | {t['step_s']:.0f} s | {per_alarm_hour(r, idle):.1f} ms "
            f"| {t['cpu_s']:.2f} ({t['wall_s']:.1f}) "
            f"| {t['receipt_checks']:,} / {t['message_posts']} "
            f"| {idle['cpu_s']:.2f} | {r['start']['cpu_s'] / ALARM_COUNT * 1000:.2f} |"
        )
    lines += ["", *render_alarm_facts(res), ""]
    return lines


def render_alarm_facts(res: dict[str, Any]) -> list[str]:
    """Return the alarms' memory, acknowledgement timings and checks."""
    m, poll, cb = res["memory"], res["poll"], res["callback"]
    lines = [
        f"- **Memory per open alarm** (tracemalloc, on from before 100 alarms started "
        f"to after they ended; no CPU was measured then): "
        f"{m['retained_bytes'] / m['alarms'] / 1024:.1f} KiB per alarm once all three "
        f"steps were out ({m['open_receipts']} receipts tracked); "
        f"{(m['hour_bytes'] - m['retained_bytes']) / m['alarms']:+.0f} bytes per alarm "
        f"over the rest of the hour of polling (every 10 s); peak "
        f"{m['peak_bytes'] / 1e6:.1f} MB for all. Left after they ended: "
        f"{m['after_end_bytes'] / 1e3:.0f} kB, and {m['after_second_bytes'] / 1e3:.0f} kB "
        f"after 100 more were started and ended (largest: "
        f"{', '.join(m['left_by'][:3])}). RSS over the tracked hour (no tracemalloc): "
        f"{poll['track']['rss_delta'] / 1e6:+.1f} MB polled, "
        f"{cb['track']['rss_delta'] / 1e6:+.1f} MB called back.",
    ]
    for name, r, start in (
        ("poll answer", poll, "the poll's answer that shows the acknowledgement"),
        ("webhook POST", cb, "the simulator's callback POST to the webhook"),
    ):
        a = r["ack"]
        lines.append(
            f"- **Acknowledgement ({name}) → the alarm's 2 other receipts canceled at "
            f"the simulator**: {ms_stats(a['to_canceled_s'])}; to the "
            f"`pushover_complete_acknowledged` event: {ms_stats(a['to_event_s'])}. "
            f"From {start}, to the simulator answering the last cancel "
            f"(`time.monotonic()` of both processes)."
        )
    lines.append(
        f"- Checks: polled round {poll['receipts_at_sim']} receipts at the simulator "
        f"for 100 alarms, events per alarm {poll['events_per_alarm']}, "
        f"{poll['ack']['incomplete']} incomplete, {poll['left_open']} left open; "
        f"called-back round {cb['receipts_at_sim']} receipts "
        f"({cb['callback_expected']} expecting a callback), events per alarm "
        f"{cb['events_per_alarm']}, {cb['ack']['incomplete']} incomplete, "
        f"{cb['left_open']} left open. One acknowledgement per poll (the receipt of "
        "step 1, 2, 3 in turn); callbacks one at a time."
    )
    return lines


def report(results: Results) -> list[str]:
    """Return the section (a placeholder if the worker failed or did not run)."""
    return render_alarms(result_of(results, "alarms", "alarms"))


SCENARIO = Scenario("alarms", "http", 480.0, run, report)
