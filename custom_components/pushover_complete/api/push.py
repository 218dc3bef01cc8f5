"""Pushover's push websocket (Open Client): log a device in, then read its frames."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .errors import PushoverConnectionError
from .models import PushFrame
from .response import Redactor

PUSHOVER_PUSH_URL = "wss://client.pushover.net/push"
PUSHOVER_API_HOST = "api.pushover.net"
MAX_PUSH_FRAME = 64
_CLOSE_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=2.0)
_DATA = (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY)
_OVERSIZED = "Pushover's push server sent an oversized frame"


def push_url_for(base_url: str) -> str:
    """Return the push server of an API base URL (same host, except for Pushover)."""
    parts = urlsplit(base_url)
    if parts.hostname == PUSHOVER_API_HOST:
        return PUSHOVER_PUSH_URL
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, "/push", "", ""))


class PushConnection:
    """An open, logged-in push websocket: iterate it for frames."""

    def __init__(
        self,
        websocket: aiohttp.ClientWebSocketResponse,
        *,
        silence_timeout: float | None,
        redact: Redactor,
    ) -> None:
        """Wrap a websocket whose login frame has been sent."""
        self._websocket = websocket
        self._silence_timeout = silence_timeout
        self._redact = redact

    def __repr__(self) -> str:
        """Show the state, never the device's credentials."""
        return f"PushConnection(closed={self._websocket.closed})"

    def __aiter__(self) -> Self:
        """Return the connection itself: it yields frames until it fails."""
        return self

    async def __anext__(self) -> PushFrame:
        """Wait for the next frame; a failure, a close or silence raises."""
        try:
            message = await self._websocket.receive(timeout=self._silence_timeout)
        except TimeoutError:
            raise PushoverConnectionError(
                f"Pushover's push server was silent for {self._silence_timeout} s"
            ) from None
        return _frame(message, self._redact)


def _frame(message: aiohttp.WSMessage, redact: Redactor) -> PushFrame:
    """Return the frame a websocket message holds, or raise why it holds none."""
    if message.type is aiohttp.WSMsgType.ERROR:
        if _too_big(message.data):
            raise PushoverConnectionError(_OVERSIZED)
        raise PushoverConnectionError(
            f"Push connection failed: {redact.transport(message.data)}"
        )
    if message.type not in _DATA:
        raise PushoverConnectionError("Pushover's push server closed the connection")
    data: str | bytes = message.data
    if len(data) > MAX_PUSH_FRAME:
        raise PushoverConnectionError(_OVERSIZED)
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    try:
        return PushFrame(text.strip())
    except ValueError:
        raise PushoverConnectionError(
            "Pushover's push server sent an unknown frame"
        ) from None


def _too_big(error: object) -> bool:
    """Tell whether aiohttp refused a frame over ``max_msg_size``."""
    return (
        isinstance(error, aiohttp.WebSocketError)
        and error.code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    )


@asynccontextmanager
async def open_push(
    session: aiohttp.ClientSession,
    *,
    url: str,
    login: tuple[str, str],
    connect_timeout: float,
    silence_timeout: float | None,
) -> AsyncIterator[PushConnection]:
    """Connect, send ``login:<device_id>:<secret>`` and yield the frames."""
    device_id, secret = login
    redact = Redactor(secret, device_id)
    websocket = await _connect(session, url=url, seconds=connect_timeout, redact=redact)
    try:
        try:
            await websocket.send_str(f"login:{device_id}:{secret}\n")
        except (aiohttp.ClientError, ConnectionError) as err:
            raise PushoverConnectionError(
                f"Cannot log in to Pushover's push server: {redact.transport(err)}"
            ) from None
        yield PushConnection(websocket, silence_timeout=silence_timeout, redact=redact)
    finally:
        await websocket.close()


async def _connect(
    session: aiohttp.ClientSession, *, url: str, seconds: float, redact: Redactor
) -> aiohttp.ClientWebSocketResponse:
    """Open the websocket, its frames capped at ``MAX_PUSH_FRAME`` bytes."""
    try:
        async with asyncio.timeout(seconds):
            return await session.ws_connect(
                # aiohttp refuses a frame of max_msg_size bytes or more.
                url,
                max_msg_size=MAX_PUSH_FRAME + 1,
                timeout=_CLOSE_TIMEOUT,
            )
    except TimeoutError:
        raise PushoverConnectionError(
            "Timed out connecting to Pushover's push server"
        ) from None
    except aiohttp.ClientError as err:
        raise PushoverConnectionError(
            f"Cannot reach Pushover's push server: {redact.transport(err)}"
        ) from None
