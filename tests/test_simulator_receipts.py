"""The simulator's emergency receipts: status, cancel, acknowledgement and callbacks."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
import pytest

from pushover_simulator import (
    DEMO_GROUP,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import EMERGENCY, OTHER_TOKEN, Api, FakeClock


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


async def test_receipt_lifecycle_with_clock(api: Api, sim: PushoverSimulator) -> None:
    clock = FakeClock()
    sim.clock = clock
    _, body = await api.send(**EMERGENCY)
    receipt = body["receipt"]
    status, body = await api.get(f"receipts/{receipt}.json")
    assert status == 200
    assert body == {
        "status": 1,
        "acknowledged": 0,
        "acknowledged_at": 0,
        "acknowledged_by": "",
        "acknowledged_by_device": "",
        "last_delivered_at": int(clock.now),
        "expired": 0,
        "expires_at": int(clock.now) + 300,
        "called_back": 0,
        "called_back_at": 0,
        "request": body["request"],
    }
    clock.now += 95
    _, body = await api.get(f"receipts/{receipt}.json")
    assert body["last_delivered_at"] == int(clock.now) - 5
    clock.now += 300
    _, body = await api.get(f"receipts/{receipt}.json")
    assert body["expired"] == 1
    assert body["last_delivered_at"] == body["expires_at"]
    with pytest.raises(ValueError, match="no longer active"):
        sim.acknowledge(receipt)
    clock.now += 8 * 24 * 3600
    status, body = await api.get(f"receipts/{receipt}.json")
    assert status == 400


async def test_unknown_receipt(sim: PushoverSimulator, api: Api) -> None:
    for method, path in (
        ("GET", "receipts/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrr.json"),
        ("POST", "receipts/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrr/cancel.json"),
    ):
        status, body, _ = await api.call(method, path)
        assert status == 400
        assert body["receipt"] == "not found"
        assert body["errors"] == ["receipt not found; may be invalid or expired"]
    _, body = await api.send(**EMERGENCY)
    sim.add_app(OTHER_TOKEN)
    status, _ = await api.get(f"receipts/{body['receipt']}.json", token=OTHER_TOKEN)
    assert status == 400


async def test_cancel_and_cancel_by_tag(sim: PushoverSimulator, api: Api) -> None:
    _, one = await api.send(tags="a b,x/y", **EMERGENCY)
    _, two = await api.send(tags="x/y", **EMERGENCY)
    _, three = await api.send(tags="other", **EMERGENCY)
    status, body = await api.post(f"receipts/{three['receipt']}/cancel.json")
    assert (status, body["status"]) == (200, 1)
    assert sim.receipts[three["receipt"]].canceled
    status, body = await api.post("receipts/cancel_by_tag/x%2Fy.json")
    assert (status, body["canceled"]) == (200, 2)
    assert sim.receipts[one["receipt"]].canceled
    assert sim.receipts[two["receipt"]].canceled
    status, body = await api.post("receipts/cancel_by_tag/a%20b.json")
    assert body["canceled"] == 0
    _, four = await api.send(tags="a b", **EMERGENCY)
    status, body = await api.post("receipts/cancel_by_tag/a%20b.json")
    assert body["canceled"] == 1
    _, body = await api.get(f"receipts/{four['receipt']}.json")
    assert body["acknowledged"] == 0


async def test_acknowledge_posts_callback(sim: PushoverSimulator, api: Api) -> None:
    received: list[dict[str, str]] = []
    got = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        received.append({k: str(v) for k, v in (await request.post()).items()})
        got.set()
        return web.Response(text="ok")

    cb_app = web.Application()
    cb_app.router.add_post("/hook/{secret}", handler)
    runner = web.AppRunner(cb_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        _, body = await api.send(
            callback=f"http://127.0.0.1:{port}/hook/abc", **EMERGENCY
        )
        receipt = body["receipt"]
        sim.acknowledge(receipt)
        await asyncio.wait_for(got.wait(), 5)
        await sim.wait_callbacks()
    finally:
        await runner.cleanup()
    rec = sim.receipts[receipt]
    assert received == [
        {
            "receipt": receipt,
            "acknowledged": "1",
            "acknowledged_at": str(rec.acknowledged_at),
            "acknowledged_by": DEMO_USER,
            "acknowledged_by_device": "phone",
        }
    ]
    _, body = await api.get(f"receipts/{receipt}.json")
    assert body["acknowledged"] == 1
    assert body["acknowledged_by"] == DEMO_USER
    assert body["acknowledged_by_device"] == "phone"
    assert body["called_back"] == 1
    assert body["called_back_at"] >= body["acknowledged_at"]
    # The first acknowledgement wins.
    sim.acknowledge(receipt, user=DEMO_USER2, device="laptop")
    assert sim.receipts[receipt].acknowledged_by == DEMO_USER
    assert not sim._callback_tasks


async def test_callback_retried_after_failure(sim: PushoverSimulator, api: Api) -> None:
    calls: list[tuple[str, dict[str, str]]] = []
    statuses = iter([500, 0, 204])

    async def sender(url: str, payload: dict[str, str]) -> int:
        calls.append((url, payload))
        status = next(statuses)
        if status == 0:
            raise aiohttp.ClientConnectionError("refused")
        return status

    sim.callback_sender = sender
    sim.callback_retry_delay = 0.001
    _, body = await api.send(
        user=DEMO_GROUP, callback="https://cb.example/x", **EMERGENCY
    )
    sim.acknowledge(body["receipt"], user=DEMO_USER2)
    await sim.wait_callbacks()
    assert len(calls) == 3
    assert calls[0][1]["acknowledged_by"] == DEMO_USER2
    assert calls[0][1]["acknowledged_by_device"] == "laptop"
    rec = sim.receipts[body["receipt"]]
    assert rec.called_back
    assert rec.callback_attempts == 3


async def test_callback_gives_up_and_stop_cancels_pending() -> None:
    sim = PushoverSimulator()
    await sim.start()
    attempts = 0

    async def sender(url: str, payload: dict[str, str]) -> int:
        nonlocal attempts
        attempts += 1
        return 500

    sim.callback_sender = sender
    sim.callback_retry_delay = 0
    sim.callback_max_attempts = 3
    async with aiohttp.ClientSession() as session:
        _, body = await Api(sim, session).send(callback="http://x/", **EMERGENCY)
    sim.acknowledge(body["receipt"])
    await sim.wait_callbacks()
    assert attempts == 3
    assert not sim.receipts[body["receipt"]].called_back
    # A long retry delay is cut short by stop().
    sim.callback_retry_delay = 3600
    sim.callback_max_attempts = 5
    async with aiohttp.ClientSession() as session:
        _, body = await Api(sim, session).send(callback="http://x/", **EMERGENCY)
    sim.acknowledge(body["receipt"])
    rec = sim.receipts[body["receipt"]]
    async with asyncio.timeout(5):
        await sim.wait_until(lambda: rec.callback_attempts == 1)
    assert sim._callback_tasks
    await sim.stop()
    assert not sim._callback_tasks


async def test_canceled_receipts_say_when(sim: PushoverSimulator, api: Api) -> None:
    clock = FakeClock()
    sim.clock = clock
    start = int(clock.now)
    _, one = await api.send(tags="alarm_1", **EMERGENCY)
    _, two = await api.send(tags="alarm_2", **EMERGENCY)
    _, three = await api.send(tags="alarm_2", **EMERGENCY)
    _, answered = await api.send(tags="alarm_2", **EMERGENCY)
    sim.acknowledge(answered["receipt"])
    clock.now += 5
    await api.post(f"receipts/{one['receipt']}/cancel.json")
    clock.now += 15
    _, body = await api.post("receipts/cancel_by_tag/alarm_2.json")
    assert body["canceled"] == 2
    clock.now += 30
    status, _ = await api.post(f"receipts/{one['receipt']}/cancel.json")
    assert status == 200
    assert sim.canceled_receipts() == {
        one["receipt"]: start + 5,
        two["receipt"]: start + 20,
        three["receipt"]: start + 20,
    }
    _, body = await api.get(f"receipts/{two['receipt']}.json")
    assert body["last_delivered_at"] == start
    async with api.session.get(api.root + "_sim/state") as resp:
        receipts = (await resp.json())["receipts"]
    assert {key: r["canceled_at"] for key, r in receipts.items()} == {
        **sim.canceled_receipts(),
        answered["receipt"]: 0,
    }


@pytest.mark.parametrize(
    ("receipt_of", "age"),
    [
        ("unknown", 0),
        ("other app", 0),
        ("ours", 8 * 24 * 3600),
    ],
)
async def test_cancel_of_a_receipt_pushover_does_not_know(
    sim: PushoverSimulator, api: Api, receipt_of: str, age: int
) -> None:
    clock = FakeClock()
    sim.clock = clock
    sim.add_app(OTHER_TOKEN, account="other")
    _, ours = await api.send(**EMERGENCY)
    _, theirs = await api.send(token=OTHER_TOKEN, **EMERGENCY)
    receipt = {
        "unknown": "r" * 30,
        "other app": theirs["receipt"],
        "ours": ours["receipt"],
    }[receipt_of]
    clock.now += age
    status, body, headers = await api.call("POST", f"receipts/{receipt}/cancel.json")
    assert status == 400
    assert body == {
        "receipt": "not found",
        "errors": ["receipt not found; may be invalid or expired"],
        "status": 0,
        "request": headers["X-Request-Id"],
    }
    assert sim.canceled_receipts() == {}
