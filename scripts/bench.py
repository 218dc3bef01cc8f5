"""Benchmark: Pushover Complete vs Home Assistant's built-in `pushover` vs a bare aiohttp floor.

Run it through ``scripts/bench`` (it prepares the environment). This one file has three modes:

* ``bench.py [--reps N] [--out FILE] [--only ...]`` — the orchestrator: makes a throw-away CA
  (trustme), starts two simulator processes (plain HTTP and HTTPS, both on 127.0.0.1), runs one
  Home Assistant worker process per protocol plus one each for the extra measurements, the
  alarms and receiving, prints a Markdown report and writes it to ``bench-results.md``. It stops
  everything it started.
* ``bench.py sim [--cert PEM --key PEM]`` — a seeded Pushover simulator (the project's own
  ``pushover_simulator``) with ten extra recipients, a user for the receiving device and the
  control endpoints of its own under ``/_bench/``. Prints ``READY <base url>``.
* ``bench.py worker --sim URL --phases main|extra|alarms|receive --out FILE`` — a real Home
  Assistant instance (``bootstrap.async_setup_hass`` with ``HassEventLoopPolicy(debug=False)``:
  no asyncio debug mode, the 64-thread executor Home Assistant runs with) in a temporary config
  directory, with ``http`` on a free 127.0.0.1 port. It writes its results as JSON.

Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gc
import importlib
import json
import math
import os
from pathlib import Path
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

N_RECIPIENTS = 10
S1_COUNT = 200
S2_COUNT = 100
LATENCY = 0.050
BURST_COUNT = 1000
BURST_LATENCY = 0.020
OUTBOX_COUNT = 10_000
OUTBOX_TIME_BOX = 120.0
WARMUP = 5

ALARM_COUNT = 100
ALARM_AFTER = (0, 300, 600)
ALARM_EXPIRE = 3600
ALARM_RETRY = 60
HOUR = 3600.0
# Our receipt polls (contract §5): every 10 s without a callback, every 60 s with one.
POLL_EVERY = 10.0
POLL_EVERY_CALLBACK = 60.0

RECEIVE_COUNT = 200
RECEIVE_INTERVAL = 0.05
RECEIVE_DEVICE = "benchha"
KEEPALIVE_REAL = 30.0  # the simulator's default; Pushover does not document its own
KEEPALIVE_FAST = 0.02
IDLE_WINDOW = 15.0

type Send = Callable[[str], Awaitable[Any]]
type Rows = dict[str, dict[str, list[Any]]]


def bench_user(i: int) -> str:
    """Return a 30-character user key for bench recipient ``i``."""
    return f"ubenchrecipient{i:02d}".ljust(30, "x")


RECEIVE_USER = "ubenchreceiver".ljust(30, "x")


# Simulator mode.


class SimTimings:
    """When things happen at the simulator, in ``time.monotonic()``.

    That clock (CLOCK_MONOTONIC) is one for every process of a Linux machine,
    so the Home Assistant worker can compare its own readings with these.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.clear()

    def clear(self) -> None:
        """Forget every time and count."""
        self.ack_answered: dict[str, float] = {}
        self.canceled: dict[str, float] = {}
        self.callback_sent: dict[str, float] = {}
        self.accepted: dict[str, float] = {}
        self.receipt_checks = 0
        self.cancel_posts = 0
        self.message_posts = 0
        self.other_requests = 0
        self.keepalives = 0

    def as_json(self) -> dict[str, Any]:
        """Return everything noted."""
        return dict(vars(self))

    def note(self, sim: Any, method: str, path: str, params: dict[str, Any]) -> None:
        """Note an answered /1/ request."""
        now = time.monotonic()
        if path == "/1/messages.json" and method == "POST":
            self.message_posts += 1
            self.accepted.setdefault(str(params.get("message", "")), now)
        elif path.startswith("/1/receipts/") and path.endswith("/cancel.json"):
            self.cancel_posts += 1
            self.canceled.setdefault(path.split("/")[3], now)
        elif path.startswith("/1/receipts/") and method == "GET":
            self.receipt_checks += 1
            receipt = path.removeprefix("/1/receipts/").removesuffix(".json")
            rec = sim.receipts.get(receipt)
            if rec is not None and rec.acknowledged:
                self.ack_answered.setdefault(receipt, now)
        else:
            self.other_requests += 1


def bench_middleware(sim: Any, timings: SimTimings) -> Any:
    """Note the time of every /1/ request the simulator answered with success."""
    from aiohttp import web

    from pushover_simulator.responses import PARAMS

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        if request.path.startswith("/1/") and response.status == 200:
            timings.note(sim, request.method, request.path, PARAMS.get({}))
        return response

    return middleware


def count_keepalives(timings: SimTimings) -> None:
    """Count the push keep-alive frames the simulator sends (this process only)."""
    from aiohttp import web

    original = web.WebSocketResponse.send_str

    async def send_str(
        self: web.WebSocketResponse, data: str, compress: int | None = None
    ) -> None:
        if data == "#":
            timings.keepalives += 1
        await original(self, data, compress)

    web.WebSocketResponse.send_str = send_str  # type: ignore[method-assign]  # bench-only counter


class BenchRoutes:
    """The simulator's /_bench/ endpoints."""

    def __init__(self, sim: Any, timings: SimTimings) -> None:
        """Bind to ``sim``."""
        self.sim = sim
        self.timings = timings
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, app: Any) -> None:
        """Register the endpoints."""
        router = app.router
        router.add_get("/_bench/counters", self.counters)
        router.add_post("/_bench/ack", self.ack)
        router.add_get("/_bench/receipts", self.receipts)
        router.add_get("/_bench/timings", self.get_timings)
        router.add_post("/_bench/forget", self.forget)
        router.add_post("/_bench/device", self.device)
        router.add_post("/_bench/send_paced", self.send_paced)
        router.add_post("/_bench/keepalive", self.keepalive)
        router.add_get("/_bench/push", self.push)

    async def counters(self, request: Any) -> Any:
        """Answer what arrived for messages starting with ``prefix``."""
        from aiohttp import web

        return web.json_response(
            sim_counters(self.sim, request.query.get("prefix", ""))
        )

    async def ack(self, request: Any) -> Any:
        """Acknowledge a receipt as its first user (fires its callback)."""
        from aiohttp import web

        data = await request.json()
        self.sim.acknowledge(str(data["receipt"]))
        return web.json_response({"status": 1})

    async def receipts(self, request: Any) -> Any:
        """List the receipts of messages starting with ``prefix``."""
        from aiohttp import web

        prefix = request.query.get("prefix", "")
        return web.json_response(
            [
                {
                    "receipt": r.receipt,
                    "message": r.message,
                    "users": r.users,
                    "acknowledged": r.acknowledged,
                    "canceled": r.canceled,
                }
                for r in self.sim.receipts.values()
                if r.message.startswith(prefix)
            ]
        )

    async def get_timings(self, request: Any) -> Any:
        """Answer the noted times and counts."""
        from aiohttp import web

        return web.json_response(self.timings.as_json())

    async def forget(self, request: Any) -> Any:
        """Forget noted times and the request log (keeps receipts and devices)."""
        from aiohttp import web

        self.timings.clear()
        self.sim.requests.clear()
        return web.json_response({"status": 1})

    async def device(self, request: Any) -> Any:
        """Register an Open Client device for ``user``; answer its id and secret."""
        from aiohttp import web

        data = await request.json()
        device, secret = self.sim.add_open_client_device(
            str(data["user"]), str(data["name"])
        )
        return web.json_response({"device_id": device.id, "secret": secret})

    async def send_paced(self, request: Any) -> Any:
        """Send ``count`` messages to ``user``, one every ``interval`` s, from here."""
        from aiohttp import web

        data = await request.json()
        task = asyncio.get_running_loop().create_task(
            self._send_paced(
                int(data["count"]),
                float(data["interval"]),
                str(data["prefix"]),
                str(data["user"]),
            )
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"status": 1})

    async def _send_paced(
        self, count: int, interval: float, prefix: str, user: str
    ) -> None:
        import aiohttp

        from pushover_simulator import DEMO_TOKEN

        url = str(self.sim.base_url) + "messages.json"
        async with aiohttp.ClientSession() as session:
            for k in range(count):
                form = {"token": DEMO_TOKEN, "user": user, "message": f"{prefix}{k}"}
                async with session.post(url, data=form, ssl=False) as resp:
                    await resp.read()
                await asyncio.sleep(interval)

    async def keepalive(self, request: Any) -> Any:
        """Set the push keep-alive interval; wake every connection so it applies now."""
        from aiohttp import web

        data = await request.json()
        self.sim.keepalive_interval = float(data["interval"])
        for device_id in list(self.sim.open_client.channels):
            self.sim.push_frame(device_id, "#")
        return web.json_response({"status": 1})

    async def push(self, request: Any) -> Any:
        """Answer how many push connections are open and keep-alives were sent."""
        from aiohttp import web

        return web.json_response(
            {
                "connections": self.sim.push_connections(),
                "keepalives": self.timings.keepalives,
            }
        )


