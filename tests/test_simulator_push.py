"""The simulator's push websocket, over a real websocket: frames, drops, times."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import WSMsgType
import pytest

from pushover_simulator import PushoverSimulator
from pushover_simulator.pytest_plugin import enable_sockets

from .open_client_helpers import Client, push_login

WAIT = 5.0


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket."""
    enable_sockets(request)


@pytest.fixture
def client(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Client:
    """The Open Client helper bound to the running simulator."""
    return Client(sim, session)


async def test_push_bang_on_each_message(
    sim: PushoverSimulator, client: Client, session: aiohttp.ClientSession
) -> None:
    device_id, secret = await client.device("ha")
    ws = await push_login(sim, session, device_id, secret)
    await client.send(message="one")
    await client.send(message="phone only", device="phone")
    await client.send(message="two")
    assert sim.push_frame(device_id, "end") == 1
    frames = [(await ws.receive(timeout=WAIT)).data for _ in range(3)]
    assert frames == ["!", "!", "end"]
    await ws.close()
    async with asyncio.timeout(WAIT):
        await sim.wait_push_connections(0)
    assert sim.push_connections(device_id) == 0


async def test_push_keepalive_and_silence(
    sim: PushoverSimulator, client: Client, session: aiohttp.ClientSession
) -> None:
    sim.keepalive_interval = 0.01
    device_id, secret = await client.device()
    ws = await push_login(sim, session, device_id, secret)
    msg = await ws.receive(timeout=WAIT)
    assert (msg.type, msg.data) == (WSMsgType.TEXT, "#")
    sim.set_push_silent(device_id)
    # Drain keep-alives already queued before the silence began.
    assert sim.push_frame(device_id, "mark") == 1
    while (await ws.receive(timeout=WAIT)).data != "mark":
        pass
    with pytest.raises(TimeoutError):
        await ws.receive(timeout=0.2)
    sim.set_push_silent(device_id, False)
    msg = await ws.receive(timeout=WAIT)
    assert msg.data == "#"
    await ws.close()


@pytest.mark.parametrize("frame", ["R", "E", "A", "\x00garbage\ufffd", "x" * 2_000_000])
async def test_push_frame_on_demand(
    sim: PushoverSimulator,
    client: Client,
    session: aiohttp.ClientSession,
    frame: str,
) -> None:
    device_id, secret = await client.device()
    ws = await push_login(sim, session, device_id, secret)
    assert sim.push_frame(device_id, frame) == 1
    msg = await ws.receive(timeout=WAIT)
    assert (msg.type, msg.data) == (WSMsgType.TEXT, frame)
    assert sim.push_frame("unknown-device", frame) == 0
    await ws.close()


async def test_push_drop_is_abrupt(
    sim: PushoverSimulator, client: Client, session: aiohttp.ClientSession
) -> None:
    device_id, secret = await client.device()
    ws = await push_login(sim, session, device_id, secret)
    assert sim.drop_push(device_id) == 1
    msg = await ws.receive(timeout=WAIT)
    assert msg.type in (WSMsgType.CLOSED, WSMsgType.ERROR)
    assert ws.close_code != 1000
    async with asyncio.timeout(WAIT):
        await sim.wait_push_connections(0, device_id)
    # The device logs in again fine.
    ws = await push_login(sim, session, device_id, secret)
    assert sim.push_connections() == 1
    await ws.close()


@pytest.mark.parametrize(
    "login",
    [
        "login:{device}:{secret}",
        "login:{device}:{wrong}\n",
        "login:nope:{secret}\n",
        "hello\n",
    ],
)
async def test_push_bad_login_gets_e_and_close(
    sim: PushoverSimulator, client: Client, session: aiohttp.ClientSession, login: str
) -> None:
    device_id, secret = await client.device()
    assert sim.push_url is not None
    async with session.ws_connect(sim.push_url) as ws:
        await ws.send_str(login.format(device=device_id, secret=secret, wrong="s" * 60))
        msg = await ws.receive(timeout=WAIT)
        assert (msg.type, msg.data) == (WSMsgType.TEXT, "E")
        msg = await ws.receive(timeout=WAIT)
        assert msg.type == WSMsgType.CLOSE
    assert sim.push_connections() == 0


async def test_push_closed_by_stop_and_reset(
    client: Client, session: aiohttp.ClientSession
) -> None:
    sim = client.sim
    device_id, secret = await client.device()
    ws = await push_login(sim, session, device_id, secret)
    sim.reset()
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE
    async with asyncio.timeout(WAIT):
        await sim.wait_push_connections(0)

    other = PushoverSimulator()
    await other.start()
    try:
        other_client = Client(other, session)
        device_id, secret = await other_client.device()
        ws = await push_login(other, session, device_id, secret)
    finally:
        await other.stop()
    msg = await ws.receive(timeout=WAIT)
    assert msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    assert other.push_connections() == 0


def test_push_url() -> None:
    sim = PushoverSimulator()
    assert sim.push_url is None
    sim.base_url = "http://127.0.0.1:8089/1/"
    assert sim.push_url == "ws://127.0.0.1:8089/push"
    sim.base_url = "https://127.0.0.1:8089/1/"
    assert sim.push_url == "wss://127.0.0.1:8089/push"


class Clock:
    """A simulator clock the test sets."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_push_connection_times_by_the_simulator_clock(
    sim: PushoverSimulator, client: Client, session: aiohttp.ClientSession
) -> None:
    """Each push connection's login and end, by the simulator's clock, and the waits."""
    device_id, secret = await client.device()
    clock = sim.clock = Clock(1000.0)
    ws = await push_login(sim, session, device_id, secret)
    clock.now = 1030.0
    await ws.close()
    async with asyncio.timeout(WAIT):
        await sim.wait_push_connections(0, device_id)
    clock.now = 1034.0
    ws = await push_login(sim, session, device_id, secret)
    clock.now = 1040.0
    assert sim.drop_push(device_id) == 1
    async with asyncio.timeout(WAIT):
        await sim.wait_push_connections(0, device_id)
    clock.now = 1042.0
    again = await push_login(sim, session, device_id, secret)
    assert sim.open_client.connection_times(device_id) == [
        (1000.0, 1030.0),
        (1034.0, 1040.0),
        (1042.0, None),
    ]
    assert sim.open_client.reconnect_delays(device_id) == [4.0, 2.0]
    assert sim.open_client.connection_times("unknown") == []
    await again.close()
    await ws.close()
    sim.reset()
    assert sim.open_client.connection_times(device_id) == []
