"""The simulator's refused user keys: `disable_user`, as Pushover refuses a closed account."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from pushover_simulator import (
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import Api

BAD_USER = {
    "user": "invalid",
    "errors": ["user identifier is not a valid user, group, or subscribed user key"],
    "status": 0,
}
USER_KEY_INVALID = {"user": "invalid", "errors": ["user key is invalid"], "status": 0}


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator, DEMO_USER2 refused."""
    sim.disable_user(DEMO_USER2)
    return Api(sim, session)


async def test_send_to_a_disabled_user_answers_the_real_400(
    sim: PushoverSimulator, api: Api
) -> None:
    status, body, headers = await api.call(
        "POST", "messages.json", user=DEMO_USER2, message="m"
    )
    assert status == 400
    assert body == {**BAD_USER, "request": body["request"]}
    assert headers["X-Request-Id"] == body["request"]
    assert headers["X-Limit-App-Remaining"] == "10000"
    assert sim.messages == []
    assert sim.requests[-1]["status"] == 400


@pytest.mark.parametrize(
    ("user", "status", "recorded"),
    [
        (DEMO_USER, 200, [[DEMO_USER]]),
        (DEMO_GROUP, 200, [[DEMO_USER]]),
        (f"{DEMO_USER},{DEMO_USER2}", 400, []),
    ],
)
async def test_other_users_and_groups_still_work(
    sim: PushoverSimulator, api: Api, user: str, status: int, recorded: list[list[str]]
) -> None:
    got, _ = await api.send(user=user)
    assert got == status
    assert [m["users"] for m in sim.messages] == recorded


@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [
        ("POST", "users/validate.json", {}),
        ("POST", "glances.json", {"text": "t"}),
        ("POST", f"groups/{DEMO_GROUP}/add_user.json", {"device": "laptop"}),
        ("POST", "licenses/assign.json", {"os": "iOS"}),
        (
            "POST",
            "subscriptions/migrate.json",
            {"subscription": DEMO_SUBSCRIPTION},
        ),
    ],
)
async def test_other_endpoints_refuse_the_key(
    api: Api, method: str, path: str, fields: dict[str, Any]
) -> None:
    status, body, _ = await api.call(method, path, user=DEMO_USER2, **fields)
    assert status == 400
    assert body == {**USER_KEY_INVALID, "request": body["request"]}


async def test_enable_user_accepts_the_key_again(
    sim: PushoverSimulator, api: Api
) -> None:
    sim.enable_user(DEMO_USER2)
    status, _ = await api.send(user=DEMO_USER2)
    assert status == 200
    assert sim.messages[-1]["deliveries"] == {DEMO_USER2: ["laptop"]}


@pytest.mark.parametrize("method", ["disable_user", "enable_user"])
def test_unknown_key_is_a_key_error(method: str) -> None:
    sim = PushoverSimulator()
    with pytest.raises(KeyError):
        getattr(sim, method)("x" * 30)


async def test_control_endpoint_and_state(sim: PushoverSimulator, api: Api) -> None:
    async with api.session.post(
        api.root + f"_sim/users/{DEMO_USER}", json={"disabled": True}
    ) as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": 1, "user": DEMO_USER, "disabled": True}
    async with api.session.get(api.root + "_sim/state") as resp:
        assert (await resp.json())["disabled_users"] == [DEMO_USER, DEMO_USER2]
    async with api.session.post(
        api.root + f"_sim/users/{DEMO_USER2}", json={"disabled": False}
    ) as resp:
        assert (await resp.json())["disabled"] is False
    async with api.session.post(api.root + "_sim/users/" + "x" * 30) as resp:
        assert resp.status == 404
    status, _ = await api.send(user=DEMO_USER2, token=DEMO_TOKEN)
    assert status == 200
    status, _ = await api.send(user=DEMO_USER)
    assert status == 400


async def test_reset_enables_everyone(sim: PushoverSimulator, api: Api) -> None:
    sim.reset()
    status, _ = await api.send(user=DEMO_USER2)
    assert status == 200