def sim_counters(sim: Any, prefix: str) -> dict[str, Any]:
    """Count what arrived at ``sim`` for messages starting with ``prefix``."""
    texts: dict[tuple[str, str], int] = {}
    requests_with_prefix = 0
    for msg in sim.messages:
        text = str(msg.get("message", ""))
        if not text.startswith(prefix):
            continue
        requests_with_prefix += 1
        for user in msg.get("users", []):
            texts[(text, user)] = texts.get((text, user), 0) + 1
    posts = sum(1 for r in sim.requests if r["path"].endswith("/messages.json"))
    return {
        "accepted_requests": requests_with_prefix,
        "deliveries": sum(texts.values()),
        "distinct_deliveries": len(texts),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
        "message_posts": posts,
        "requests": len(sim.requests),
        "peak_in_flight": sim.peak_in_flight,
        "in_flight": sim.in_flight,
        "connections_opened": sim.connections_opened,
        "receipts": list(sim.receipts),
    }


def make_bench_sim() -> Any:
    """Return a simulator seeded with the bench's users and an endless quota."""
    from pushover_simulator import PushoverSimulator

    class BenchSimulator(PushoverSimulator):
        def seed_demo(self) -> None:
            super().seed_demo()
            for i in range(N_RECIPIENTS):
                self.add_user(bench_user(i), devices=["phone"])
            self.add_user(RECEIVE_USER, devices=[])
            self.set_quota(10**9)

    return BenchSimulator()


def server_ssl(cert: str | None, key: str | None) -> Any:
    """Return the server's TLS context, or None for plain HTTP."""
    if not cert:
        return None
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def serve_sim(cert: str | None, key: str | None) -> None:
    """Serve the bench simulator on 127.0.0.1 until SIGINT or SIGTERM."""
    import aiohttp
    from aiohttp import web

    from pushover_simulator.app import create_app

    sim = make_bench_sim()
    timings = SimTimings()
    app = create_app(sim)
    app.middlewares.append(bench_middleware(sim, timings))
    BenchRoutes(sim, timings).add(app)
    count_keepalives(timings)
    async with aiohttp.ClientSession() as callback_session:

        async def send_callback(url: str, payload: dict[str, str]) -> int:
            timings.callback_sent.setdefault(payload["receipt"], time.monotonic())
            async with callback_session.post(url, data=payload) as resp:
                await resp.read()
                return resp.status

        sim.callback_sender = send_callback
        ssl_context = server_ssl(cert, key)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context).start()
        sim._runner = runner
        port = runner.addresses[0][1]
        sim.base_url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}/1/"
        print(f"READY {sim.base_url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await sim.stop()


def run_sim(args: argparse.Namespace) -> None:
    """Serve a seeded simulator (plus the bench users) until SIGTERM."""
    asyncio.run(serve_sim(args.cert, args.key))


# Worker mode.


class SimControl:
    """The simulator's control endpoints (plain HTTP or HTTPS, 127.0.0.1 only)."""

    def __init__(self, session: Any, base_url: str, ssl_ctx: Any) -> None:
        """Talk to the simulator at ``base_url``."""
        self.session = session
        self.root = base_url.removesuffix("1/")
        self.ssl = ssl_ctx

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        async with self.session.request(
            method, self.root + path, ssl=self.ssl, **kw
        ) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def reset(self, latency: float = 0.0, connect_latency: float = 0.0) -> None:
        """Forget everything and set the added latencies."""
        await self._call("POST", "_sim/reset")
        await self._call(
            "POST",
            "_sim/latency",
            json={"latency": latency, "connect_latency": connect_latency},
        )

    async def fault(self, path: str, kind: str, count: int) -> None:
        """Make ``path`` fail ``count`` times with ``kind``."""
        await self._call(
            "POST", "_sim/fault", json={"path": path, "kind": kind, "count": count}
        )

    async def counters(self, prefix: str = "") -> dict[str, Any]:
        """Return what arrived for messages starting with ``prefix``."""
        answer: dict[str, Any] = await self._call(
            "GET", "_bench/counters", params={"prefix": prefix}
        )
        return answer

    async def ack(self, receipt: str) -> None:
        """Acknowledge ``receipt`` at the simulator."""
        await self._call("POST", "_bench/ack", json={"receipt": receipt})

    async def receipts(self, prefix: str) -> list[dict[str, Any]]:
        """Return the receipts of messages starting with ``prefix``."""
        answer: list[dict[str, Any]] = await self._call(
            "GET", "_bench/receipts", params={"prefix": prefix}
        )
        return answer

    async def timings(self) -> dict[str, Any]:
        """Return the simulator's noted times and counts."""
        answer: dict[str, Any] = await self._call("GET", "_bench/timings")
        return answer

    async def forget(self) -> None:
        """Clear the simulator's noted times and request log."""
        await self._call("POST", "_bench/forget")

    async def device(self, user: str, name: str) -> dict[str, str]:
        """Register an Open Client device; return its id and secret."""
        answer: dict[str, str] = await self._call(
            "POST", "_bench/device", json={"user": user, "name": name}
        )
        return answer

    async def send_paced(
        self, count: int, interval: float, prefix: str, user: str
    ) -> None:
        """Have the simulator send ``count`` messages to ``user`` (from its process)."""
        await self._call(
            "POST",
            "_bench/send_paced",
            json={
                "count": count,
                "interval": interval,
                "prefix": prefix,
                "user": user,
            },
        )

    async def keepalive(self, interval: float) -> None:
        """Set the push keep-alive interval."""
        await self._call("POST", "_bench/keepalive", json={"interval": interval})

    async def push(self) -> dict[str, int]:
        """Return open push connections and keep-alives sent."""
        answer: dict[str, int] = await self._call("GET", "_bench/push")
        return answer


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    """Return the ``q`` quantile of ``values`` (linear interpolation)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def rss_bytes() -> int:
    """Return this process's resident set size."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def run_worker(args: argparse.Namespace) -> None:
    """Run one Home Assistant worker; write its results as JSON."""
    from homeassistant import runner

    asyncio.set_event_loop_policy(runner.HassEventLoopPolicy(False))
    result = asyncio.run(worker_main(args))
    Path(args.out).write_text(json.dumps(result, indent=1))


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


def config_entry(
    domain: str,
    title: str,
    data: dict[str, Any],
    *,
    unique_id: str | None = None,
    subentries: list[dict[str, Any]] | None = None,
) -> Any:
    """Return a config entry as a flow would create it."""
    from types import MappingProxyType

    from homeassistant.config_entries import ConfigEntry

    return ConfigEntry(
        domain=domain,
        title=title,
        data=data,
        options={},
        source="user",
        unique_id=unique_id,
        version=1,
        minor_version=1,
        discovery_keys=MappingProxyType({}),
        subentries_data=subentries,  # type: ignore[arg-type]  # plain dicts, as stored
    )


def recipient_subentries() -> list[dict[str, Any]]:
    """Return our ten recipients (``notify.ours_01`` … ``notify.ours_10``)."""
    return [
        {
            "subentry_type": "recipient",
            "title": f"Ours {i + 1:02d}",
            "data": {"user_key": bench_user(i), "devices": []},
            "unique_id": None,
        }
        for i in range(N_RECIPIENTS)
    ]


async def add_entries(
    hass: Any, *, builtin: bool, device: dict[str, Any] | None = None
) -> Any:
    """Add our entry (ten recipients, maybe a device) and the built-in's ten; return ours."""
    from homeassistant.config_entries import ConfigEntryState
    from pushover_simulator import DEMO_TOKEN

    subentries = recipient_subentries()
    if device is not None:
        subentries.append(device)
    ours = config_entry(
        "pushover_complete",
        "Bench",
        {"api_key": DEMO_TOKEN, "webhook_id": "benchwebhook" + "0" * 52},
        unique_id="bench",
        subentries=subentries,
    )
    await hass.config_entries.async_add(ours)
    for i in range(N_RECIPIENTS if builtin else 0):
        name = f"Builtin {i + 1:02d}"
        await hass.config_entries.async_add(
            config_entry(
                "pushover",
                name,
                {"api_key": DEMO_TOKEN, "user_key": bench_user(i), "name": name},
            )
        )
    await hass.async_block_till_done()
    assert ours.state is ConfigEntryState.LOADED, ours.state
    for i in range(N_RECIPIENTS):
        assert hass.states.get(f"notify.ours_{i + 1:02d}") is not None
        assert hass.services.has_service("notify", f"ours_{i + 1:02d}")
        assert not builtin or hass.services.has_service(
            "notify", f"builtin_{i + 1:02d}"
        )
    return ours


OURS_ENTITIES = [f"notify.ours_{i + 1:02d}" for i in range(N_RECIPIENTS)]
ALL_USERS = ",".join(bench_user(i) for i in range(N_RECIPIENTS))


@dataclass
class Bench:
    """One worker's Home Assistant, our entry and the simulator's controls."""

    hass: Any
    ctl: SimControl
    ours: Any
    http_port: int
    scheme: str
    run_id: int = field(default_factory=lambda: random.randrange(10**6))

    def tag(self, *parts: Any) -> str:
        """Return a message prefix unique to this run and ``parts``."""
        return "b" + "-".join(str(p) for p in (self.run_id, *parts)) + "-"

    async def check(self, prefix: str, expected: int) -> dict[str, Any]:
        """Count at the simulator what arrived of ``expected`` messages."""
        # Let anything still on its way arrive (none should: every client waits).
        for _ in range(50):
            c = await self.ctl.counters(prefix)
            if c["distinct_deliveries"] >= expected and c["in_flight"] == 0:
                break
            await asyncio.sleep(0.05)
        c["missing"] = expected - c["distinct_deliveries"]
        return c

    async def call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Call an action and wait for it."""
        await self.hass.services.async_call(domain, service, data, blocking=True)

    async def send_ours(self, text: str, **extra: Any) -> Any:
        """Send through ``pushover_complete.send_message``; return its response."""
        return await self.hass.services.async_call(
            "pushover_complete",
            "send_message",
            {"entity_id": OURS_ENTITIES[0], "message": text, **extra},
            blocking=True,
            return_response=True,
        )


class Floor:
    """A bare aiohttp sender in Home Assistant's loop: at most 2 in flight, keep-alive."""

    def __init__(self, sim_url: str) -> None:
        """Open the session (Home Assistant's default TLS context)."""
        import aiohttp

        from homeassistant.util import ssl as ssl_util

        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl_util.get_default_context())
        )
        self.sem = asyncio.Semaphore(2)
        self.url = sim_url + "messages.json"

    async def send(self, text: str, users: str = bench_user(0)) -> None:
        """Send one message the shortest way a compliant client can."""
        from pushover_simulator import DEMO_TOKEN

        async with (
            self.sem,
            self.session.post(
                self.url, data={"token": DEMO_TOKEN, "user": users, "message": text}
            ) as resp,
        ):
            body = await resp.json()
        if resp.status != 200 or body.get("status") != 1:
            raise RuntimeError(f"floor send failed: {resp.status} {body}")

    def register_noop_action(self, hass: Any) -> None:
        """Register ``bench.noop_send``: a Home Assistant action around :meth:`send`."""
        import voluptuous as vol

        from homeassistant.core import ServiceCall
        from homeassistant.helpers import config_validation as cv

        async def handler(call: ServiceCall) -> None:
            await self.send(call.data["message"], call.data.get("user", bench_user(0)))

        hass.services.async_register(
            "bench",
            "noop_send",
            handler,
            schema=vol.Schema(
                {vol.Required("message"): cv.string, vol.Optional("user"): cv.string}
            ),
        )


