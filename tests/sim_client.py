"""A small client of the simulator's /1/ API for the simulator's own tests."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from pushover_simulator import DEMO_TOKEN, DEMO_USER, PushoverSimulator

KEY_RE = re.compile(r"^[A-Za-z0-9]{30}$")
OTHER_TOKEN = "oTherAppT0kenXXXXXXXXXXXXXXXXX"
EMERGENCY = {"priority": "2", "retry": "30", "expire": "300"}


class FakeClock:
    """A settable clock for the simulator."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Api:
    """Tiny helper around the session and the simulator's base URL."""

    def __init__(self, sim: PushoverSimulator, session: aiohttp.ClientSession) -> None:
        assert sim.base_url is not None
        self.base = sim.base_url
        self.root = sim.base_url.removesuffix("1/")
        self.session = session

    async def call(
        self, method: str, path: str, token: str | None = DEMO_TOKEN, **fields: Any
    ) -> tuple[int, dict[str, Any], CIMultiDictProxy[str]]:
        data = {k: v for k, v in fields.items() if v is not None}
        if token is not None:
            data["token"] = token
        kwargs: dict[str, Any] = {"params": data} if method == "GET" else {"data": data}
        async with self.session.request(method, self.base + path, **kwargs) as resp:
            body = await resp.json(content_type=None)
            return resp.status, body, resp.headers

    async def post(self, path: str, **fields: Any) -> tuple[int, dict[str, Any]]:
        status, body, _ = await self.call("POST", path, **fields)
        return status, body

    async def get(self, path: str, **fields: Any) -> tuple[int, dict[str, Any]]:
        status, body, _ = await self.call("GET", path, **fields)
        return status, body

    async def send(self, **fields: Any) -> tuple[int, dict[str, Any]]:
        fields.setdefault("user", DEMO_USER)
        fields.setdefault("message", "hello")
        return await self.post("messages.json", **fields)


def assert_error(body: dict[str, Any], **fields: str) -> None:
    assert body["status"] == 0
    assert isinstance(body["errors"], list)
    assert body["errors"]
    assert isinstance(body["request"], str)
    for key, value in fields.items():
        assert body[key] == value
