"""Shared measuring and formatting: CPU and wall windows, percentiles, the bench's users.

Every scenario measures the same way: ``gc.collect()`` before a window, CPU as
``time.process_time()`` of the Home Assistant process (all its threads), wall time as
``time.monotonic()`` (one clock for every process of the machine, so the worker can
compare its readings with the simulator's). Nothing here imports Home Assistant.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import gc
import math
import os
from pathlib import Path
import socket
import statistics
import time

REPO = Path(__file__).resolve().parent.parent.parent

N_RECIPIENTS = 10
WARMUP = 5
HOUR = 3600.0


def bench_user(i: int) -> str:
    """Return a 30-character user key for bench recipient ``i``."""
    return f"ubenchrecipient{i:02d}".ljust(30, "x")


RECEIVE_USER = "ubenchreceiver".ljust(30, "x")
OURS_ENTITIES = [f"notify.ours_{i + 1:02d}" for i in range(N_RECIPIENTS)]
ALL_USERS = ",".join(bench_user(i) for i in range(N_RECIPIENTS))


@dataclass
class Window:
    """What one measured window cost: CPU (all threads) and wall time, in seconds."""

    cpu: float = 0.0
    wall: float = 0.0


@contextlib.contextmanager
def measured() -> Iterator[Window]:
    """Measure the block: collect garbage first, then CPU and wall time."""
    gc.collect()
    window = Window()
    c0, w0 = time.process_time(), time.monotonic()
    try:
        yield window
    finally:
        window.cpu = time.process_time() - c0
        window.wall = time.monotonic() - w0


def pct(values: list[float], q: float) -> float:
    """Return the ``q`` quantile of ``values`` (linear interpolation)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def med(values: list[float] | None) -> float:
    """Return the median, NaN for none."""
    return statistics.median(values) if values else float("nan")


def fmt(v: float, digits: int = 2) -> str:
    """Format a number; an em dash for NaN."""
    if math.isnan(v):
        return "—"
    return f"{v:.{digits}f}"


def ms_stats(values: list[float]) -> str:
    """Return "median X ms, p95 Y ms (n = N)" for values in seconds."""
    return (
        f"median {fmt(med(values) * 1000, 1)} ms, p95 {fmt(pct(values, 0.95) * 1000, 1)} "
        f"ms (n = {len(values)})"
    )


def rss_bytes() -> int:
    """Return this process's resident set size."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
