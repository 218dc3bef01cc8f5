"""Tasks an entry's tracker runs, and cancels at once when the entry unloads."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from homeassistant.core import HomeAssistant, callback

from .data import PushoverCompleteConfigEntry


class EntryTasks:
    """The running tasks of one tracker of an entry."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Run nothing yet."""
        self.hass = hass
        self.entry = entry
        self._tasks: set[asyncio.Task[Any]] = set()

    @callback
    def async_run(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run ``coro`` as a task of the entry until it ends or is canceled."""
        task = self.entry.async_create_task(self.hass, coro, name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def async_cancel(self) -> None:
        """Cancel every running task and wait until each has ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