def parallel(action: str) -> list[dict[str, Any]]:
    """Return a script that runs ``action`` (``{i}`` numbered) for every recipient."""
    return [
        {
            "parallel": [
                {
                    "action": action.format(i=f"{i + 1:02d}"),
                    "data": {"message": "{{ text }}"},
                }
                for i in range(N_RECIPIENTS)
            ]
        }
    ]


def to_all(action: str) -> list[dict[str, Any]]:
    """Return a script that runs ``action`` once with every recipient as target."""
    return [
        {
            "action": action,
            "target": {"entity_id": OURS_ENTITIES},
            "data": {"message": "{{ text }}"},
        }
    ]


BUILTIN = "built-in `notify.<name>`"
OURS = "ours `pushover_complete.send_message`"
OURS_NOTIFY = "ours `notify.send_message`"
OURS_LEGACY = "ours legacy `notify.<recipient>`"
FLOOR = "floor: bare aiohttp"
FLOOR_ACTION = "floor: no-op HA action + bare aiohttp"


@dataclass
class Clients:
    """The compared senders: one message each (S1, S2), ten recipients (S3)."""

    sends: dict[str, Send]
    scripts: dict[str, Any]
    floor: Floor

    async def run_s3(self, name: str, text: str) -> None:
        """Notify the ten recipients once, the way ``name`` does it."""
        from homeassistant.core import Context

        if name in self.scripts:
            await self.scripts[name].async_run({"text": text}, context=Context())
        else:
            await self.floor.send(text, ALL_USERS)


def make_clients(b: Bench, floor: Floor) -> Clients:
    """Return the six compared senders and their S3 scripts ("one automation")."""
    from homeassistant.helpers import config_validation as cv
    from homeassistant.helpers.script import Script

    sends: dict[str, Send] = {
        BUILTIN: lambda t: b.call("notify", "builtin_01", {"message": t}),
        OURS: lambda t: b.call(
            "pushover_complete",
            "send_message",
            {"entity_id": OURS_ENTITIES[0], "message": t},
        ),
        OURS_NOTIFY: lambda t: b.call(
            "notify", "send_message", {"entity_id": OURS_ENTITIES[0], "message": t}
        ),
        OURS_LEGACY: lambda t: b.call("notify", "ours_01", {"message": t}),
        FLOOR: floor.send,
        FLOOR_ACTION: lambda t: b.call("bench", "noop_send", {"message": t}),
    }
    sequences: dict[str, list[dict[str, Any]]] = {
        BUILTIN: parallel("notify.builtin_{i}"),
        OURS: to_all("pushover_complete.send_message"),
        OURS_NOTIFY: to_all("notify.send_message"),
        OURS_LEGACY: parallel("notify.ours_{i}"),
        # FLOOR: one request with ten users (no script)
        FLOOR_ACTION: [
            {
                "action": "bench.noop_send",
                "data": {"message": "{{ text }}", "user": ALL_USERS},
            }
        ],
    }
    scripts = {
        name: Script(b.hass, cv.SCRIPT_SCHEMA(seq), f"bench {name}", "bench")
        for name, seq in sequences.items()
    }
    return Clients(sends, scripts, floor)


async def worker_main(args: argparse.Namespace) -> dict[str, Any]:
    """Set up Home Assistant against the simulator and run the asked phases."""
    import aiohttp

    from homeassistant.util import ssl as ssl_util

    sim_url: str = args.sim
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
            result.update(await run_phases(hass, ctl, args, sim_url, http_port))
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(hass.async_stop(), 30)
        shutil.rmtree(config_dir, ignore_errors=True)
    return result


async def run_phases(
    hass: Any, ctl: SimControl, args: argparse.Namespace, sim_url: str, http_port: int
) -> dict[str, Any]:
    """Add the entries each phase needs and run the phases."""
    phases = set(args.phases.split(","))
    if "receive" in phases:
        return {"receive": await receive_phase(hass, ctl, http_port)}
    builtin = bool(phases & {"main", "profile", "extra"})
    ours = await add_entries(hass, builtin=builtin)
    scheme = "https" if sim_url.startswith("https") else "http"
    b = Bench(hass, ctl, ours, http_port, scheme)
    out: dict[str, Any] = {"scheme": scheme}
    if "alarms" in phases:
        out["alarms"] = await alarms_phase(b)
    if not builtin:
        return out
    floor = Floor(sim_url)
    floor.register_noop_action(hass)
    try:
        clients = make_clients(b, floor)
        if "main" in phases:
            out["connect_latency"] = LATENCY * handshake_rtts(scheme)
            out["rows"] = await main_phase(b, clients, args.reps)
        if "profile" in phases:
            out["profile"] = await profile(b, clients.sends)
        if "extra" in phases:
            out["extra"] = await extras(b)
    finally:
        await floor.session.close()
    return out


def handshake_rtts(scheme: str) -> int:
    """Return the round trips of a new connection: TCP, plus TLS over HTTPS."""
    return 2 if scheme == "https" else 1


# The main phase: S1, S2, S3 for every sender.


async def main_phase(b: Bench, clients: Clients, reps: int) -> Rows:
    """Warm every sender up, then run S1, S2, S3 ``reps`` times, order rotated."""
    names = list(clients.sends)
    await b.ctl.reset()
    for ci, name in enumerate(names):
        for k in range(WARMUP):
            await clients.sends[name](f"{b.tag('warm', ci)}{k}")
        await clients.run_s3(name, f"{b.tag('warm3', ci)}")
    await b.hass.async_block_till_done()
    rows: Rows = {n: {} for n in names}
    scenarios = (("s1", s1), ("s2", s2), ("s3", s3), ("s3n", s3_no_handshake))
    for rep in range(reps):
        shift = rep % len(names)
        order = names[shift:] + names[:shift]
        for key, scenario in scenarios:
            for ci, name in enumerate(order):
                values = await scenario(b, clients, name, b.tag(key, rep, ci))
                for metric, value in values.items():
                    rows[name].setdefault(metric, []).append(value)
    return rows


async def s1(b: Bench, clients: Clients, name: str, prefix: str) -> dict[str, Any]:
    """S1: sequential sends, no added latency."""
    await b.ctl.reset()
    send = clients.sends[name]
    lat: list[float] = []
    gc.collect()
    c0, w0 = time.process_time(), time.monotonic()
    for k in range(S1_COUNT):
        t = time.monotonic()
        await send(f"{prefix}{k}")
        lat.append(time.monotonic() - t)
    await b.hass.async_block_till_done()
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    cnt = await b.check(prefix, S1_COUNT)
    return {
        "s1_median_ms": statistics.median(lat) * 1000,
        "s1_p95_ms": pct(lat, 0.95) * 1000,
        "s1_cpu_ms": cpu / S1_COUNT * 1000,
        "s1_wall_s": wall,
        "s1_missing": cnt["missing"],
        "s1_dups": cnt["duplicates"],
        "s1_conns": cnt["connections_opened"],
        "s1_peak": cnt["peak_in_flight"],
    }


