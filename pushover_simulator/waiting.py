"""Waiting on the simulator: change notifications, `wait_until` and stop-aware pauses.

Nothing here sleeps past `stop()`: pauses end early once the simulator is stopping,
so hangs, latencies and callback retries never outlive it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib


class WaitingMixin:
    """Wake-ups and pauses (part of `SimulatorState`)."""

    _stopping: asyncio.Event
    _watchers: set[asyncio.Future[None]]

    def notify_change(self) -> None:
        """Wake `wait_until` callers to check their condition again."""
        for future in self._watchers:
            if not future.done():
                future.set_result(None)

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until `predicate()` holds (wrap in a timeout).

        It is checked again whenever an API request starts or ends, a receipt is
        acknowledged, a callback is attempted or a push connection opens or closes.
        """
        while not predicate():
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._watchers.add(future)
            try:
                await future
            finally:
                self._watchers.discard(future)

    async def pause(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if the simulator is stopping."""
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)

    @property
    def stopping(self) -> bool:
        """Return True once stop() has begun."""
        return self._stopping.is_set()

    def resume(self) -> None:
        """Clear the stopping flag so that pauses wait again (before serving)."""
        self._stopping = asyncio.Event()
