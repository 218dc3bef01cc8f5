"""The simulator's groups, subscriptions, licenses, glances and directory helpers."""

from __future__ import annotations

import aiohttp
import pytest

from pushover_simulator import (
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    GroupMember,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import KEY_RE, OTHER_TOKEN, Api, assert_error


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


async def test_groups_lifecycle(sim: PushoverSimulator, api: Api) -> None:
    status, body = await api.post("groups.json", name="Family")
    assert status == 200
    group = body["group"]
    assert KEY_RE.match(group)
    status, body = await api.get("groups.json")
    assert {"group": group, "name": "Family"} in body["groups"]
    assert {"group": DEMO_GROUP, "name": "Household"} in body["groups"]

    status, body = await api.post(
        f"groups/{group}/add_user.json", user=DEMO_USER, device="phone", memo="Me"
    )
    assert (status, body["status"]) == (200, 1)
    status, body = await api.post(f"groups/{group}/add_user.json", user=DEMO_USER2)
    assert status == 200
    status, body = await api.post(
        f"groups/{group}/add_user.json", user=DEMO_USER, device="phone"
    )
    assert status == 400
    assert body["errors"] == ["user is already a member of this group"]
    assert body["user"] == "invalid"
    status, body = await api.post(f"groups/{group}/add_user.json", user="x" * 30)
    assert status == 400
    status, body = await api.post(
        f"groups/{group}/add_user.json", user=DEMO_USER2, memo="m" * 201
    )
    assert status == 400

    status, body = await api.get(f"groups/{group}.json")
    assert body["name"] == "Family"
    assert body["users"] == [
        {"user": DEMO_USER, "device": "phone", "memo": "Me", "disabled": False},
        {"user": DEMO_USER2, "device": None, "memo": "", "disabled": False},
    ]
    await api.send(user=group)
    assert sim.messages[-1]["deliveries"] == {
        DEMO_USER: ["phone"],
        DEMO_USER2: ["laptop"],
    }

    status, _ = await api.post(f"groups/{group}/disable_user.json", user=DEMO_USER2)
    assert status == 200
    _, body = await api.get(f"groups/{group}.json")
    assert body["users"][1]["disabled"] is True
    await api.send(user=group)
    assert sim.messages[-1]["users"] == [DEMO_USER]
    status, _ = await api.post(f"groups/{group}/enable_user.json", user=DEMO_USER2)
    assert status == 200
    assert not sim.groups[group].members[1].disabled

    status, _ = await api.post(f"groups/{group}/rename.json", name="Kin")
    assert status == 200
    assert sim.groups[group].name == "Kin"
    status, body = await api.post(f"groups/{group}/rename.json", name="")
    assert status == 400

    status, _ = await api.post(f"groups/{group}/remove_user.json", user=DEMO_USER2)
    assert status == 200
    status, _ = await api.post(f"groups/{group}/delete_user.json", user=DEMO_USER)
    assert status == 200
    assert sim.groups[group].members == []
    for action in ("remove_user", "delete_user", "disable_user", "enable_user"):
        status, body = await api.post(f"groups/{group}/{action}.json", user=DEMO_USER)
        assert status == 400
        assert body["errors"] == ["user is not a member of this group"]
        assert body["user"] == "invalid"


async def test_group_not_found_or_not_owned(sim: PushoverSimulator, api: Api) -> None:
    sim.add_app(OTHER_TOKEN, account="other")
    for token, group in ((DEMO_TOKEN, "g" * 30), (OTHER_TOKEN, DEMO_GROUP)):
        for method, path in (
            ("GET", f"groups/{group}.json"),
            ("POST", f"groups/{group}/add_user.json"),
            ("POST", f"groups/{group}/rename.json"),
        ):
            status, body, _ = await api.call(
                method, path, token=token, user=DEMO_USER, name="n"
            )
            assert status == 400
            assert body["group"] == "not found"
            assert body["errors"] == [
                "group not found or you are not authorized to edit it"
            ]
    status, body = await api.get("groups.json", token=OTHER_TOKEN)
    assert body["groups"] == []
    status, body = await api.post("groups.json", name="")
    assert status == 400
    assert_error(body, name="cannot be blank")


async def test_subscription_migrate(sim: PushoverSimulator, api: Api) -> None:
    status, body = await api.post(
        "subscriptions/migrate.json",
        user=DEMO_USER,
        subscription=DEMO_SUBSCRIPTION,
        device_name="phone",
        sound="siren",
    )
    assert status == 200
    key = body["subscribed_user_key"]
    assert KEY_RE.match(key)
    assert key != DEMO_USER
    _, again = await api.post(
        "subscriptions/migrate.json", user=DEMO_USER, subscription=DEMO_SUBSCRIPTION
    )
    assert again["subscribed_user_key"] == key
    status, body = await api.post("users/validate.json", user=key)
    assert status == 200
    assert body["devices"] == ["phone"]
    assert "licenses" not in body
    status, _ = await api.send(user=key)
    assert status == 200
    status, body = await api.post(
        "subscriptions/migrate.json", user=DEMO_USER, subscription="Nope-123"
    )
    assert status == 400
    assert body["subscription"] == "invalid"
    assert body["errors"] == ["subscription code is invalid"]


async def test_licenses(sim: PushoverSimulator, api: Api) -> None:
    sim.set_license_credits(2)
    status, body = await api.get("licenses.json")
    assert (status, body["credits"]) == (200, 2)
    status, body = await api.post("licenses/assign.json", user=DEMO_USER2, os="iOS")
    assert (status, body["credits"]) == (200, 1)
    assert "iOS" in sim.users[DEMO_USER2].licenses
    status, body = await api.post("licenses/assign.json", os="Windows", email="a@b.c")
    assert status == 400
    assert "os" in body
    status, body = await api.post("licenses/assign.json")
    assert status == 400
    status, body = await api.post("licenses/assign.json", email="a@b.c")
    assert (status, body["credits"]) == (200, 0)
    assert sim.license_assignments[-1] == {"user": "", "email": "a@b.c", "os": ""}
    assert sim.license_credits["default"] == 0
    sim.license_credits["default"] = 1
    status, body = await api.post("licenses/assign.json", user=DEMO_USER)
    assert (status, body["credits"]) == (200, 0)
    status, body = await api.post("licenses/assign.json", user=DEMO_USER)
    assert status == 400
    assert body["token"] == "is out of available license credits"
    assert body["errors"] == ["application is out of available license credits"]


async def test_glances(sim: PushoverSimulator, api: Api) -> None:
    status, body, headers = await api.call(
        "POST", "glances.json", user=DEMO_USER, title="Temp", count="-3", percent="50"
    )
    assert (status, body["status"]) == (200, 1)
    assert "X-Limit-App-Remaining" in headers
    assert sim.glances[(DEMO_USER, "")] == {
        "title": "Temp",
        "count": "-3",
        "percent": "50",
    }
    await api.post("glances.json", user=DEMO_USER, title="", text="Hi")
    assert sim.glances[(DEMO_USER, "")] == {
        "count": "-3",
        "percent": "50",
        "text": "Hi",
    }
    await api.post("glances.json", user=DEMO_USER, device="phone", text="P")
    assert sim.glances[(DEMO_USER, "phone")] == {"text": "P"}
    for fields in (
        {},
        {"text": "x" * 101},
        {"subtext": "x" * 101},
        {"percent": "101"},
        {"percent": "-1"},
        {"count": "many"},
        {"device": "nope", "text": "t"},
    ):
        status, body, headers = await api.call(
            "POST", "glances.json", user=DEMO_USER, **fields
        )
        assert status == 400, fields
        assert_error(body)
        assert "X-Limit-App-Remaining" in headers
    status, body = await api.post("glances.json", user="x" * 30, text="t")
    assert_error(body, user="invalid")
    # Glances do not consume message quota.
    assert sim.accounts["default"].remaining == 10000


async def test_add_helpers_and_unseeded() -> None:
    sim = PushoverSimulator(seed=False)
    assert sim.apps == {}
    sim.add_app(OTHER_TOKEN, account="acme")
    sim.add_user("u" * 30, devices=["d1"], licenses=[], account="acme")
    sim.add_group(
        "g" * 30,
        "G",
        members=[GroupMember("u" * 30, "d1", "memo")],
        owner_account="acme",
    )
    sim.set_quota(5, 5, 123, account=OTHER_TOKEN)
    assert sim.accounts["acme"].limit == 5
    assert sim.accounts["acme"].reset == 123
    base = await sim.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(sim, session)
            status, body = await api.send(token=OTHER_TOKEN, user="g" * 30)
            assert status == 200
            assert sim.messages[-1]["deliveries"] == {"u" * 30: ["d1"]}
            status, body = await api.get("groups.json", token=OTHER_TOKEN)
            assert body["groups"] == [{"group": "g" * 30, "name": "G"}]
    finally:
        await sim.stop()
    assert base.startswith("http://127.0.0.1:")
