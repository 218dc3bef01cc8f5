"""The report's section of the ``incidents`` scenario: a table, the timings, the checks."""

from __future__ import annotations

from typing import Any

from .action_taps import ACTION, TAP_COUNT
from .alarm_kit import ALARM_EXPIRE, ALARM_RETRY
from .common import med, ms_stats
from .incident_kit import INCIDENT_COUNT, REPAGE_AFTER

HEAD = [
    "### Incidents: 100 open incidents paged again, deduplicated, resolved; action "
    "links (plain HTTP)",
    "",
]


def per_incident_hour(res: dict[str, Any]) -> float:
    """Return CPU ms per open incident per hour, net of the idle hour."""
    net = res["open"]["track"]["cpu_s_per_hour"] - res["idle"]["cpu_s_per_hour"]
    return float(net) / INCIDENT_COUNT * 1000


def per_call_ms(window: dict[str, Any], count: int) -> str:
    """Return a window's CPU per call, in ms."""
    return f"{window['cpu_s'] / count * 1000:.2f} ms"


def render_incidents(res: dict[str, Any] | None) -> list[str]:
    """Return the incidents section (a placeholder when the worker failed)."""
    if not res:
        return [*HEAD, "No result (the worker failed).", ""]
    return [
        *HEAD,
        f"100 incidents (`pushover_complete.send_alarm` with a `key` each, "
        f"`repage_after` {REPAGE_AFTER}, and the three steps of the alarms above: "
        f"`notify.ours_01` at 0 s, `_02` at 300 s, `_03` at 600 s; `expire` "
        f"{ALARM_EXPIRE}, `retry` {ALARM_RETRY}; no callback, so polled every 10 s). "
        "Once all have started, each is acknowledged once at the simulator (its "
        "step-1 receipt); then one hour of Home Assistant time passes on the virtual clock, "
        "as for the alarms: the next poll sees the acknowledgement (round 1 ends, its "
        "later steps are dropped), and 600 s later every incident pages again from "
        "step 1 (round 2: three more receipts, still ringing at the end of the hour). "
        "CPU per incident per hour is net of the same hour with nothing open.",
        "",
        "| what | CPU | wall s | at the simulator |",
        "|---|---|---|---|",
        *table_rows(res),
        "",
        *timing_facts(res),
        *check_facts(res),
        "",
    ]


def table_rows(res: dict[str, Any]) -> list[str]:
    """Return the table's rows: the hour, starting, deduplicating, resolving, sending."""
    o, idle, d, r = res["open"], res["idle"], res["dedup"], res["resolve"]
    t, send = o["track"], res["actions"]["send"]
    return [
        f"| 100 open incidents for one hour (acknowledged, paged again) "
        f"| {per_incident_hour(res):.1f} ms per incident per hour (hour "
        f"{t['cpu_s']:.2f} s, idle hour {idle['cpu_s']:.2f} s) | {t['wall_s']:.1f} "
        f"| {t['receipt_checks']:,} receipt polls / {t['message_posts']} message "
        f"posts / {t['cancel_posts']} cancels |",
        f"| start 100 incidents | {per_call_ms(o['start'], INCIDENT_COUNT)} per "
        f"incident | {o['start']['wall_s']:.2f} | {INCIDENT_COUNT} message posts |",
        f"| 100 `send_alarm` with an open key (deduplicated) "
        f"| {per_call_ms(d, d['calls'])} per call | {d['wall_s']:.2f} "
        f"| {d['message_posts']} message posts |",
        f"| 100 `resolve_alarm` by key, one by one "
        f"| {per_call_ms(r, INCIDENT_COUNT)} per call | {r['wall_s']:.2f} "
        f"| {r['cancel_posts']} cancels |",
        f"| {send['count']} `send_message` with one action "
        f"| {per_call_ms(send, send['count'])} per send | {send['wall_s']:.2f} "
        f"| {res['actions']['messages_at_sim']} messages, "
        f"{res['actions']['html_links']} links |",
    ]