async def s2(b: Bench, clients: Clients, name: str, prefix: str) -> dict[str, Any]:
    """S2: a burst of 100 sends to one recipient, 50 ms latency."""
    await b.ctl.reset(LATENCY, LATENCY * handshake_rtts(b.scheme))
    send = clients.sends[name]
    gc.collect()
    c0, w0 = time.process_time(), time.monotonic()
    await asyncio.gather(*(send(f"{prefix}{k}") for k in range(S2_COUNT)))
    await b.hass.async_block_till_done()
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    cnt = await b.check(prefix, S2_COUNT)
    return {
        "s2_wall_s": wall,
        "s2_cpu_ms": cpu / S2_COUNT * 1000,
        "s2_peak": cnt["peak_in_flight"],
        "s2_conns": cnt["connections_opened"],
        "s2_missing": cnt["missing"],
        "s2_dups": cnt["duplicates"],
    }


async def s3(b: Bench, clients: Clients, name: str, prefix: str) -> dict[str, Any]:
    """S3: one automation notifying ten recipients, 50 ms latency."""
    await b.ctl.reset(LATENCY, LATENCY * handshake_rtts(b.scheme))
    gc.collect()
    c0, w0 = time.process_time(), time.monotonic()
    await clients.run_s3(name, prefix)
    await b.hass.async_block_till_done()
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    cnt = await b.check(prefix, N_RECIPIENTS)
    return {
        "s3_wall_s": wall,
        "s3_cpu_ms": cpu * 1000,
        "s3_requests": cnt["message_posts"],
        "s3_conns": cnt["connections_opened"],
        "s3_missing": cnt["missing"],
        "s3_dups": cnt["duplicates"],
        "s3_peak": cnt["peak_in_flight"],
    }


async def s3_no_handshake(
    b: Bench, clients: Clients, name: str, prefix: str
) -> dict[str, Any]:
    """S3 again without the per-connection (handshake) delay."""
    await b.ctl.reset(LATENCY, 0.0)
    gc.collect()
    w0 = time.monotonic()
    await clients.run_s3(name, prefix)
    await b.hass.async_block_till_done()
    wall = time.monotonic() - w0
    cnt = await b.check(prefix, N_RECIPIENTS)
    return {
        "s3n_wall_s": wall,
        "s3n_missing": cnt["missing"],
        "s3n_dups": cnt["duplicates"],
        "s3n_peak": cnt["peak_in_flight"],
    }


# The extra phase: a 1,000-send burst, acknowledgement delays, a large outbox.


async def extras(b: Bench) -> dict[str, Any]:
    """Issue 6 (1,000-send burst, outbox memory) and issue 4 (ack → event delay)."""
    return {
        "burst": await burst(b),
        "ack": await ack_delays(b),
        "outbox": await outbox_memory(b),
    }


async def burst(b: Bench) -> dict[str, Any]:
    """Fire 1,000 sends at once through ``pushover_complete.send_message``."""
    await b.ctl.reset(BURST_LATENCY)
    prefix = b.tag("burst")
    gc.collect()
    c0, w0 = time.process_time(), time.monotonic()
    answers = await asyncio.gather(
        *(b.send_ours(f"{prefix}{k}") for k in range(BURST_COUNT)),
        return_exceptions=True,
    )
    await b.hass.async_block_till_done()
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    cnt = await b.check(prefix, BURST_COUNT)
    errors = [repr(a) for a in answers if isinstance(a, BaseException)]
    queued = sum(
        1
        for a in answers
        if isinstance(a, dict) and any(r.get("queued") for r in a.get("recipients", []))
    )
    return {
        "count": BURST_COUNT,
        "latency_s": BURST_LATENCY,
        "wall_s": wall,
        "ideal_s": BURST_COUNT * BURST_LATENCY / 2,
        "cpu_ms_per_msg": cpu / BURST_COUNT * 1000,
        "delivered": cnt["distinct_deliveries"],
        "missing": cnt["missing"],
        "duplicates": cnt["duplicates"],
        "peak_in_flight": cnt["peak_in_flight"],
        "connections_opened": cnt["connections_opened"],
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "queued": queued,
    }


class Listener:
    """When each awaited event arrived (``time.monotonic()``), by one data key."""

    def __init__(self, hass: Any, event_type: str, key: str) -> None:
        """Listen for ``event_type`` and file the events by ``event.data[key]``."""
        from homeassistant.core import Event, callback

        self.key = key
        self.times: dict[str, list[float]] = {}
        self.waiters: dict[str, asyncio.Future[None]] = {}

        @callback
        def on_event(event: Event) -> None:
            self._on_event(event)

        self.unsub = hass.bus.async_listen(event_type, on_event)

    def _on_event(self, event: Any) -> None:
        value = str(event.data.get(self.key))
        self.times.setdefault(value, []).append(time.monotonic())
        if (waiter := self.waiters.get(value)) is not None and not waiter.done():
            waiter.set_result(None)

    def expect(self, value: str) -> asyncio.Future[None]:
        """Return a future that is done once an event for ``value`` arrived."""
        waiter = self.waiters[value] = asyncio.get_running_loop().create_future()
        if value in self.times:
            waiter.set_result(None)
        return waiter

    async def wait(self, value: str, limit: float) -> float | None:
        """Wait up to ``limit`` s for ``value``'s event; return when it came."""
        waiter = self.waiters.get(value) or self.expect(value)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), limit)
        times = self.times.get(value)
        return times[0] if times else None


async def ack_delays(b: Bench) -> dict[str, Any]:
    """Time acknowledgement → event, through the callback and through polling."""
    listener = Listener(b.hass, "pushover_complete_acknowledged", "receipt")
    await b.ctl.reset()
    try:
        b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}"
        callback_delays = [
            await ack_one(b, listener, f"cb{n}", 0.3, 15, callback=True)
            for n in range(3)
        ]
        b.hass.config.external_url = None
        rnd = random.Random()
        poll_delays = []
        for n in range(3):
            offset = rnd.uniform(0.5, 9.5)
            delay = await ack_one(b, listener, f"poll{n}", offset, 75, callback=False)
            poll_delays.append((offset, delay))
    finally:
        listener.unsub()
    return {"callback_s": callback_delays, "poll": poll_delays}


async def ack_one(
    b: Bench,
    listener: Listener,
    label: str,
    after: float,
    limit: float,
    *,
    callback: bool,
) -> float:
    """Send an emergency, acknowledge it ``after`` s later; return ack → event."""
    resp = await b.send_ours(b.tag("ack", label), priority=2, retry=30, expire=3600)
    receipt = str(resp["recipients"][0]["receipt"])
    assert receipt, resp
    tracked = b.ours.runtime_data.receipts.receipts[receipt]
    assert tracked.callback_expected is callback
    listener.expect(receipt)
    await asyncio.sleep(after)
    t0 = time.monotonic()
    await b.ctl.ack(receipt)
    t1 = await listener.wait(receipt, limit)
    return t1 - t0 if t1 else float("nan")


async def outbox_memory(b: Bench) -> dict[str, Any]:
    """Queue 10,000 messages while the simulator answers 503; time and memory."""
    import tracemalloc

    from custom_components.pushover_complete import outbox as outbox_module

    await b.ctl.reset()
    await b.ctl.fault("messages.json", "503", 10**9)
    outbox = b.ours.runtime_data.outbox
    prefix = b.tag("outbox")
    resp = await b.send_ours(f"{prefix}first")
    assert resp["recipients"][0]["queued"], resp
    outbox.async_stop()  # no retries while we measure (they would only meet 503s)
    gc.collect()
    tracemalloc.start()
    base_current, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    w0, c0 = time.monotonic(), time.process_time()
    steps: list[tuple[int, float]] = []
    k = 1
    while k < OUTBOX_COUNT and time.monotonic() - w0 < OUTBOX_TIME_BOX:
        await b.send_ours(f"{prefix}{k}")
        k += 1
        if k % 1000 == 0:
            steps.append((k, time.monotonic() - w0))
    wall, cpu = time.monotonic() - w0, time.process_time() - c0
    # Let a delayed (coalesced) store write happen before measuring the file and memory.
    store = Path(
        b.hass.config.path(".storage", f"pushover_complete.{b.ours.entry_id}.outbox")
    )
    await asyncio.sleep(float(getattr(outbox_module, "SAVE_DELAY", 0.0)) + 0.5)
    await b.hass.async_block_till_done()
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "target": OUTBOX_COUNT,
        "queued": outbox.pending,
        "wall_s": wall,
        "cpu_s": cpu,
        "time_box_s": OUTBOX_TIME_BOX,
        "steps": steps,
        "retained_bytes": current - base_current,
        "peak_bytes": peak - base_current,
        "store_bytes": await b.hass.async_add_executor_job(_file_size, store),
        "note": "tracemalloc on during the enqueue (slows it)",
    }


async def profile(b: Bench, sends: dict[str, Send]) -> dict[str, str]:
    """Where the CPU goes: cProfile over sequential sends of each client (not timed)."""
    import cProfile
    import io
    import pstats

    out: dict[str, str] = {}
    for ci, (name, send) in enumerate(sends.items()):
        if name.startswith("built-in"):
            continue
        await b.ctl.reset()
        for k in range(WARMUP):
            await send(f"{b.tag('pwarm', ci)}{k}")
        prof = cProfile.Profile()
        gc.collect()
        prof.enable()
        for k in range(300):
            await send(f"{b.tag('prof', ci)}{k}")
        await b.hass.async_block_till_done()
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
        out[name] = buf.getvalue()
    return out


def _file_size(path: Path) -> int | None:
    return path.stat().st_size if path.exists() else None


