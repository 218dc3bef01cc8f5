"""The report's targets table: what the sends (and the 1,000-send burst) must reach.

Per protocol: S1 CPU per message against the built-in and against the floor, S3 wall
time against the built-in, S3's fan-out in one request, never more than 2 requests in
flight. Ratios are taken inside one run.
"""

from __future__ import annotations

from typing import Any

from .clients import BUILTIN, FLOOR_ACTION, OURS
from .common import fmt, med
from .scenario import Results, result_of


def target_row(target: str, measured: str, ok: bool | None) -> str:
    """Return one row of the targets table."""
    met = "yes" if ok else ("—" if ok is None else "**no**")
    return f"| {target} | {measured} | {met} |"


def render_targets(results: Results) -> list[str]:
    """Return the targets table."""
    lines = ["### Targets", "", "| target | measured | met |", "|---|---|---|"]
    for scheme, cpu_ratio, s3_ratio in (("http", 3, 1), ("https", 20, 5)):
        res = results.get(scheme)
        if res:
            lines += scheme_targets(scheme.upper(), res["rows"], cpu_ratio, s3_ratio)
    extra = result_of(results, "extra", "extra")
    if extra:
        lines.append(burst_target(extra["burst"]))
    lines.append("")
    return lines


def burst_target(b: dict[str, Any]) -> str:
    """Return the 1,000-send burst's target row."""
    return target_row(
        "1,000 sends in one burst: all delivered, ≤ 2 in flight",
        f"{b['delivered']}/{b['count']} delivered, {b['duplicates']} duplicates, "
        f"{b['errors']} errors, {b['queued']} queued; peak {b['peak_in_flight']}; "
        f"{b['connections_opened']} connection(s)",
        b["missing"] == 0 and b["peak_in_flight"] <= 2 and not b["errors"],
    )


def scheme_targets(
    scheme: str, rows: dict[str, Any], cpu_ratio: int, s3_ratio: int
) -> list[str]:
    """Return one protocol's target rows."""
    b_cpu, o_cpu = med(rows[BUILTIN]["s1_cpu_ms"]), med(rows[OURS]["s1_cpu_ms"])
    f_cpu = med(rows[FLOOR_ACTION]["s1_cpu_ms"])
    lines = [
        target_row(
            f"{scheme} S1 CPU/msg ≤ 1/{cpu_ratio} of built-in",
            f"{fmt(o_cpu)} vs {fmt(b_cpu)} ms (1/{fmt(b_cpu / o_cpu, 1)})",
            o_cpu <= b_cpu / cpu_ratio,
        ),
        target_row(
            f"{scheme} S1 CPU/msg ≤ 1.5× floor (no-op action + bare send)",
            f"{fmt(o_cpu)} vs {fmt(f_cpu)} ms ({fmt(o_cpu / f_cpu)}×)",
            o_cpu <= 1.5 * f_cpu,
        ),
    ]
    label = "no slower than" if s3_ratio == 1 else f"≤ 1/{s3_ratio} of"
    for key, variant in (("s3_wall_s", ""), ("s3n_wall_s", ", no handshake delay")):
        b3, o3 = med(rows[BUILTIN][key]), med(rows[OURS][key])
        lines.append(
            target_row(
                f"{scheme} S3 wall {label} built-in{variant}",
                f"{fmt(o3, 3)} vs {fmt(b3, 3)} s ({fmt(o3 / b3)}×)",
                o3 <= b3 / s3_ratio,
            )
        )
    req = max(rows[OURS]["s3_requests"])
    lines.append(
        target_row(f"{scheme} S3 fan-out in one request", f"{req} request(s)", req == 1)
    )
    peaks = {
        n: max(*r["s1_peak"], *r["s2_peak"], *r["s3_peak"], *r["s3n_peak"])
        for n, r in rows.items()
        if n.startswith("ours")
    }
    lines.append(
        target_row(
            f"{scheme} never more than 2 requests in flight (ours, S1–S3)",
            ", ".join(f"{n.split(' ', 1)[1]}: {p}" for n, p in peaks.items()),
            all(p <= 2 for p in peaks.values()),
        )
    )
    return lines
