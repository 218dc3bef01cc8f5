"""Memory of open alarms (tracemalloc): steps out, after an hour, after they end.

No CPU is measured while tracemalloc is on (it slows everything it traces).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from .alarm_kit import (
    ALARM_AFTER,
    ALARM_COUNT,
    POLL_EVERY,
    cancel_tag,
    open_receipts,
    start_alarms,
)
from .clock import VirtualClock
from .common import HOUR
from .harness import Bench


async def alarm_memory(b: Bench, clock: VirtualClock) -> dict[str, Any]:
    """Memory (tracemalloc) of 100 alarms: steps out, after an hour, after they end.

    A second 100 are then started and ended at once: what the first left
    behind should not grow with them.
    """
    import tracemalloc

    prefix, tag = b.tag("alarm", "mem"), "benchmem"
    gc.collect()
    tracemalloc.start()
    base = traced()
    await start_alarms(b, prefix, tag, ALARM_COUNT)
    steps_out = round(ALARM_AFTER[-1] / POLL_EVERY) + 1
    for _ in range(steps_out):
        await clock.advance(POLL_EVERY)
    open_bytes = traced() - base
    receipts_open = len(open_receipts(b))
    for _ in range(round(HOUR / POLL_EVERY) - steps_out):
        await clock.advance(POLL_EVERY)
    hour_bytes = traced() - base
    _, peak = tracemalloc.get_traced_memory()
    await cancel_tag(b, tag)
    await clock.advance(POLL_EVERY)
    after_bytes = traced() - base
    await start_alarms(b, prefix + "again-", tag, ALARM_COUNT)
    await cancel_tag(b, tag)
    await clock.advance(POLL_EVERY)
    again_bytes = traced() - base
    sites = top_sites(tracemalloc.take_snapshot())
    tracemalloc.stop()
    return {
        "alarms": ALARM_COUNT,
        "open_receipts": receipts_open,
        "retained_bytes": open_bytes,
        "hour_bytes": hour_bytes,
        "peak_bytes": peak - base,
        "after_end_bytes": after_bytes,
        "after_second_bytes": again_bytes,
        "left_by": sites,
    }


def traced() -> int:
    """Return the memory tracemalloc sees in use, after a full collection."""
    import tracemalloc

    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def top_sites(snapshot: Any, count: int = 5) -> list[str]:
    """Return the lines that hold the most of what is traced (file:line, KiB)."""
    import tracemalloc

    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    stats = snapshot.statistics("lineno")[:count]
    return [
        f"{Path(s.traceback[0].filename).name}:{s.traceback[0].lineno} "
        f"{s.size / 1024:.0f} KiB"
        for s in stats
    ]