# The alarms phase (issue 11): 100 open escalating alarms, an hour of tracking.


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


@dataclass
class OpenAlarm:
    """An alarm the bench started, and its receipts at the simulator (step order)."""

    alarm_id: str
    message: str
    receipts: list[str] = field(default_factory=list)


async def alarms_phase(b: Bench) -> dict[str, Any]:
    """Track 100 alarms for a virtual hour (polled, then called back); memory apart."""
    clock = VirtualClock(b.hass)
    clock.install()
    listener = Listener(b.hass, "pushover_complete_acknowledged", "alarm_id")
    try:
        await b.ctl.reset()
        await warm_alarms(b, clock)
        out: dict[str, Any] = {
            "idle": await track(b, clock, POLL_EVERY),
            "idle_callback": await track(b, clock, POLL_EVERY_CALLBACK),
        }
        out["poll"] = await alarm_round(b, clock, listener, callback=False)
        out["callback"] = await alarm_round(b, clock, listener, callback=True)
        out["memory"] = await alarm_memory(b, clock)
        runtime = b.ours.runtime_data
        out["left_open"] = {
            "alarms": runtime.alarms.count,
            "receipts": len(runtime.receipts.receipts),
        }
        out["virtual_clock"] = "time.time, dt_util.utcnow, time_tracker_*, loop.time"
    finally:
        listener.unsub()
        b.hass.config.external_url = None
        clock.uninstall()
    return out


def alarm_data(prefix: str, i: int, tag: str) -> dict[str, Any]:
    """Return ``send_alarm`` data: three steps (ours_01, _02, _03 at 0, 300, 600 s)."""
    return {
        "steps": [
            {"targets": [OURS_ENTITIES[s]], "after": after}
            for s, after in enumerate(ALARM_AFTER)
        ],
        "message": f"{prefix}{i}",
        "expire": ALARM_EXPIRE,
        "retry": ALARM_RETRY,
        "tags": [tag],
    }


async def start_alarms(b: Bench, prefix: str, tag: str, count: int) -> list[OpenAlarm]:
    """Start ``count`` alarms one after the other; return them."""
    alarms = []
    for i in range(count):
        resp = await b.hass.services.async_call(
            "pushover_complete",
            "send_alarm",
            alarm_data(prefix, i, tag),
            blocking=True,
            return_response=True,
        )
        alarms.append(OpenAlarm(str(resp["alarm_id"]), f"{prefix}{i}"))
    await b.hass.async_block_till_done()
    return alarms


async def cancel_tag(b: Bench, tag: str) -> None:
    """End every alarm carrying ``tag`` (``cancel_emergency`` by tag)."""
    await b.call(
        "pushover_complete",
        "cancel_emergency",
        {"config_entry_id": b.ours.entry_id, "tag": tag},
    )
    await b.hass.async_block_till_done()


async def warm_alarms(b: Bench, clock: VirtualClock) -> None:
    """Run every alarm path once before measuring: steps, polls, callback, cancel."""
    tag = b.tag("awarm")
    await start_alarms(b, tag, "warm", 3)
    for _ in range(round(ALARM_AFTER[-1] / POLL_EVERY) + 1):
        await clock.advance(POLL_EVERY)
    b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}"
    await start_alarms(b, tag + "cb", "warm", 1)
    b.hass.config.external_url = None
    await cancel_tag(b, "warm")
    await clock.advance(POLL_EVERY)


async def track(b: Bench, clock: VirtualClock, step: float) -> dict[str, Any]:
    """Let a virtual hour pass in ``step`` s moves; CPU, RSS and requests made."""
    await b.ctl.forget()
    gc.collect()
    rss0, v0 = rss_bytes(), clock.timestamp()
    c0, w0 = time.process_time(), time.monotonic()
    for _ in range(round(HOUR / step)):
        await clock.advance(step)
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    virtual = clock.timestamp() - v0
    gc.collect()
    rss1 = rss_bytes()
    t = await b.ctl.timings()
    return {
        "step_s": step,
        "virtual_s": virtual,
        "cpu_s": cpu,
        "cpu_s_per_hour": cpu * HOUR / virtual,
        "wall_s": wall,
        "rss_delta": rss1 - rss0,
        "receipt_checks": t["receipt_checks"],
        "message_posts": t["message_posts"],
        "cancel_posts": t["cancel_posts"],
        "other_requests": t["other_requests"],
    }


async def alarm_round(
    b: Bench, clock: VirtualClock, listener: Listener, *, callback: bool
) -> dict[str, Any]:
    """Start 100 alarms, track them a virtual hour, then acknowledge them one by one."""
    label = "cb" if callback else "poll"
    prefix, tag = b.tag("alarm", label), f"bench{label}"
    b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}" if callback else None
    await b.ctl.forget()
    gc.collect()
    c0, w0 = time.process_time(), time.monotonic()
    alarms = await start_alarms(b, prefix, tag, ALARM_COUNT)
    start = {"cpu_s": time.process_time() - c0, "wall_s": time.monotonic() - w0}
    runtime = b.ours.runtime_data
    step = POLL_EVERY_CALLBACK if callback else POLL_EVERY
    out: dict[str, Any] = {"start": start, "track": await track(b, clock, step)}
    out["open_alarms"] = runtime.alarms.count
    out["open_receipts"] = len(runtime.receipts.receipts)
    await find_receipts(b, prefix, alarms)
    out["receipts_at_sim"] = sum(len(a.receipts) for a in alarms)
    out["callback_expected"] = sum(
        r.callback_expected for r in runtime.receipts.receipts.values()
    )
    if callback:
        out["ack"] = await ack_by_callback(b, listener, alarms)
    else:
        out["ack"] = await ack_by_poll(b, clock, listener, alarms)
    out["events_per_alarm"] = sorted(
        {len(listener.times.get(a.alarm_id, [])) for a in alarms}
    )
    out["left_open"] = runtime.alarms.count
    b.hass.config.external_url = None
    return out


async def find_receipts(b: Bench, prefix: str, alarms: list[OpenAlarm]) -> None:
    """Fill in each alarm's receipts, in step order (step ``s`` went to user ``s``)."""
    by_message: dict[str, list[dict[str, Any]]] = {}
    for rec in await b.ctl.receipts(prefix):
        by_message.setdefault(rec["message"], []).append(rec)
    step_of = {bench_user(s): s for s in range(len(ALARM_AFTER))}
    for alarm in alarms:
        recs = sorted(
            by_message.get(alarm.message, []), key=lambda r: step_of[r["users"][0]]
        )
        alarm.receipts = [r["receipt"] for r in recs]


async def ack_by_poll(
    b: Bench, clock: VirtualClock, listener: Listener, alarms: list[OpenAlarm]
) -> dict[str, Any]:
    """Acknowledge one alarm per poll (the receipt of step 1, 2, 3 in turn)."""
    await b.ctl.forget()
    acked: dict[str, str] = {}
    for i, alarm in enumerate(alarms):
        if not alarm.receipts:
            continue
        receipt = alarm.receipts[i % len(alarm.receipts)]
        acked[alarm.alarm_id] = receipt
        listener.expect(alarm.alarm_id)
        await b.ctl.ack(receipt)
        for _ in range(3):  # one poll should do; a bounded few more if not
            await clock.advance(POLL_EVERY)
            if listener.waiters[alarm.alarm_id].done():
                break
    timings = await b.ctl.timings()
    return ack_latencies(alarms, acked, timings["ack_answered"], timings, listener)


async def ack_by_callback(
    b: Bench, listener: Listener, alarms: list[OpenAlarm]
) -> dict[str, Any]:
    """Acknowledge the alarms one by one; the simulator calls the webhook back."""
    await b.ctl.forget()
    acked: dict[str, str] = {}
    for i, alarm in enumerate(alarms):
        if not alarm.receipts:
            continue
        receipt = alarm.receipts[i % len(alarm.receipts)]
        acked[alarm.alarm_id] = receipt
        listener.expect(alarm.alarm_id)
        await b.ctl.ack(receipt)
        await listener.wait(alarm.alarm_id, 10)
        await b.hass.async_block_till_done()
    timings = await b.ctl.timings()
    return ack_latencies(alarms, acked, timings["callback_sent"], timings, listener)


def ack_latencies(
    alarms: list[OpenAlarm],
    acked: dict[str, str],
    reached: dict[str, float],
    timings: dict[str, Any],
    listener: Listener,
) -> dict[str, Any]:
    """Return acknowledgement reaching Home Assistant → other receipts canceled."""
    canceled: dict[str, float] = timings["canceled"]
    to_cancel, to_event, incomplete = [], [], 0
    for alarm in alarms:
        receipt = acked.get(alarm.alarm_id, "")
        others = [r for r in alarm.receipts if r != receipt]
        t0 = reached.get(receipt)
        if t0 is None or not others or any(r not in canceled for r in others):
            incomplete += 1
            continue
        to_cancel.append(max(canceled[r] for r in others) - t0)
        if event_times := listener.times.get(alarm.alarm_id):
            to_event.append(event_times[0] - t0)
    return {
        "to_canceled_s": to_cancel,
        "to_event_s": to_event,
        "incomplete": incomplete,
        "cancel_posts": timings["cancel_posts"],
        "receipt_checks": timings["receipt_checks"],
    }


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
    open_receipts = len(b.ours.runtime_data.receipts.receipts)
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
        "open_receipts": open_receipts,
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


