"""The Markdown report (``bench-results.md``): the method, every scenario's section, notes.

Every registered scenario renders its section, in the registry's order, also when it
did not run (a placeholder, or nothing for the optional ones).
"""

from __future__ import annotations

from .registry import SCENARIOS
from .scenario import Results
from .sends import LATENCY


def render(info: dict[str, str], results: Results, reps: int) -> str:
    """Return the whole Markdown report."""
    lines = render_intro(info, reps)
    for s in SCENARIOS:
        lines += s.report(results)
    lines += NOTES
    return "\n".join(lines)


def render_intro(info: dict[str, str], reps: int) -> list[str]:
    """Return the report's heading and method paragraph."""
    return [
        "## Benchmark: sending through Home Assistant",
        "",
        f"Run {info['date']} by `scripts/bench` on {info['nproc']} × {info['cpu']}; "
        f"Python {info['python']}, Home Assistant {info['ha']} (built-in `pushover` with "
        f"{info['builtin_lib']}), aiohttp {info['aiohttp']}. Total run {info['total_s']} s."
        + info.get("reused", ""),
        "",
        f"One real Home Assistant instance per protocol (asyncio debug off, 64 executor "
        f"threads), the project's Pushover simulator in a separate process on 127.0.0.1. "
        f"Medians over {reps} repetitions, client order rotated; CPU is "
        "`time.process_time()` of the Home Assistant process (all threads) per message. "
        f"S2/S3: {LATENCY * 1000:.0f} ms simulated latency per request, plus a delay per new "
        f"connection of one round trip over HTTP (TCP) and two over HTTPS (TCP + TLS). "
        "HTTPS: a throw-away CA (trustme); both clients trust certifi's bundle plus that CA "
        "(`REQUESTS_CA_BUNDLE`, which `requests` and Home Assistant's SSL context both read).",
        "",
    ]


NOTES = [
    "Notes:",
    "",
    "- S1: 200 sends one after the other to one recipient, no added latency. S2: 100 "
    "sends fired at once to one recipient. S3: one script (what an automation runs) "
    "notifying ten recipients: the built-in and our legacy services as ten "
    "`notify.<name>` actions under `parallel:`; `pushover_complete.send_message` and "
    "`notify.send_message` as one action with ten notify entities as target; the "
    "floors as one request with ten user keys.",
    "- Every send is confirmed at the simulator: lost/dup counts messages that never "
    'arrived or arrived twice. "new conns" are connections the simulator saw opened '
    "during the window (each client was warmed up first; keep-alive connections are "
    "reused).",
    "- The built-in breaks Pushover's 2-in-flight rule (S2 peak above), so its S2 wall "
    "time is not reachable by a compliant client; judge ours against the floor there. "
    "The floor rows are the physical limit of a compliant client on this machine: a "
    "bare aiohttp loop (keep-alive session, at most 2 in flight) in the same event loop, "
    "alone and inside a no-op Home Assistant action.",
    "",
]
