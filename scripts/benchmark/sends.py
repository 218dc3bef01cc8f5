"""Scenarios ``http`` and ``https``: S1, S2 and S3 for every compared sender.

* S1: 200 sends one after the other to one recipient, no added latency: per-call
  latency (median, p95) and CPU per message.
* S2: 100 sends fired at once to one recipient, 50 ms latency per request: wall time,
  CPU per message, peak requests in flight.
* S3: one script notifying ten recipients, 50 ms latency, plus a delay per new
  connection (one round trip over HTTP, two over HTTPS); again without that delay.

Every sender is warmed up first; then ``reps`` repetitions, the senders' order rotated.
Every send is confirmed at the simulator (missing and duplicate messages).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from .clients import Clients, compared_clients
from .common import N_RECIPIENTS, WARMUP, fmt, measured, med, pct
from .harness import Bench, open_bench
from .scenario import Results, Scenario, WorkerContext
from .targets import render_targets

S1_COUNT = 200
S2_COUNT = 100
LATENCY = 0.050

type Rows = dict[str, dict[str, list[Any]]]


def handshake_rtts(scheme: str) -> int:
    """Return the round trips of a new connection: TCP, plus TLS over HTTPS."""
    return 2 if scheme == "https" else 1


async def run(ctx: WorkerContext) -> Results:
    """Worker: S1, S2, S3 for the built-in, ours and the floors."""
    b = await open_bench(ctx, builtin=True)
    async with compared_clients(b, ctx.sim_url) as clients:
        return {
            "scheme": ctx.scheme,
            "connect_latency": LATENCY * handshake_rtts(ctx.scheme),
            "rows": await main_phase(b, clients, ctx.reps),
        }


async def main_phase(b: Bench, clients: Clients, reps: int) -> Rows:
    """Warm every sender up, then run S1, S2, S3 ``reps`` times, order rotated."""
    names = list(clients.sends)
    await b.ctl.reset()
    for ci, name in enumerate(names):
        for k in range(WARMUP):
            await clients.sends[name](f"{b.tag('warm', ci)}{k}")
        await clients.run_s3(name, f"{b.tag('warm3', ci)}")
    await b.hass.async_block_till_done()
    rows: Rows = {n: {} for n in names}
    scenarios = (("s1", s1), ("s2", s2), ("s3", s3), ("s3n", s3_no_handshake))
    for rep in range(reps):
        shift = rep % len(names)
        order = names[shift:] + names[:shift]
        for key, scenario in scenarios:
            for ci, name in enumerate(order):
                values = await scenario(b, clients, name, b.tag(key, rep, ci))
                for metric, value in values.items():
                    rows[name].setdefault(metric, []).append(value)
    return rows


async def s1(b: Bench, clients: Clients, name: str, prefix: str) -> dict[str, Any]:
    """S1: sequential sends, no added latency."""
    await b.ctl.reset()
    send = clients.sends[name]
    lat: list[float] = []
    with measured() as window:
        for k in range(S1_COUNT):
            t = time.monotonic()
            await send(f"{prefix}{k}")
            lat.append(time.monotonic() - t)
        await b.hass.async_block_till_done()
    cnt = await b.check(prefix, S1_COUNT)
    return {
        "s1_median_ms": statistics.median(lat) * 1000,
        "s1_p95_ms": pct(lat, 0.95) * 1000,
        "s1_cpu_ms": window.cpu / S1_COUNT * 1000,
        "s1_wall_s": window.wall,
        "s1_missing": cnt["missing"],
        "s1_dups": cnt["duplicates"],
        "s1_conns": cnt["connections_opened"],
        "s1_peak": cnt["peak_in_flight"],
    }


async def s2(b: Bench, clients: Clients, name: str, prefix: str) -> dict[str, Any]:
    """S2: a burst of 100 sends to one recipient, 50 ms latency."""
    await b.ctl.reset(LATENCY, LATENCY * handshake_rtts(b.scheme))
    send = clients.sends[name]
    with measured() as window:
        await asyncio.gather(*(send(f"{prefix}{k}") for k in range(S2_COUNT)))
        await b.hass.async_block_till_done()
    cnt = await b.check(prefix, S2_COUNT)
    return {
        "s2_wall_s": window.wall,
        "s2_cpu_ms": window.cpu / S2_COUNT * 1000,
        "s2_peak": cnt["peak_in_flight"],
        "s2_conns": cnt["connections_opened"],
        "s2_missing": cnt["missing"],
        "s2_dups": cnt["duplicates"],
    }


async def s3(b: Bench, clients: Clients, name: str, prefix: str) -> dict[str, Any]:
    """S3: one automation notifying ten recipients, 50 ms latency."""
    await b.ctl.reset(LATENCY, LATENCY * handshake_rtts(b.scheme))
    with measured() as window:
        await clients.run_s3(name, prefix)
        await b.hass.async_block_till_done()
    cnt = await b.check(prefix, N_RECIPIENTS)
    return {
        "s3_wall_s": window.wall,
        "s3_cpu_ms": window.cpu * 1000,
        "s3_requests": cnt["message_posts"],
        "s3_conns": cnt["connections_opened"],
        "s3_missing": cnt["missing"],
        "s3_dups": cnt["duplicates"],
        "s3_peak": cnt["peak_in_flight"],
    }


async def s3_no_handshake(
    b: Bench, clients: Clients, name: str, prefix: str
) -> dict[str, Any]:
    """S3 again without the per-connection (handshake) delay."""
    await b.ctl.reset(LATENCY, 0.0)
    with measured() as window:
        await clients.run_s3(name, prefix)
        await b.hass.async_block_till_done()
    cnt = await b.check(prefix, N_RECIPIENTS)
    return {
        "s3n_wall_s": window.wall,
        "s3n_missing": cnt["missing"],
        "s3n_dups": cnt["duplicates"],
        "s3n_peak": cnt["peak_in_flight"],
    }


def render_scheme(scheme: str, res: dict[str, Any] | None) -> list[str]:
    """Return one protocol's table of S1, S2 and S3."""
    if not res:
        return [f"### {scheme.upper()}: no result (the worker failed)", ""]
    lines = [
        f"### {scheme.upper()}",
        "",
        "| client | S1 median ms | S1 p95 ms | S1 CPU ms/msg | S2 wall s | S2 CPU ms/msg "
        "| S2 peak in flight | S2 new conns | S3 wall s | S3 wall s, no handshake delay "
        "| S3 requests | S3 new conns | lost/dup |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in res["rows"].items():
        scenarios = ("s1", "s2", "s3", "s3n")
        lost = sum(sum(r.get(f"{s}_missing", [])) for s in scenarios)
        dup = sum(sum(r.get(f"{s}_dups", [])) for s in scenarios)
        lines.append(
            f"| {name} | {fmt(med(r['s1_median_ms']))} | {fmt(med(r['s1_p95_ms']))} "
            f"| {fmt(med(r['s1_cpu_ms']))} | {fmt(med(r['s2_wall_s']))} "
            f"| {fmt(med(r['s2_cpu_ms']))} | {max(r['s2_peak'])} "
            f"| {fmt(med(r['s2_conns']), 0)} | {fmt(med(r['s3_wall_s']), 3)} "
            f"| {fmt(med(r['s3n_wall_s']), 3)} | {max(r['s3_requests'])} "
            f"| {fmt(med(r['s3_conns']), 0)} | {lost}/{dup} |"
        )
    lines.append("")
    return lines


def report_http(results: Results) -> list[str]:
    """Return the plain HTTP table."""
    return render_scheme("http", results.get("http"))


def report_https(results: Results) -> list[str]:
    """Return the HTTPS table, then the targets of every send scenario."""
    return render_scheme("https", results.get("https")) + render_targets(results)


HTTP = Scenario("http", "http", 150.0, run, report_http)
HTTPS = Scenario("https", "https", 200.0, run, report_https)