# The receive phase (issue 12): this Home Assistant as a device of a Pushover user.


async def receive_phase(hass: Any, ctl: SimControl, http_port: int) -> dict[str, Any]:
    """Connect one device subentry to the push websocket; latency, CPU, idle cost."""
    if not (REPO / "custom_components" / "pushover_complete" / "receiver.py").exists():
        return {"pending": "custom_components/pushover_complete/receiver.py is missing"}
    creds = await ctl.device(RECEIVE_USER, RECEIVE_DEVICE)
    device = {
        "subentry_type": "device",
        "title": RECEIVE_DEVICE,
        "data": {
            "user_key": RECEIVE_USER,
            "device_id": creds["device_id"],
            "secret": creds["secret"],
            "name": RECEIVE_DEVICE,
        },
        "unique_id": None,
    }
    no_device = await idle_window(ctl, None)
    await add_entries(hass, builtin=False, device=device)
    await wait_connected(ctl)
    b_tag = f"r{random.randrange(10**6)}-"
    listener = Listener(hass, "pushover_complete_message_received", "message")
    try:
        await receive_messages(hass, ctl, listener, b_tag + "warm-", WARMUP)
        out = await receive_latency(hass, ctl, listener, b_tag)
        out["idle"] = {
            "none": no_device,
            "slow": await idle_window(ctl, HOUR),
            "fast": await idle_window(ctl, KEEPALIVE_FAST),
        }
        await ctl.keepalive(KEEPALIVE_REAL)
    finally:
        listener.unsub()
    return out


async def wait_connected(ctl: SimControl, limit: float = 20.0) -> None:
    """Wait (bounded) until the device's push websocket is open at the simulator."""
    deadline = time.monotonic() + limit
    while (await ctl.push())["connections"] < 1:
        if time.monotonic() > deadline:
            raise RuntimeError("the device did not connect to the push websocket")
        await asyncio.sleep(0.1)


async def receive_messages(
    hass: Any, ctl: SimControl, listener: Listener, prefix: str, count: int
) -> float | None:
    """Have the simulator send ``count`` paced messages; wait for the last event."""
    for k in range(count):
        listener.expect(f"{prefix}{k}")
    await ctl.send_paced(count, RECEIVE_INTERVAL, prefix, RECEIVE_USER)
    last = await listener.wait(f"{prefix}{count - 1}", count * RECEIVE_INTERVAL + 30)
    await hass.async_block_till_done()
    return last


async def receive_latency(
    hass: Any, ctl: SimControl, listener: Listener, tag: str
) -> dict[str, Any]:
    """Time 200 messages from accepted at the simulator to the Home Assistant event."""
    prefix = tag + "rx-"
    await ctl.forget()
    gc.collect()
    c0, w0, l0 = time.process_time(), time.monotonic(), time.thread_time()
    await receive_messages(hass, ctl, listener, prefix, RECEIVE_COUNT)
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    loop_cpu = time.thread_time() - l0
    accepted: dict[str, float] = (await ctl.timings())["accepted"]
    delays, missing, duplicates = [], 0, 0
    for k in range(RECEIVE_COUNT):
        text = f"{prefix}{k}"
        times = listener.times.get(text, [])
        duplicates += max(0, len(times) - 1)
        if not times or text not in accepted:
            missing += 1
            continue
        delays.append(times[0] - accepted[text])
    return {
        "count": RECEIVE_COUNT,
        "interval_s": RECEIVE_INTERVAL,
        "delays_s": delays,
        "missing": missing,
        "duplicates": duplicates,
        "cpu_s": cpu,
        "loop_cpu_s": loop_cpu,
        "wall_s": wall,
    }


async def idle_window(ctl: SimControl, interval: float | None) -> dict[str, Any]:
    """CPU over ``IDLE_WINDOW`` s of waiting, keep-alives every ``interval`` s."""
    if interval is not None:
        await ctl.keepalive(interval)
    await asyncio.sleep(1.0)
    before = (await ctl.push())["keepalives"]
    gc.collect()
    c0, w0 = time.process_time(), time.monotonic()
    await asyncio.sleep(IDLE_WINDOW)
    cpu, wall = time.process_time() - c0, time.monotonic() - w0
    push = await ctl.push()
    return {
        "interval_s": interval,
        "cpu_s": cpu,
        "wall_s": wall,
        "keepalives": push["keepalives"] - before,
        "connections": push["connections"],
    }


# Orchestrator.


def start_sim(
    python: str, extra: list[str], log: Path
) -> tuple[subprocess.Popen[str], str]:
    """Start a bench simulator process; return it and its base URL."""
    proc = subprocess.Popen(
        [python, str(Path(__file__).resolve()), "sim", *extra],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        cwd=REPO,
        start_new_session=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        stop_proc(proc)
        raise RuntimeError(f"simulator did not start: {line!r}; see {log}")
    url = line.split(" ", 1)[1]
    assert url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")), url
    return proc, url


def stop_proc(proc: subprocess.Popen[Any]) -> None:
    """Stop a process group we started: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def run_worker_proc(
    python: str,
    sim_url: str,
    phases: str,
    reps: int,
    out: Path,
    env: dict[str, str],
    timeout: float,
    log: Path,
) -> dict[str, Any] | None:
    """Run one worker process (bounded by ``timeout``); return its results."""
    cmd = [
        python, str(Path(__file__).resolve()), "worker", "--sim", sim_url,
        "--phases", phases, "--reps", str(reps), "--out", str(out),
    ]  # fmt: skip
    print(
        f"--> worker {phases} against {sim_url} (log {log})",
        file=sys.stderr,
        flush=True,
    )
    t0 = time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=fh, env=env, cwd=REPO, start_new_session=True
        )
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"    worker timed out after {timeout:.0f} s", file=sys.stderr)
            stop_proc(proc)
            return None
    print(
        f"    done in {time.monotonic() - t0:.0f} s (exit {proc.returncode})",
        file=sys.stderr,
        flush=True,
    )
    if proc.returncode != 0 or not out.exists():
        print(log.read_text()[-4000:], file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def machine_info() -> dict[str, str]:
    """Describe the machine and the versions measured."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import version

    from homeassistant.const import __version__ as ha_version

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "ha": ha_version,
        "builtin_lib": f"pushover_complete {version('pushover_complete')}",
        "aiohttp": version("aiohttp"),
    }


def make_tls(work: Path) -> Path:
    """Make a throw-away CA and a 127.0.0.1 certificate; return the clients' bundle."""
    import certifi
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(work / "server.pem"))
    # The clients' trust store: certifi's bundle (what both load in real life) + our CA.
    bundle = work / "bundle.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes() + ca.cert_pem.bytes())
    return bundle


