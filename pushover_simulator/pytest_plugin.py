"""pytest plugin: the `pushover_sim` fixture (a started, demo-seeded simulator).

Register it with ``pytest_plugins = ["pushover_simulator.pytest_plugin"]`` in the
root conftest, or ``-p pushover_simulator.pytest_plugin``. Under pytest-socket (as
installed by pytest-homeassistant-custom-component) the fixture enables sockets for
the test through pytest-socket's ``socket_enabled`` fixture; host restrictions such
as "127.0.0.1 only" stay in force.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib

import pytest
import pytest_asyncio

from .server import PushoverSimulator


@contextlib.asynccontextmanager
async def running_simulator(
    host: str = "127.0.0.1", port: int = 0, *, seed: bool = True
) -> AsyncIterator[PushoverSimulator]:
    """Start a simulator (seeded by default), yield it, then stop it thoroughly."""
    sim = PushoverSimulator(seed=seed)
    await sim.start(host, port)
    try:
        yield sim
    finally:
        await sim.stop()


def enable_sockets(request: pytest.FixtureRequest) -> None:
    """Turn pytest-socket's blocking off for this test, if pytest-socket is active."""
    if request.config.pluginmanager.has_plugin("socket"):
        request.getfixturevalue("socket_enabled")


@pytest_asyncio.fixture
async def pushover_sim(
    request: pytest.FixtureRequest,
) -> AsyncIterator[PushoverSimulator]:
    """Yield a demo-seeded simulator on 127.0.0.1 (ephemeral port); `base_url` is set."""
    enable_sockets(request)
    async with running_simulator() as sim:
        yield sim
