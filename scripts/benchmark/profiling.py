"""Scenario ``profile`` (on request, ``--profile FILE``): where S1's CPU goes, by cProfile.

S1 (200 sequential sends to one recipient, no added latency, after a warm-up) of every
compared sender except the built-in, each under ``cProfile`` with the event loop
thread's CPU time as its clock (``time.thread_time``: waiting for the simulator costs
nothing; the executor's threads are not seen). For ours
(``pushover_complete.send_message``) the ten largest costs by own time (tottime), by
cumulative time, and the ten largest of our own code. The report gets those tables;
``FILE`` gets them plus every profiled sender's full listing (``pstats``).
"""

from __future__ import annotations

import cProfile
import io
from pathlib import Path
import pstats
import sysconfig
import time
from typing import Any

from .clients import BUILTIN, OURS, Send, compared_clients
from .common import REPO, WARMUP, measured
from .harness import Bench, open_bench
from .scenario import Results, Scenario, WorkerContext, result_of
from .sends import S1_COUNT

TOP = 10
FULL_TOTTIME = 25
FULL_CUMULATIVE = 45
OUR_CODE = str(REPO / "custom_components" / "pushover_complete")
BENCH_CODE = str(REPO / "scripts")
STDLIB = sysconfig.get_paths()["stdlib"] + "/"

type Row = dict[str, Any]


async def run(ctx: WorkerContext) -> Results:
    """Worker: profile S1 of every sender but the built-in; ours' top costs apart."""
    b = await open_bench(ctx, builtin=True)
    listings: dict[str, str] = {}
    top: dict[str, Any] = {}
    async with compared_clients(b, ctx.sim_url) as clients:
        for ci, (name, send) in enumerate(clients.sends.items()):
            if name == BUILTIN:
                continue
            prof, cpu = await profile_s1(b, send, ci)
            listings[name] = listing(prof)
            if name == OURS:
                top = top_costs(pstats.Stats(prof), cpu)
    return {"scheme": ctx.scheme, "profile": listings, "top": top}


async def profile_s1(b: Bench, send: Send, ci: int) -> tuple[cProfile.Profile, float]:
    """Warm ``send`` up, then profile S1; return the profile and the window's CPU (s)."""
    await b.ctl.reset()
    for k in range(WARMUP):
        await send(f"{b.tag('pwarm', ci)}{k}")
    await b.hass.async_block_till_done()
    prof = cProfile.Profile(time.thread_time)
    with measured() as window:
        prof.enable()
        for k in range(S1_COUNT):
            await send(f"{b.tag('prof', ci)}{k}")
        await b.hass.async_block_till_done()
        prof.disable()
    return prof, window.cpu


def listing(prof: cProfile.Profile) -> str:
    """Return the full ``pstats`` listing: by own time, then by cumulative time."""
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("tottime").print_stats(FULL_TOTTIME)
    stats.sort_stats("cumulative").print_stats(FULL_CUMULATIVE)
    return buf.getvalue()


def top_costs(stats: pstats.Stats, cpu: float) -> dict[str, Any]:
    """Return the ten largest costs: by own time, cumulative, and in our own code.

    The benchmark's own frames (the worker, the sending loop) are left out of the
    tables: their cumulative time is the whole window.
    """
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # untyped
    rows = [
        {
            "function": where(file, line, func),
            "calls": str(nc) if nc == cc else f"{nc}/{cc}",
            "tottime_s": tt,
            "cumtime_s": ct,
            "ours": file.startswith(OUR_CODE),
        }
        for (file, line, func), (cc, nc, tt, ct, _callers) in entries.items()
        if not file.startswith(BENCH_CODE)
    ]
    by_own = sorted(rows, key=lambda r: -r["tottime_s"])
    return {
        "messages": S1_COUNT,
        "profiled_s": stats.total_tt,  # type: ignore[attr-defined]  # untyped
        "process_cpu_s": cpu,
        "tottime": by_own[:TOP],
        "cumulative": sorted(rows, key=lambda r: -r["cumtime_s"])[:TOP],
        "ours": [r for r in by_own if r["ours"]][:TOP],
    }


def where(file: str, line: int, func: str) -> str:
    """Return ``file:line(function)`` with the file's path shortened."""
    if file == "~":
        return func
    if "/site-packages/" in file:
        file = file.split("/site-packages/", 1)[1]
    elif file.startswith(STDLIB):
        file = file.removeprefix(STDLIB)
    else:
        file = file.removeprefix(f"{REPO}/")
    return f"{file}:{line}({func})"


def render_top(top: dict[str, Any]) -> list[str]:
    """Return the Markdown section: the three tables of ten."""
    n = top["messages"]
    lines = [
        "### Where S1's CPU goes: cProfile of ours (plain HTTP)",
        "",
        f"{OURS}: {n} sends one after the other to one recipient (S1) after a warm-up, "
        "under cProfile with the event loop thread's CPU time as its clock (executor "
        "threads not seen; the profiler slows what it sees; a coroutine's calls count "
        "each time it resumes). Profiled "
        f"{top['profiled_s'] * 1000:.0f} ms ({top['profiled_s'] / n * 1000:.2f} ms per "
        f"message); the process's CPU over the same window "
        f"{top['process_cpu_s'] * 1000:.0f} ms.",
        "",
    ]
    for key, title in (
        ("tottime", "largest own time (tottime)"),
        ("cumulative", "largest cumulative time"),
        ("ours", "largest own time in custom_components/pushover_complete"),
    ):
        lines += cost_table(f"Ten {title}", top[key], n)
    return lines


def cost_table(title: str, rows: list[Row], n: int) -> list[str]:
    """Return one table of costs."""
    lines = [
        f"| {title} | calls | own ms | cumulative ms | own µs/msg |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{r['function']}` | {r['calls']} | {r['tottime_s'] * 1000:.1f} "
        f"| {r['cumtime_s'] * 1000:.1f} | {r['tottime_s'] / n * 1e6:.1f} |"
        for r in rows
    ]
    return [*lines, ""]


def report(results: Results) -> list[str]:
    """Return the section if the profile ran, else nothing."""
    top = result_of(results, "profile", "top")
    return render_top(top) if top else []


def write_profile(path: Path, results: Results) -> bool:
    """Write the top costs and every full listing to ``path``; False if none ran."""
    profile = results.get("profile")
    if not profile:
        return False
    lines = report(results)
    for name, text in profile["profile"].items():
        lines += [f"#### Full listing: {name}", "", "```", text.rstrip(), "```", ""]
    path.write_text("\n".join(lines))
    return True


SCENARIO = Scenario("profile", "http", 200.0, run, report, by_default=False)