def worker_env(bundle: Path) -> dict[str, str]:
    """Return the workers' environment: no proxies, our CA bundle."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not re.search(r"proxy|CA_BUNDLE|SSL_CERT|PYTHONASYNCIODEBUG", k, re.I)
    }
    # Read by `requests` and by Home Assistant's SSL context (homeassistant.util.ssl).
    env["REQUESTS_CA_BUNDLE"] = str(bundle)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def worker_plan(
    args: argparse.Namespace, http_url: str, https_url: str
) -> list[tuple[str, str, str, float]]:
    """Return the workers to run: label, simulator, phases, time limit (s)."""
    if args.profile:
        return [("profile", http_url, "profile", 200.0)]
    plan = [
        ("http", http_url, "main", 150.0),
        ("https", https_url, "main", 200.0),
        ("extra", http_url, "extra", 220.0),
        ("alarms", http_url, "alarms", 480.0),
        ("receive", http_url, "receive", 150.0),
    ]
    only = set(args.only.split(",")) if args.only else None
    return [p for p in plan if not only or p[0] in only]


def orchestrate(args: argparse.Namespace) -> int:
    """Start the simulators, run the workers, report; stop everything started."""
    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="pushover-bench-"))
    procs: list[subprocess.Popen[Any]] = []
    t_start = time.monotonic()
    try:
        bundle = make_tls(work)
        http_sim, http_url = start_sim(python, [], work / "sim-http.log")
        procs.append(http_sim)
        pem = str(work / "server.pem")
        https_sim, https_url = start_sim(
            python, ["--cert", pem, "--key", pem], work / "sim-https.log"
        )
        procs.append(https_sim)
        env = worker_env(bundle)
        results = reused_results(args)
        for label, url, phases, timeout in worker_plan(args, http_url, https_url):
            results[label] = run_worker_proc(
                python, url, phases, args.reps, work / f"{label}.json", env,
                timeout, work / f"worker-{label}.log",
            )  # fmt: skip
        if args.profile:
            return print_profile(results)
        info = machine_info()
        info["total_s"] = f"{time.monotonic() - t_start:.0f}"
        if args.reuse:
            kept = ", ".join(k for k in results["_reused"] if results.get(k))
            info["reused"] = (
                f" Results of {kept} are from the run of {results['_reused_date']} "
                "(`--reuse`)."
            )
        write_report(args, info, results)
        return 0 if all(v for k, v in results.items() if not k.startswith("_")) else 1
    finally:
        for proc in procs:
            stop_proc(proc)
        shutil.rmtree(work, ignore_errors=True)


def reused_results(args: argparse.Namespace) -> dict[str, Any]:
    """Return the results of the workers not run now, from ``--reuse`` (else none)."""
    if not args.reuse:
        return {}
    raw: dict[str, Any] = json.loads(Path(args.reuse).read_text())
    planned = {label for label, *_ in worker_plan(args, "", "")}
    kept = {k: v for k, v in raw.items() if k not in planned and not k.startswith("_")}
    return {
        **kept,
        "_reused": sorted(kept),
        "_reused_date": raw.get("_date", "an earlier run"),
    }


def print_profile(results: dict[str, Any]) -> int:
    """Print the profiles; 0 if there were any."""
    profiles = (results.get("profile") or {}).get("profile") or {}
    for name, text in profiles.items():
        print(f"==================== {name}\n{text}")
    return 0 if results.get("profile") else 1


def write_report(
    args: argparse.Namespace, info: dict[str, str], results: dict[str, Any]
) -> None:
    """Print the report; write it (and the raw results) where asked."""
    report = render(info, results, args.reps)
    print(report)
    if args.out:
        Path(args.out).write_text(report)
        print(f"(written to {args.out})", file=sys.stderr)
    if args.raw:
        raw = {k: v for k, v in results.items() if not k.startswith("_reused")}
        raw["_date"] = info["date"]
        Path(args.raw).write_text(json.dumps(raw, indent=1))


# Report.


def med(values: list[float] | None) -> float:
    """Return the median, NaN for none."""
    return statistics.median(values) if values else float("nan")


def fmt(v: float, digits: int = 2) -> str:
    """Format a number; an em dash for NaN."""
    if math.isnan(v):
        return "—"
    return f"{v:.{digits}f}"


def render(info: dict[str, str], results: dict[str, Any], reps: int) -> str:
    """Return the whole Markdown report."""
    lines = render_intro(info, reps)
    for scheme in ("http", "https"):
        lines += render_scheme(scheme, results.get(scheme))
    lines += render_targets(results)
    extra = (results.get("extra") or {}).get("extra")
    if extra:
        lines += render_extra(extra)
    lines += render_alarms((results.get("alarms") or {}).get("alarms"))
    lines += render_receive((results.get("receive") or {}).get("receive"))
    lines += NOTES
    return "\n".join(lines)


def render_intro(info: dict[str, str], reps: int) -> list[str]:
    """Return the report's heading and method paragraph."""
    return [
        "## Benchmark: sending through Home Assistant",
        "",
        f"Run {info['date']} by `scripts/bench` on {info['nproc']} × {info['cpu']}; "
        f"Python {info['python']}, Home Assistant {info['ha']} (built-in `pushover` with "
        f"{info['builtin_lib']}), aiohttp {info['aiohttp']}. Total run {info['total_s']} s."
        + info.get("reused", ""),
        "",
        f"One real Home Assistant instance per protocol (asyncio debug off, 64 executor "
        f"threads), the project's Pushover simulator in a separate process on 127.0.0.1. "
        f"Medians over {reps} repetitions, client order rotated; CPU is "
        "`time.process_time()` of the Home Assistant process (all threads) per message. "
        f"S2/S3: {LATENCY * 1000:.0f} ms simulated latency per request, plus a delay per new "
        f"connection of one round trip over HTTP (TCP) and two over HTTPS (TCP + TLS). "
        "HTTPS: a throw-away CA (trustme); both clients trust certifi's bundle plus that CA "
        "(`REQUESTS_CA_BUNDLE`, which `requests` and Home Assistant's SSL context both read).",
        "",
    ]


