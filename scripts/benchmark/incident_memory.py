"""Memory of open incidents (tracemalloc): paging, acknowledged and waiting, resolved.

A batch of 100 incidents of its own, with tracemalloc on from before they start to
after they are resolved; no CPU is measured meanwhile (tracemalloc slows what it traces).
The bench keeps nothing of them meanwhile (no list, no event listener), so what is
traced is Home Assistant's and the integration's.
"""

from __future__ import annotations

import gc
from typing import Any

from .alarm_kit import POLL_EVERY
from .alarm_memory import top_sites, traced
from .clock import VirtualClock
from .harness import Bench
from .incident_kit import (
    INCIDENT_COUNT,
    ack_ringing,
    resolve_tag,
    start_incidents,
    states_of,
)


async def incident_memory(b: Bench, clock: VirtualClock) -> dict[str, Any]:
    """Memory of 100 incidents: paging (step 1 out), acknowledged (waiting), resolved."""
    import tracemalloc

    prefix, tag = b.tag("incmem"), "benchincmem"
    gc.collect()
    tracemalloc.start()
    base = traced()
    await start_incidents(b, prefix, tag, INCIDENT_COUNT)
    paging = traced() - base
    await ack_ringing(b, prefix)
    await clock.advance(POLL_EVERY)
    await clock.advance(POLL_EVERY)
    acknowledged = traced() - base
    states = states_of(b, tag)
    resolved = await resolve_tag(b, tag)
    await clock.advance(POLL_EVERY)
    after = traced() - base
    _, peak = tracemalloc.get_traced_memory()
    sites = top_sites(tracemalloc.take_snapshot(), 3)
    tracemalloc.stop()
    return {
        "incidents": INCIDENT_COUNT,
        "paging_bytes": paging,
        "acknowledged_bytes": acknowledged,
        "acknowledged_states": states,
        "resolved": resolved,
        "after_resolve_bytes": after,
        "peak_bytes": peak - base,
        "left_by": sites,
    }
