"""Serve the simulated state over HTTP: the aiohttp runner and site around it."""

from __future__ import annotations

from collections.abc import Callable
import ssl
import time

from aiohttp import web

from .app import create_app
from .state import SimulatorState


class PushoverSimulator(SimulatorState):
    """A faithful, inspectable stand-in for api.pushover.net, served on 127.0.0.1."""

    def __init__(
        self, *, seed: bool = True, clock: Callable[[], float] = time.time
    ) -> None:
        """Create a simulator; `seed` adds the demo app, users, group and subscription."""
        super().__init__(seed=seed, clock=clock)
        self._runner: web.AppRunner | None = None

    async def start(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> str:
        """Serve on host:port (0 = ephemeral); return the base URL ending in /1/."""
        if self._runner is not None:
            raise RuntimeError("simulator already started")
        self.resume()
        runner = web.AppRunner(
            create_app(self),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        scheme = "https" if ssl_context else "http"
        self.base_url = f"{scheme}://{shown}:{bound_port}/1/"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving: end hangs and sleeps, cancel callbacks, close connections."""
        await self.shutdown()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
