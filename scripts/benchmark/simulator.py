"""The bench simulator process: the project's simulator, seeded, with ``/_bench/`` endpoints.

``python -m scripts.benchmark sim [--cert PEM --key PEM]`` serves a seeded Pushover
simulator (the project's own ``pushover_simulator``) on 127.0.0.1 with ten extra
recipients, a user for the receiving device, an endless quota and control endpoints of
its own under ``/_bench/`` (counters, timings, receipts, links, acknowledging, paced
sending, push keep-alives). It prints ``READY <base url>`` and serves until SIGINT or
SIGTERM. Its CPU is never counted: it is a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from typing import Any

from .common import N_RECIPIENTS, RECEIVE_USER, bench_user


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
        router.add_get("/_bench/links", self.links)
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

    async def links(self, request: Any) -> Any:
        """List the links of messages starting with ``prefix``, as recipients see them."""
        from aiohttp import web

        from pushover_simulator.sent import SentMessage

        prefix = request.query.get("prefix", "")
        answer = []
        for record in self.sim.messages:
            sent = SentMessage.from_record(record)
            if sent.text.startswith(prefix):
                answer += [
                    {"title": sent.title or "", "text": link.text, "href": link.href}
                    for link in sent.links
                ]
        return web.json_response(answer)

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
