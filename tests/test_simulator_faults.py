"""The simulator's faults, storms, hangs, in-flight counts and latencies."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from pushover_simulator import (
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    FaultKind,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import Api


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_fault_5xx(sim: PushoverSimulator, api: Api, kind: FaultKind) -> None:
    sim.inject_fault("messages.json", kind, count=2)
    for _ in range(2):
        async with api.session.post(
            api.base + "messages.json",
            data={"token": DEMO_TOKEN, "user": DEMO_USER, "message": "m"},
        ) as resp:
            assert resp.status == int(kind)
            assert resp.content_type == "text/html"
    status, _ = await api.send()
    assert status == 200
    assert len(sim.messages) == 1
    assert [r["status"] for r in sim.requests] == [int(kind), int(kind), 200]
    # Faults only hit matching paths.
    sim.inject_fault("messages.json", kind)
    status, _ = await api.get("sounds.json")
    assert status == 200
    assert len(sim.faults) == 1


QUOTA_ERROR = "application has exceeded current limit of 10000 messages"
BAD_USER_ERROR = "user identifier is not a valid user, group, or subscribed user key"


def method_of(path: str) -> str:
    """How the API is asked at ``path``: a send or a validation posts, the rest gets."""
    return "POST" if path.endswith(("messages.json", "validate.json")) else "GET"


@pytest.mark.parametrize(
    ("kind", "path", "http_status", "fields", "error"),
    [
        (
            "invalid_token",
            "sounds.json",
            400,
            {"token": "invalid"},
            "application token is invalid",
        ),
        ("quota", "messages.json", 429, {"token": "invalid"}, QUOTA_ERROR),
        (
            "not_found",
            f"receipts/{'r' * 30}.json",
            404,
            {"receipt": "not found"},
            "receipt not found; may be invalid or expired",
        ),
        (
            "bad_request",
            "users/validate.json",
            400,
            {"user": "invalid"},
            BAD_USER_ERROR,
        ),
    ],
)
async def test_fault_refusals_have_real_bodies(
    sim: PushoverSimulator,
    api: Api,
    kind: FaultKind,
    path: str,
    http_status: int,
    fields: dict[str, str],
    error: str,
) -> None:
    sim.inject_fault(path.rsplit("/", maxsplit=1)[-1], kind)
    status, body, headers = await api.call(
        method_of(path), path, user=DEMO_USER, message="m"
    )
    assert status == http_status
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body == {
        **fields,
        "errors": [error],
        "status": 0,
        "request": body["request"],
    }
    assert headers["X-Request-Id"] == body["request"]
    assert sim.messages == []
    assert sim.requests[-1]["status"] == http_status
    assert sim.requests[-1]["fault"] == kind
    assert sim.faults == []


async def test_fault_quota_headers_say_nothing_remains(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.set_quota(7500, 42, reset=4_102_444_800)
    sim.inject_fault("messages.json", "quota")
    status, body, headers = await api.call("POST", "messages.json", user=DEMO_USER)
    assert status == 429
    assert body["errors"] == ["application has exceeded current limit of 7500 messages"]
    assert headers["X-Limit-App-Limit"] == "7500"
    assert headers["X-Limit-App-Remaining"] == "0"
    assert headers["X-Limit-App-Reset"] == "4102444800"
    assert sim.accounts["default"].remaining == 42


async def test_fault_bad_request_on_messages_carries_limit_headers(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.inject_fault("messages.json", "bad_request")
    sim.inject_fault("sounds.json", "bad_request")
    status, body, headers = await api.call(
        "POST", "messages.json", user=DEMO_USER, message="m"
    )
    assert (status, body["errors"]) == (400, [BAD_USER_ERROR])
    assert headers["X-Limit-App-Remaining"] == "10000"
    status, _, headers = await api.call("GET", "sounds.json")
    assert status == 400
    assert "X-Limit-App-Remaining" not in headers


async def test_fault_408_is_a_plain_small_body(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.inject_fault("messages.json", "408")
    async with api.session.post(
        api.base + "messages.json",
        data={"token": DEMO_TOKEN, "user": DEMO_USER, "message": "m"},
    ) as resp:
        assert resp.status == 408
        assert resp.content_type == "text/plain"
        assert await resp.text() == "408 Request Timeout"
    assert sim.messages == []


async def test_fault_missing_field_and_oversized(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.inject_fault("limits.json", "missing_field")
    status, body = await api.get("apps/limits.json")
    assert status == 200
    assert body == {"status": 1, "request": body["request"]}
    sim.inject_fault("messages.json", "oversized")
    async with api.session.post(
        api.base + "messages.json",
        data={"token": DEMO_TOKEN, "user": DEMO_USER, "message": "m"},
    ) as resp:
        assert resp.status == 200
        raw = await resp.read()
    assert 1_900_000 < len(raw) < 2_200_000
    body = json.loads(raw)
    assert body["status"] == 1
    assert set(body) == {"status", "request", "padding"}
    # The fault answered instead of the endpoint: nothing was delivered.
    assert sim.messages == []


async def _storm_outcomes(sim: PushoverSimulator, sends: int) -> list[int]:
    """Send `sends` messages one after another; return each HTTP status (0: dropped)."""
    assert sim.base_url is not None
    outcomes: list[int] = []
    async with aiohttp.ClientSession() as session:
        for number in range(sends):
            form = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": f"m{number}"}
            try:
                async with session.post(
                    sim.base_url + "messages.json", data=form
                ) as resp:
                    await resp.read()
                    outcomes.append(resp.status)
            except aiohttp.ClientError:
                outcomes.append(0)
    return outcomes


async def test_storm_is_seeded_and_delivers_nothing_on_failure(
    sim: PushoverSimulator,
) -> None:
    sim.set_storm(0.5, seed=7)
    first = await _storm_outcomes(sim, 40)
    assert set(first) == {0, 200, 503}
    assert sim.storm_failures == first.count(0) + first.count(503)
    delivered = [m["message"] for m in sim.messages]
    assert delivered == [f"m{n}" for n, status in enumerate(first) if status == 200]
    assert [r["status"] for r in sim.requests] == first
    assert all(r.get("storm") for r in sim.requests if r["status"] != 200)

    sim.reset()
    sim.set_storm(0.5, seed=7)
    assert await _storm_outcomes(sim, 40) == first
    sim.reset()
    sim.set_storm(0.5, seed=8)
    assert await _storm_outcomes(sim, 40) != first


async def test_storm_only_on_its_path_and_off_at_zero(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.set_storm(1.0, seed=1, path_suffix="sounds.json")
    status, _ = await api.send()
    assert status == 200
    sim.set_storm(0.0, seed=0)
    assert sim.storm is None
    for _ in range(5):
        status, _ = await api.get("sounds.json")
        assert status == 200
    assert sim.storm_failures == 0
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        sim.set_storm(1.5, seed=0)


async def test_storm_control_endpoint(sim: PushoverSimulator, api: Api) -> None:
    async with api.session.post(
        api.root + "_sim/storm", json={"fraction": 1.0, "seed": 3, "method": "POST"}
    ) as resp:
        assert resp.status == 200
    assert sim.storm is not None
    assert sim.storm.path_suffix == "messages.json"
    async with api.session.get(api.root + "_sim/state") as resp:
        state = await resp.json()
    assert state["storm"] == {
        "fraction": 1.0,
        "seed": 3,
        "path_suffix": "messages.json",
        "method": "POST",
    }
    async with api.session.post(
        api.root + "_sim/storm", json={"fraction": 2.0, "seed": 3}
    ) as resp:
        assert resp.status == 400
    async with api.session.post(
        api.root + "_sim/fault",
        json={"path": "limits.json", "kind": "quota", "method": "GET"},
    ) as resp:
        assert resp.status == 200
    assert (sim.faults[0].kind, sim.faults[0].method) == ("quota", "GET")


async def test_fault_and_storm_narrowed_to_a_method(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.inject_fault("limits.json", "503", method="POST")
    status, _ = await api.get("apps/limits.json")
    assert status == 200
    assert len(sim.faults) == 1
    sim.set_storm(1.0, seed=0, path_suffix="sounds.json", method="POST")
    status, _ = await api.get("sounds.json")
    assert status == 200
    assert sim.storm_failures == 0


async def test_fault_drop(sim: PushoverSimulator) -> None:
    sim.inject_fault("messages.json", "drop")
    async with aiohttp.ClientSession() as session:
        api = Api(sim, session)
        with pytest.raises(aiohttp.ClientError):
            await api.send()
        status, _ = await api.send()
    assert status == 200
    assert len(sim.messages) == 1
    assert sim.requests[0]["status"] == 0
    assert sim.requests[0]["fault"] == "drop"


async def test_fault_hang_until_client_gives_up(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.inject_fault("sounds.json", "hang")
    request = asyncio.ensure_future(api.get("sounds.json"))
    async with asyncio.timeout(5):
        await sim.wait_until(lambda: sim.in_flight == 1)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    async with asyncio.timeout(5):
        await sim.wait_until(lambda: sim.in_flight == 0)
    assert sim.requests[0]["fault"] == "hang"
    assert sim.requests[0]["status"] == 0
    status, _ = await api.get("sounds.json")
    assert status == 200


async def test_hang_ends_on_stop() -> None:
    sim = PushoverSimulator()
    base = await sim.start()
    sim.inject_fault("limits.json", "hang")
    async with aiohttp.ClientSession() as session:
        request = asyncio.ensure_future(
            session.get(base + "apps/limits.json", params={"token": DEMO_TOKEN})
        )
        async with asyncio.timeout(5):
            await sim.wait_until(lambda: sim.in_flight == 1)
        await sim.stop()
        with pytest.raises(aiohttp.ClientError):
            await request
    assert sim.in_flight == 0


async def test_in_flight_and_peak(sim: PushoverSimulator) -> None:
    sim.inject_fault("sounds.json", "hang", count=3)
    async with aiohttp.ClientSession() as session:
        api = Api(sim, session)
        requests = [asyncio.ensure_future(api.get("sounds.json")) for _ in range(3)]
        async with asyncio.timeout(5):
            await sim.wait_until(lambda: sim.in_flight == 3)
        assert sim.peak_in_flight == 3
        assert sim.connections_opened == 3
        for request in requests:
            request.cancel()
        await asyncio.gather(*requests, return_exceptions=True)
        async with asyncio.timeout(5):
            await sim.wait_until(lambda: sim.in_flight == 0)
        status, _ = await api.get("sounds.json")
    assert status == 200
    assert sim.peak_in_flight == 3


async def test_latency_delays_every_request(sim: PushoverSimulator, api: Api) -> None:
    sim.latency = 0.05
    loop = asyncio.get_running_loop()
    for _ in range(2):
        start = loop.time()
        status, _ = await api.get("sounds.json")
        assert status == 200
        assert loop.time() - start >= 0.05


async def test_user_latency_answers_one_key_later(
    sim: PushoverSimulator, api: Api
) -> None:
    """A message to the slow key is answered after one to another key sent later."""
    sim.user_latency[DEMO_USER] = 0.2
    slow = asyncio.create_task(api.send(user=DEMO_USER, message="slow"))
    await sim.wait_until(lambda: len(sim.requests) == 1)
    assert (await api.send(user=DEMO_USER2, message="quick"))[0] == 200
    assert not slow.done()
    assert (await slow)[0] == 200
    assert [m["message"] for m in sim.messages] == ["quick", "slow"]


async def test_connect_latency_only_on_new_connections(sim: PushoverSimulator) -> None:
    sim.connect_latency = 0.15
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        api = Api(sim, session)
        loop = asyncio.get_running_loop()
        start = loop.time()
        await api.get("sounds.json")
        first = loop.time() - start
        await api.get("sounds.json")
    assert first >= 0.15
    assert [r["new_connection"] for r in sim.requests] == [True, False]
    assert sim.connections_opened == 1
