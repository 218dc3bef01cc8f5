"""The Home Assistant worker process: one real instance, one scenario, results as JSON.

``python -m scripts.benchmark worker --sim URL --scenario LABEL --out FILE [--reps N]``
sets up a real Home Assistant (``bootstrap.async_setup_hass`` with
``HassEventLoopPolicy(debug=False)``: no asyncio debug mode, the 64-thread executor Home
Assistant runs with) in a temporary config directory, with ``http`` on a free
127.0.0.1 port, points our integration and the built-in's library at the simulator,
runs the scenario and writes what it returns (plus the instance's facts) to ``FILE``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
from pathlib import Path
import shutil
import tempfile
from typing import Any

from .common import REPO, free_port
from .control import SimControl
from .registry import scenario
from .scenario import Scenario, WorkerContext


def run_worker(args: argparse.Namespace) -> None:
    """Run one Home Assistant worker; write its results as JSON."""
    from homeassistant import runner

    asyncio.set_event_loop_policy(runner.HassEventLoopPolicy(False))
    result = asyncio.run(worker_main(args))
    Path(args.out).write_text(json.dumps(result, indent=1))


def worker_scenario(label: str, sim_url: str) -> Scenario:
    """Return the scenario asked for (``main``, the old name: the sends of the sim's scheme)."""
    if label == "main":
        label = "https" if sim_url.startswith("https") else "http"
    return scenario(label)


def ha_configuration(http_port: int) -> str:
    """Return the instance's configuration.yaml."""
    return (
        "homeassistant:\n"
        "  name: Bench\n  latitude: 52.37\n  longitude: 4.89\n  elevation: 0\n"
        "  unit_system: metric\n  time_zone: UTC\n  currency: EUR\n  country: NL\n"
        f"http:\n  server_host: 127.0.0.1\n  server_port: {http_port}\n"
        "logger:\n  default: error\n"
    )


async def start_hass(config_dir: Path, http_port: int) -> Any:
    """Set up a lean, real Home Assistant in ``config_dir``; return it."""
    from homeassistant import bootstrap, runner

    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / "pushover_complete").symlink_to(
        REPO / "custom_components" / "pushover_complete"
    )
    (config_dir / "configuration.yaml").write_text(ha_configuration(http_port))
    rc = runner.RuntimeConfig(
        config_dir=str(config_dir),
        skip_pip=True,
        log_file=str(config_dir / "home-assistant.log"),
    )
    # A lean instance: the core, http (for webhooks) and what the integrations need, not the
    # default set (frontend, cloud, backup, ...), whose package `hass_frontend` is not installed.
    bootstrap.DEFAULT_INTEGRATIONS = set()
    bootstrap.CRITICAL_INTEGRATIONS = set()
    hass = await bootstrap.async_setup_hass(rc)
    assert hass is not None, "Home Assistant did not set up"
    return hass


async def worker_main(args: argparse.Namespace) -> dict[str, Any]:
    """Set up Home Assistant against the simulator and run the scenario."""
    import aiohttp

    from homeassistant.util import ssl as ssl_util

    sim_url: str = args.sim
    chosen = worker_scenario(args.scenario, sim_url)
    os.environ["PUSHOVER_COMPLETE_API_URL"] = sim_url
    # The built-in's library, at the simulator (imported by name: it is untyped).
    builtin_lib = importlib.import_module("pushover_complete.pushover_api")
    setattr(builtin_lib, "PUSHOVER_API_URL", sim_url)  # noqa: B010
    config_dir = Path(tempfile.mkdtemp(prefix="pushover-bench-ha-"))
    http_port = free_port()
    hass = await start_hass(config_dir, http_port)
    result: dict[str, Any] = {
        "loop_debug": hass.loop.get_debug(),
        "executor_workers": getattr(
            getattr(hass.loop, "_default_executor", None), "_max_workers", None
        ),
        "http_port": http_port,
    }
    try:
        await hass.async_start()
        ssl_ctx = (
            ssl_util.get_default_context() if sim_url.startswith("https") else None
        )
        async with aiohttp.ClientSession() as ctl_session:
            ctl = SimControl(ctl_session, sim_url, ssl_ctx)
            await ctl.reset()
            ctx = WorkerContext(hass, ctl, sim_url, http_port, args.reps)
            result.update(await chosen.run(ctx))
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(hass.async_stop(), 30)
        shutil.rmtree(config_dir, ignore_errors=True)
    return result
