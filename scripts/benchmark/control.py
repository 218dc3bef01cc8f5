"""The worker's side of the simulator's control endpoints (``/_sim/`` and ``/_bench/``).

Plain HTTP or HTTPS like the simulator it talks to, 127.0.0.1 only.
"""

from __future__ import annotations

from typing import Any


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

    async def links(self, prefix: str) -> list[dict[str, str]]:
        """Return the links of messages starting with ``prefix``.

        One dict per link: the message's ``title``, the link's ``text`` and ``href``.
        """
        answer: list[dict[str, str]] = await self._call(
            "GET", "_bench/links", params={"prefix": prefix}
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
