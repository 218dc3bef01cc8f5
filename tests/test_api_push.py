"""The push websocket of the Open Client, against the simulator and odd servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
import pytest

from custom_components.pushover_complete.api import (
    MAX_PUSH_FRAME,
    PUSHOVER_PUSH_URL,
    OpenClient,
    PushConnection,
    PushFrame,
    PushoverAPI,
    PushoverConnectionError,
    PushoverValidationError,
)
from pushover_simulator import (
    DEMO_USER,
    OpenDevice,
    PushoverSimulator,
    random_key,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .helpers import unused_api_url
from .open_client_helpers import hidden, serving


async def frames_until(
    frames: AsyncIterator[PushFrame], last: PushFrame
) -> list[PushFrame]:
    """Read frames with ``async for`` until ``last`` (included), then stop."""
    seen: list[PushFrame] = []
    async for frame in frames:
        seen.append(frame)
        if frame is last:
            break
    return seen


@pytest.fixture
def device(sim: PushoverSimulator) -> tuple[OpenDevice, str]:
    """An Open Client device of the demo user, and its session secret."""
    return sim.add_open_client_device(DEMO_USER, "homeassistant")


@pytest.fixture
def open_client(sim: PushoverSimulator, session: aiohttp.ClientSession) -> OpenClient:
    """An Open Client of the simulator, on a session the test owns."""
    assert sim.base_url
    return OpenClient(session, base_url=sim.base_url)


@pytest.mark.parametrize(
    ("base_url", "push_url"),
    [
        ("https://api.pushover.net/1/", PUSHOVER_PUSH_URL),
        ("https://api.pushover.net/1", PUSHOVER_PUSH_URL),
        ("http://127.0.0.1:8080/1/", "ws://127.0.0.1:8080/push"),
        ("https://pushover.example.test/api/1/", "wss://pushover.example.test/push"),
    ],
)
def test_push_url(base_url: str, push_url: str) -> None:
    """Pushover's own push server, or the same host as the API by scheme."""
    assert OpenClient(base_url=base_url).push_url == push_url
    assert PUSHOVER_PUSH_URL == "wss://client.pushover.net/push"


async def test_push_url_of_the_simulator(
    open_client: OpenClient, sim: PushoverSimulator
) -> None:
    """The simulator serves the push websocket where the client looks for it."""
    assert open_client.push_url == sim.push_url


@pytest.mark.parametrize("frame", list(PushFrame))
async def test_push_frames(
    open_client: OpenClient,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    frame: PushFrame,
) -> None:
    """Each frame Pushover sends arrives as its PushFrame."""
    registered, secret = device
    async with open_client.push_connection(registered.id, secret) as frames:
        await sim.wait_push_connections(1, registered.id)
        assert sim.push_frame(registered.id, frame.value) == 1
        assert await anext(frames) is frame
    await sim.wait_push_connections(0, registered.id)


async def test_push_logs_in_and_announces_new_messages(
    api: PushoverAPI,
    open_client: OpenClient,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
) -> None:
    """The login frame names the device; a message sent to the user rings ``!``."""
    registered, secret = device
    async with open_client.push_connection(registered.id, secret) as frames:
        assert isinstance(frames, PushConnection)
        await sim.wait_push_connections(1, registered.id)
        assert sim.open_client.session_device[secret] == registered.id
        await api.send_message(DEMO_USER, "ring")
        assert await anext(frames) is PushFrame.NEW_MESSAGE
        assert secret not in repr(frames)
        assert registered.id not in repr(frames)


async def test_push_keepalive(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """Keep-alives arrive as ``#`` and the iteration goes on."""
    registered, secret = device
    sim.keepalive_interval = 0.01
    async with open_client.push_connection(registered.id, secret) as frames:
        seen = [await anext(frames) for _ in range(3)]
    assert seen == [PushFrame.KEEPALIVE] * 3


async def test_push_async_for(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """``async for`` yields frames until the caller stops."""
    registered, secret = device
    async with open_client.push_connection(registered.id, secret) as frames:
        await sim.wait_push_connections(1, registered.id)
        for value in "!#!R":
            sim.push_frame(registered.id, value)
        seen = await frames_until(frames, PushFrame.RELOAD)
    assert seen == [
        PushFrame.NEW_MESSAGE,
        PushFrame.KEEPALIVE,
        PushFrame.NEW_MESSAGE,
        PushFrame.RELOAD,
    ]


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("X", "sent an unknown frame"),
        ("", "sent an unknown frame"),
        ("!!", "sent an unknown frame"),
        ("x" * MAX_PUSH_FRAME, "sent an unknown frame"),
        ("x" * (MAX_PUSH_FRAME + 1), "sent an oversized frame"),
        ("#" * 10_000, "sent an oversized frame"),
    ],
)
async def test_push_garbage_frames(
    open_client: OpenClient,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    frame: str,
    reason: str,
) -> None:
    """A frame that is none of Pushover's, or too large, is a connection error."""
    registered, secret = device
    async with open_client.push_connection(registered.id, secret) as frames:
        await sim.wait_push_connections(1, registered.id)
        sim.push_frame(registered.id, frame)
        with pytest.raises(PushoverConnectionError) as info:
            await anext(frames)
    assert reason in str(info.value)
    hidden(info.value, secret, registered.id)