def render_scheme(scheme: str, res: dict[str, Any] | None) -> list[str]:
    """Return one protocol's table of S1, S2 and S3."""
    if not res:
        return [f"### {scheme.upper()}: no result (the worker failed)", ""]
    lines = [
        f"### {scheme.upper()}",
        "",
        "| client | S1 median ms | S1 p95 ms | S1 CPU ms/msg | S2 wall s | S2 CPU ms/msg "
        "| S2 peak in flight | S2 new conns | S3 wall s | S3 wall s, no handshake delay "
        "| S3 requests | S3 new conns | lost/dup |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in res["rows"].items():
        scenarios = ("s1", "s2", "s3", "s3n")
        lost = sum(sum(r.get(f"{s}_missing", [])) for s in scenarios)
        dup = sum(sum(r.get(f"{s}_dups", [])) for s in scenarios)
        lines.append(
            f"| {name} | {fmt(med(r['s1_median_ms']))} | {fmt(med(r['s1_p95_ms']))} "
            f"| {fmt(med(r['s1_cpu_ms']))} | {fmt(med(r['s2_wall_s']))} "
            f"| {fmt(med(r['s2_cpu_ms']))} | {max(r['s2_peak'])} "
            f"| {fmt(med(r['s2_conns']), 0)} | {fmt(med(r['s3_wall_s']), 3)} "
            f"| {fmt(med(r['s3n_wall_s']), 3)} | {max(r['s3_requests'])} "
            f"| {fmt(med(r['s3_conns']), 0)} | {lost}/{dup} |"
        )
    lines.append("")
    return lines


def target_row(target: str, measured: str, ok: bool | None) -> str:
    """Return one row of the targets table."""
    met = "yes" if ok else ("—" if ok is None else "**no**")
    return f"| {target} | {measured} | {met} |"


def render_targets(results: dict[str, Any]) -> list[str]:
    """Return the targets table."""
    lines = ["### Targets", "", "| target | measured | met |", "|---|---|---|"]
    for scheme, cpu_ratio, s3_ratio in (("http", 3, 1), ("https", 20, 5)):
        res = results.get(scheme)
        if res:
            lines += scheme_targets(scheme.upper(), res["rows"], cpu_ratio, s3_ratio)
    extra = (results.get("extra") or {}).get("extra")
    if extra:
        b = extra["burst"]
        lines.append(
            target_row(
                "1,000 sends in one burst: all delivered, ≤ 2 in flight",
                f"{b['delivered']}/{b['count']} delivered, {b['duplicates']} duplicates, "
                f"{b['errors']} errors, {b['queued']} queued; peak {b['peak_in_flight']}; "
                f"{b['connections_opened']} connection(s)",
                b["missing"] == 0 and b["peak_in_flight"] <= 2 and not b["errors"],
            )
        )
    lines.append("")
    return lines


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


def render_extra(extra: dict[str, Any]) -> list[str]:
    """Return the burst, outbox and acknowledgement section."""
    b, a, o = extra["burst"], extra["ack"], extra["outbox"]
    steps = ", ".join(f"{n:,}: {t:.1f} s" for n, t in o["steps"])
    stopped = (
        ""
        if o["queued"] >= o["target"]
        else f" — stopped by the {o['time_box_s']:.0f} s time box before {o['target']:,}"
    )
    cb = ", ".join(f"{d * 1000:.0f} ms" for d in a["callback_s"])
    poll = ", ".join(
        f"{d:.1f} s (acknowledged {off:.1f} s after sending)" for off, d in a["poll"]
    )
    return [
        "### Burst, outbox, acknowledgements (plain HTTP)",
        "",
        f"- **1,000 sends in one burst** through `pushover_complete.send_message` "
        f"({b['latency_s'] * 1000:.0f} ms latency): wall {b['wall_s']:.2f} s vs ideal "
        f"{b['ideal_s']:.2f} s for 2 in flight ({b['wall_s'] / b['ideal_s']:.2f}×); "
        f"CPU {b['cpu_ms_per_msg']:.2f} ms/msg; peak in flight {b['peak_in_flight']}; "
        f"{b['delivered']}/{b['count']} delivered, {b['duplicates']} duplicates.",
        f"- **Outbox** (simulator answering 503): {o['queued']:,} messages queued through "
        f"the action in {o['wall_s']:.1f} s (CPU {o['cpu_s']:.1f} s){stopped}; cumulative "
        f"time at {steps}. Memory (tracemalloc, on during the enqueue): retained "
        f"{o['retained_bytes'] / 1e6:.1f} MB, peak {o['peak_bytes'] / 1e6:.1f} MB; "
        f"Store file {(o['store_bytes'] or 0) / 1e6:.1f} MB.",
        f"- **Acknowledgement → `pushover_complete_acknowledged` event**, callback path "
        f"(external URL set; the simulator POSTs to the entry's webhook on Home Assistant's "
        f"own HTTP server on 127.0.0.1): {cb}.",
        f"- Same, polling path (no external URL; polls every 10 s): {poll}.",
        "",
    ]


def ms_stats(values: list[float]) -> str:
    """Return "median X ms, p95 Y ms (n = N)"."""
    return (
        f"median {fmt(med(values) * 1000, 1)} ms, p95 {fmt(pct(values, 0.95) * 1000, 1)} "
        f"ms (n = {len(values)})"
    )


def per_alarm_hour(round_: dict[str, Any], idle: dict[str, Any]) -> float:
    """Return CPU ms per open alarm per hour, net of the idle hour."""
    net = round_["track"]["cpu_s_per_hour"] - idle["cpu_s_per_hour"]
    return float(net) / ALARM_COUNT * 1000


def render_alarms(res: dict[str, Any] | None) -> list[str]:
    """Return the alarms section (issue 11)."""
    head = ["### Alarms that escalate: 100 open alarms tracked (plain HTTP)", ""]
    if not res:
        return [*head, "No result (the worker failed).", ""]
    lines = [
        *head,
        "100 alarms of 3 steps each (`pushover_complete.send_alarm`: `notify.ours_01` at "
        f"0 s, `_02` at 300 s, `_03` at 600 s; `expire` {ALARM_EXPIRE}, `retry` "
        f"{ALARM_RETRY}), tracked for one hour of Home Assistant time, run accelerated: "
        "Home Assistant's clocks (`time.time`, `dt_util.utcnow`, the event helpers' "
        "`time_tracker_*` and the event loop's `time()`) are moved ahead by one poll "
        "interval at a time and the bench waits until everything that fell due has "
        "finished, so every poll, step and Store write of the hour really runs against "
        "the simulator. CPU is `time.process_time()` of the Home Assistant process over "
        "that hour, minus the same hour with no alarms open (the idle row), per alarm.",
        "",
        "| round | polls every | CPU per open alarm per hour | whole hour: CPU s "
        "(wall s) | receipt polls / step sends | idle hour: CPU s | start 100 alarms: "
        "CPU ms per alarm |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, idle_key, name in (
        ("poll", "idle", "no callback (polled)"),
        ("callback", "idle_callback", "callback reachable"),
    ):
        r, idle = res[key], res[idle_key]
        t = r["track"]
        lines.append(
            f"| {name} | {t['step_s']:.0f} s | {per_alarm_hour(r, idle):.1f} ms "
            f"| {t['cpu_s']:.2f} ({t['wall_s']:.1f}) "
            f"| {t['receipt_checks']:,} / {t['message_posts']} "
            f"| {idle['cpu_s']:.2f} | {r['start']['cpu_s'] / ALARM_COUNT * 1000:.2f} |"
        )
    lines += ["", *render_alarm_facts(res), ""]
    return lines


def render_alarm_facts(res: dict[str, Any]) -> list[str]:
    """Return the alarms' memory, acknowledgement timings and checks."""
    m, poll, cb = res["memory"], res["poll"], res["callback"]
    lines = [
        f"- **Memory per open alarm** (tracemalloc, on from before 100 alarms started "
        f"to after they ended; no CPU was measured then): "
        f"{m['retained_bytes'] / m['alarms'] / 1024:.1f} KiB per alarm once all three "
        f"steps were out ({m['open_receipts']} receipts tracked); "
        f"{(m['hour_bytes'] - m['retained_bytes']) / m['alarms']:+.0f} bytes per alarm "
        f"over the rest of the hour of polling (every 10 s); peak "
        f"{m['peak_bytes'] / 1e6:.1f} MB for all. Left after they ended: "
        f"{m['after_end_bytes'] / 1e3:.0f} kB, and {m['after_second_bytes'] / 1e3:.0f} kB "
        f"after 100 more were started and ended (largest: "
        f"{', '.join(m['left_by'][:3])}). RSS over the tracked hour (no tracemalloc): "
        f"{poll['track']['rss_delta'] / 1e6:+.1f} MB polled, "
        f"{cb['track']['rss_delta'] / 1e6:+.1f} MB called back.",
    ]
    for name, r, start in (
        ("poll answer", poll, "the poll's answer that shows the acknowledgement"),
        ("webhook POST", cb, "the simulator's callback POST to the webhook"),
    ):
        a = r["ack"]
        lines.append(
            f"- **Acknowledgement ({name}) → the alarm's 2 other receipts canceled at "
            f"the simulator**: {ms_stats(a['to_canceled_s'])}; to the "
            f"`pushover_complete_acknowledged` event: {ms_stats(a['to_event_s'])}. "
            f"From {start}, to the simulator answering the last cancel "
            f"(`time.monotonic()` of both processes)."
        )
    lines.append(
        f"- Checks: polled round {poll['receipts_at_sim']} receipts at the simulator "
        f"for 100 alarms, events per alarm {poll['events_per_alarm']}, "
        f"{poll['ack']['incomplete']} incomplete, {poll['left_open']} left open; "
        f"called-back round {cb['receipts_at_sim']} receipts "
        f"({cb['callback_expected']} expecting a callback), events per alarm "
        f"{cb['events_per_alarm']}, {cb['ack']['incomplete']} incomplete, "
        f"{cb['left_open']} left open. One acknowledgement per poll (the receipt of "
        "step 1, 2, 3 in turn); callbacks one at a time."
    )
    return lines


def render_receive(res: dict[str, Any] | None) -> list[str]:
    """Return the receiving section (issue 12)."""
    head = ["### Receiving: this Home Assistant as a Pushover device (plain HTTP)", ""]
    if not res:
        return [*head, "No result (the worker failed).", ""]
    if "pending" in res:
        return [*head, f"Pending: {res['pending']}.", ""]
    idle = res["idle"]
    per_frame, connected, total = device_idle(idle)
    fast = idle["fast"]
    return [
        *head,
        f"One `device` subentry connected to the simulator's push websocket. The "
        f"simulator itself sends {res['count']} messages to the device's user, one every "
        f"{res['interval_s'] * 1000:.0f} ms (its own CPU is not counted).",
        "",
        f"- **Accepted at the simulator → `pushover_complete_message_received`**: "
        f"{ms_stats(res['delays_s'])}; {res['missing']} missing, {res['duplicates']} "
        f"duplicates (`time.monotonic()` of both processes).",
        f"- **CPU per received message**: {res['cpu_s'] / res['count'] * 1000:.2f} ms "
        f"(the whole {res['wall_s']:.1f} s window / {res['count']}), of which "
        f"{res['loop_cpu_s'] / res['count'] * 1000:.2f} ms in the event loop's thread "
        f"(the rest in other threads: the executor's Store writes and the like).",
        f"- **Idle cost of one connected device**: {total * 1000:.0f} ms CPU per hour "
        f"with one keep-alive per {KEEPALIVE_REAL:.0f} s (the simulator's default; "
        f"Pushover does not document its own): {per_frame * 1e6:.0f} µs per keep-alive × "
        f"{HOUR / KEEPALIVE_REAL:.0f}, plus {connected * 1000:.0f} ms for the connection "
        f"itself. Accelerated: keep-alives every {KEEPALIVE_FAST * 1000:.0f} ms for "
        f"{fast['wall_s']:.0f} s ({fast['keepalives']} keep-alives, CPU "
        f"{fast['cpu_s'] * 1000:.0f} ms) against the same window with the device "
        f"connected and no keep-alive (CPU {idle['slow']['cpu_s'] * 1000:.1f} ms) and "
        f"with no device (CPU {idle['none']['cpu_s'] * 1000:.1f} ms), scaled to an hour.",
        "",
    ]


def device_idle(idle: dict[str, Any]) -> tuple[float, float, float]:
    """Return CPU s per keep-alive, per hour connected (no frames), per idle hour."""
    fast, slow, none = idle["fast"], idle["slow"], idle["none"]
    slow_rate = slow["cpu_s"] / slow["wall_s"]
    per_frame = (fast["cpu_s"] - slow_rate * fast["wall_s"]) / max(
        fast["keepalives"], 1
    )
    connected = max(0.0, slow_rate - none["cpu_s"] / none["wall_s"]) * HOUR
    total = per_frame * HOUR / KEEPALIVE_REAL + connected
    return per_frame, connected, total


NOTES = [
    "Notes:",
    "",
    "- S1: 200 sends one after the other to one recipient, no added latency. S2: 100 "
    "sends fired at once to one recipient. S3: one script (what an automation runs) "
    "notifying ten recipients: the built-in and our legacy services as ten "
    "`notify.<name>` actions under `parallel:`; `pushover_complete.send_message` and "
    "`notify.send_message` as one action with ten notify entities as target; the "
    "floors as one request with ten user keys.",
    "- Every send is confirmed at the simulator: lost/dup counts messages that never "
    'arrived or arrived twice. "new conns" are connections the simulator saw opened '
    "during the window (each client was warmed up first; keep-alive connections are "
    "reused).",
    "- The built-in breaks Pushover's 2-in-flight rule (S2 peak above), so its S2 wall "
    "time is not reachable by a compliant client; judge ours against the floor there. "
    "The floor rows are the physical limit of a compliant client on this machine: a "
    "bare aiohttp loop (keep-alive session, at most 2 in flight) in the same event loop, "
    "alone and inside a no-op Home Assistant action.",
    "",
]


def main() -> int:
    """Run the mode asked for."""
    parser = argparse.ArgumentParser(prog="scripts/bench")
    sub = parser.add_subparsers(dest="mode")
    p_sim = sub.add_parser("sim")
    p_sim.add_argument("--cert")
    p_sim.add_argument("--key")
    p_w = sub.add_parser("worker")
    p_w.add_argument("--sim", required=True)
    p_w.add_argument("--phases", default="main")
    p_w.add_argument("--reps", type=int, default=3)
    p_w.add_argument("--out", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "bench-results.md"))
    parser.add_argument("--only", help="comma list of http,https,extra,alarms,receive")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only profile our clients and the floor (cProfile), print, write nothing",
    )
    parser.add_argument("--raw", help="also write the raw results (JSON) to this file")
    parser.add_argument(
        "--reuse",
        help="raw results (JSON, from --raw) of an earlier run: report the workers "
        "not run now (see --only) from it",
    )
    args = parser.parse_args()
    if args.mode == "sim":
        run_sim(args)
        return 0
    if args.mode == "worker":
        run_worker(args)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
