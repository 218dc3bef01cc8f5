"""A virtual clock for Home Assistant: an hour of timers run in seconds, for real.

Used by the alarms scenario; any scenario that must let Home Assistant time pass
(polls, re-pages, steps) can use it the same way: ``install()``, ``advance(s)`` in
steps no larger than the shortest timer, ``uninstall()``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import time
from typing import Any


class VirtualClock:
    """Home Assistant's clocks, run ahead of the real ones by an offset the bench raises.

    ``time.time``, ``dt_util.utcnow``, the event helpers' ``time_tracker_*`` and
    the event loop's ``time()`` all read real time plus ``offset``, so timers
    (``async_call_later``, ``async_track_point_in_utc_time``) fall due as the
    offset grows, and what they compare against agrees. ``time.monotonic()``
    and ``time.process_time()`` stay real.
    """

    def __init__(self, hass: Any) -> None:
        """Remember the real clocks."""
        from homeassistant.helpers import event as event_helper
        from homeassistant.util import dt as dt_util

        self.hass = hass
        self.offset = 0.0
        self._event = event_helper
        self._dt = dt_util
        self._saved = (
            time.time,
            dt_util.utcnow,
            event_helper.time_tracker_utcnow,
            event_helper.time_tracker_timestamp,
        )
        self._real_time = time.time
        self._real_loop_time = hass.loop.time

    def timestamp(self) -> float:
        """Return the virtual time (seconds since the epoch)."""
        return self._real_time() + self.offset

    def utcnow(self) -> datetime:
        """Return the virtual time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def loop_time(self) -> float:
        """Return the event loop's virtual time."""
        return float(self._real_loop_time()) + self.offset

    def _set(self, clocks: tuple[Any, Any, Any, Any]) -> None:
        # setattr: mypy refuses assigning to a module's functions.
        setattr(time, "time", clocks[0])  # noqa: B010
        setattr(self._dt, "utcnow", clocks[1])  # noqa: B010
        setattr(self._event, "time_tracker_utcnow", clocks[2])  # noqa: B010
        setattr(self._event, "time_tracker_timestamp", clocks[3])  # noqa: B010

    def install(self) -> None:
        """Make Home Assistant read the virtual clocks."""
        self._set((self.timestamp, self.utcnow, self.utcnow, self.timestamp))
        self.hass.loop.time = self.loop_time

    def uninstall(self) -> None:
        """Give Home Assistant its real clocks back."""
        self._set(self._saved)
        del self.hass.loop.time

    async def advance(self, seconds: float) -> None:
        """Move the clocks ``seconds`` ahead; wait until what fell due has finished."""
        self.offset += seconds
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await self.hass.async_block_till_done()