def timing_facts(res: dict[str, Any]) -> list[str]:
    """Return the bullets: resolve → canceled, tap → event, memory."""
    r, a, m = res["resolve"], res["actions"], res["memory"]
    n = m["incidents"]
    return [
        f"- **`resolve_alarm` → the incident's ringing receipts canceled at the "
        f"simulator** (the {r['ringing_before'] // INCIDENT_COUNT} of round 2): "
        f"{ms_stats(r['to_canceled_s'])}; to the `pushover_complete_resolved` event: "
        f"{ms_stats(r['to_event_s'])}; the call returning: {ms_stats(r['call_s'])}. "
        "From the call, to the simulator answering the last cancel "
        "(`time.monotonic()` of both processes).",
        f"- **Action link tapped → `pushover_complete_action`**: from the confirming "
        f"`POST` leaving to the event: {ms_stats(a['post_to_event_s'])}; the `POST`'s "
        f"round trip: {ms_stats(a['post_s'])}; the `GET` (confirm page, fires nothing): "
        f"median {med(a['get_s']) * 1000:.1f} ms. {TAP_COUNT} links "
        f'(`{ACTION["action"]}`, "{ACTION["title"]}") read back from the messages at '
        "the simulator and tapped one at a time from the worker (aiohttp, 127.0.0.1, "
        "Home Assistant's external URL), then each `POST`ed a second time.",
        f"- **Memory per incident** (tracemalloc, a batch of {n} of its own): "
        f"{m['paging_bytes'] / n / 1024:.1f} KiB while paging (step 1 out), "
        f"{m['acknowledged_bytes'] / n / 1024:.1f} KiB once acknowledged and waiting "
        f"to page again (state {', '.join(m['acknowledged_states'])}); peak "
        f"{m['peak_bytes'] / 1e6:.1f} MB for all; left after they were resolved: "
        f"{m['after_resolve_bytes'] / 1e3:.0f} kB (largest: "
        f"{', '.join(m['left_by'])}).",
    ]


def by_count(pairs: list[list[Any]], name: str) -> str:
    """Return ``[[value, count], …]`` as "name value: count, …"."""
    return ", ".join(f"{name}{value}: {count}" for value, count in pairs) or "none"


def check_facts(res: dict[str, Any]) -> list[str]:
    """Return the checks: rounds reached, nothing lost, nothing sent twice."""
    o, d, r, a = res["open"], res["dedup"], res["resolve"], res["actions"]
    s, left = o["sim"], r["left"]
    answers = ", ".join(
        f"{n} × {' / '.join(map(str, codes))}" for codes, n in a["statuses"]
    )
    return [
        f"- Checks, the hour: `pushover_complete_acknowledged` events "
        f"{by_count(o['ack_rounds'], 'round ')} (of {o['acked_at_sim']} acknowledged "
        f"at the simulator); incidents now in round {o['rounds']}, "
        f"{o['open_incidents']} open with {o['open_receipts']} receipts ringing; at "
        f"the simulator {s['messages']} messages (expected: 100 of round 1 + 300 of round 2), "
        f"receipts per incident {s['receipts_per_incident']}, {s['acknowledged']} "
        f"acknowledged, {s['ringing']} ringing.",
        f"- Checks, deduplicating and resolving: {d['deduplicated']} of {d['calls']} "
        f"answers `deduplicated: true` with the open `alarm_id` and no recipients, "
        f"{d['new_messages']} new messages at the simulator; {r['answered']} resolved "
        f"by the answers, {r['events']} `pushover_complete_resolved` events "
        f"({by_count(r['event_rounds'], 'round ')}), {r['incomplete']} incomplete, "
        f"{left['ringing']} receipts left ringing at the simulator, {r['left_open']} "
        f"incidents left open.",
        f"- Checks, action links: {a['events']} `pushover_complete_action` events for "
        f"{a['html_links']} links (events per link {a['events_per_link']}, actions "
        f"{', '.join(a['event_actions'])}); answers GET / POST / second POST: {answers}.",
    ]