async def test_push_dropped(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """A connection dropped by the server ends the iteration with an error."""
    registered, secret = device
    async with open_client.push_connection(registered.id, secret) as frames:
        await sim.wait_push_connections(1, registered.id)
        sim.drop_push(registered.id)
        with pytest.raises(PushoverConnectionError) as info:
            async for _frame in frames:
                pass
    assert "closed the connection" in str(info.value)


async def test_push_closed_by_server(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """A clean close by the server is a connection error too."""
    registered, secret = device
    async with open_client.push_connection(registered.id, secret) as frames:
        await sim.wait_push_connections(1, registered.id)
        sim.open_client.close_all()
        with pytest.raises(PushoverConnectionError) as info:
            await anext(frames)
    assert str(info.value) == "Pushover's push server closed the connection"


async def test_push_with_an_unknown_secret(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """A login Pushover refuses gets ``E``, then the close."""
    registered, _secret = device
    secret = random_key() * 2
    async with open_client.push_connection(registered.id, secret) as frames:
        assert await anext(frames) is PushFrame.ERROR
        with pytest.raises(PushoverConnectionError) as info:
            await anext(frames)
    hidden(info.value, secret)
    assert sim.push_connections() == 0


async def test_push_silence(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """No frame for ``silence_timeout`` seconds is a connection error."""
    registered, secret = device
    sim.set_push_silent(registered.id)
    async with open_client.push_connection(
        registered.id, secret, silence_timeout=0.05
    ) as frames:
        with pytest.raises(PushoverConnectionError) as info:
            await anext(frames)
    assert str(info.value) == "Pushover's push server was silent for 0.05 s"


async def test_push_leaving_the_block_closes_the_connection(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """Leaving the block, even by an error, closes the websocket."""
    registered, secret = device
    with pytest.raises(RuntimeError, match="stop"):
        async with open_client.push_connection(registered.id, secret):
            await sim.wait_push_connections(1, registered.id)
            raise RuntimeError("stop")
    async with asyncio.timeout(5):
        await sim.wait_push_connections(0, registered.id)


async def test_push_with_an_owned_session(
    sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """Without a session the client's own one carries the websocket."""
    registered, secret = device
    assert sim.base_url
    async with OpenClient(base_url=sim.base_url) as open_client:
        async with open_client.push_connection(registered.id, secret) as frames:
            await sim.wait_push_connections(1, registered.id)
            sim.push_frame(registered.id, "!")
            assert await anext(frames) is PushFrame.NEW_MESSAGE
        own = open_client._session
    assert own is not None
    assert own.closed


async def test_push_server_unreachable(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """Nothing listening is a connection error, before any frame."""
    enable_sockets(request)
    open_client = OpenClient(session, base_url=unused_api_url())
    secret = random_key() * 2
    with pytest.raises(PushoverConnectionError) as info:
        async with open_client.push_connection("abc", secret):
            pytest.fail("connected to nothing")
    assert str(info.value).startswith("Cannot reach Pushover's push server: ")
    hidden(info.value, secret)


async def test_push_not_a_websocket(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """A push URL answering plain HTTP is a connection error naming no URL."""

    async def plain(_request: web.Request) -> web.Response:
        return web.Response(text="no")

    async with serving(request, "/push", plain) as base_url:
        open_client = OpenClient(session, base_url=base_url)
        with pytest.raises(PushoverConnectionError) as info:
            async with open_client.push_connection("abc", "s3cret"):
                pytest.fail("not a websocket")
    assert str(info.value).startswith(
        "Cannot reach Pushover's push server: WSServerHandshakeError"
    )
    assert "127.0.0.1" not in str(info.value)


async def test_push_protocol_error(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """A malformed websocket frame (text that is not UTF-8) is a connection error."""

    async def broken(request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        await websocket.receive()  # the login frame
        assert request.transport is not None
        request.transport.write(b"\x81\x02\xff\xfe")  # FIN, text, 2 bytes, bad UTF-8
        await websocket.receive()
        return websocket

    async with serving(request, "/push", broken) as base_url:
        open_client = OpenClient(session, base_url=base_url)
        async with open_client.push_connection("abc", "s3cret") as frames:
            with pytest.raises(PushoverConnectionError) as info:
                await anext(frames)
    assert str(info.value).startswith("Push connection failed: WebSocketError: ")
    assert "s3cret" not in str(info.value)


async def test_push_handshake_that_never_ends(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """A push server that never answers the handshake times out."""
    release = asyncio.Event()

    async def stuck(_request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="late")

    async with serving(request, "/push", stuck) as base_url:
        open_client = OpenClient(
            session, base_url=base_url, timeout=aiohttp.ClientTimeout(total=0.2)
        )
        with pytest.raises(PushoverConnectionError) as info:
            async with open_client.push_connection("abc", "s3cret"):
                pytest.fail("connected")
        release.set()
    assert str(info.value) == "Timed out connecting to Pushover's push server"


@pytest.mark.parametrize(
    ("device_id", "secret", "field"),
    [
        ("a/b", "s3cret", "device_id"),
        ("abc", "s3:cret", "secret"),
        ("abc", "", "secret"),
    ],
)
async def test_push_validation(
    open_client: OpenClient,
    sim: PushoverSimulator,
    device_id: str,
    secret: str,
    field: str,
) -> None:
    """A device id or secret that could break the login frame is refused first."""
    with pytest.raises(PushoverValidationError) as info:
        async with open_client.push_connection(device_id, secret):
            pytest.fail("connected")
    assert info.value.field == field
    assert sim.push_connections() == 0
