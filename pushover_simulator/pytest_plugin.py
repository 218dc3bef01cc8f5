"""pytest plugin: the `pushover_sim` fixture (a started, demo-seeded simulator)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .state import PushoverSimulator


@pytest_asyncio.fixture
async def pushover_sim() -> AsyncIterator[PushoverSimulator]:
    """A demo-seeded simulator on 127.0.0.1 (ephemeral port); `base_url` is set."""
    sim = PushoverSimulator()
    await sim.start("127.0.0.1", 0)
    try:
        yield sim
    finally:
        await sim.stop()
