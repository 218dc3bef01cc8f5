"""The simulator's sends: conventions, messages.json checks, quota, sounds, validate."""

from __future__ import annotations

import io
import re
from typing import Any

import aiohttp
import pytest

from pushover_simulator import (
    BUILTIN_SOUNDS,
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import EMERGENCY, KEY_RE, OTHER_TOKEN, Api, FakeClock, assert_error


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


def test_demo_keys_are_well_formed() -> None:
    for key in (DEMO_TOKEN, DEMO_USER, DEMO_USER2, DEMO_GROUP):
        assert KEY_RE.match(key), key
    sim = PushoverSimulator()
    assert sim.users[DEMO_USER].devices == ["phone", "tablet"]
    assert sim.users[DEMO_USER].licenses == ["Android", "iOS"]
    assert sim.users[DEMO_USER2].devices == ["laptop"]
    assert sim.groups[DEMO_GROUP].name == "Household"
    assert [m.user for m in sim.groups[DEMO_GROUP].members] == [DEMO_USER, DEMO_USER2]
    assert len(BUILTIN_SOUNDS) == 23


async def test_base_url_and_response_conventions(
    sim: PushoverSimulator, api: Api
) -> None:
    assert sim.base_url is not None
    assert re.match(r"^http://127\.0\.0\.1:\d+/1/$", sim.base_url)
    async with api.session.post(
        api.base + "messages.json",
        data={"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hi"},
    ) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        body = await resp.json()
        assert body["status"] == 1
        assert re.match(r"^[0-9a-f-]{36}$", body["request"])
        assert resp.headers["X-Request-Id"] == body["request"]
        assert resp.headers["X-Limit-App-Limit"] == "10000"
        assert resp.headers["X-Limit-App-Remaining"] == "9999"
        assert int(resp.headers["X-Limit-App-Reset"]) > 0
        assert "receipt" not in body


async def test_unknown_path_is_404(api: Api) -> None:
    async with api.session.get(api.base + "nothing/here.json") as resp:
        assert resp.status == 404
        assert (await resp.json())["status"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "messages.json"),
        ("GET", "sounds.json"),
        ("GET", "apps/limits.json"),
        ("POST", "users/validate.json"),
        ("GET", "receipts/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrr.json"),
        ("POST", "receipts/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrr/cancel.json"),
        ("POST", "receipts/cancel_by_tag/t.json"),
        ("POST", "groups.json"),
        ("GET", "groups.json"),
        ("GET", f"groups/{DEMO_GROUP}.json"),
        ("POST", f"groups/{DEMO_GROUP}/add_user.json"),
        ("POST", f"groups/{DEMO_GROUP}/rename.json"),
        ("POST", "subscriptions/migrate.json"),
        ("POST", "licenses/assign.json"),
        ("GET", "licenses.json"),
        ("POST", "glances.json"),
    ],
)
async def test_bad_token_everywhere(api: Api, method: str, path: str) -> None:
    status, body, _ = await api.call(
        method, path, token="badbadbadbadbadbadbadbadbadbad", message="m"
    )
    assert status == 400
    assert body["token"] == "invalid"
    assert body["errors"] == ["application token is invalid"]
    assert body["status"] == 0


async def test_message_recorded_with_every_field(
    sim: PushoverSimulator, api: Api
) -> None:
    status, body = await api.send(
        message="Hello",
        title="Title",
        url="https://example.com",
        url_title="Example",
        sound="cosmic",
        timestamp="1700000000",
        ttl="60",
        html="1",
        device="tablet",
    )
    assert status == 200, body
    msg = sim.messages[-1]
    assert msg["message"] == "Hello"
    assert msg["title"] == "Title"
    assert msg["sound"] == "cosmic"
    assert msg["html"] == "1"
    assert msg["token"] == DEMO_TOKEN
    assert msg["users"] == [DEMO_USER]
    assert msg["deliveries"] == {DEMO_USER: ["tablet"]}
    assert msg["attachment"] is None
    assert msg["receipt"] is None
    assert sim.requests[-1]["params"]["token"] == DEMO_TOKEN
    assert sim.requests[-1]["status"] == 200


async def test_unknown_device_goes_to_all_devices(
    sim: PushoverSimulator, api: Api
) -> None:
    status, _ = await api.send(device="nosuchdevice")
    assert status == 200
    assert sim.messages[-1]["deliveries"] == {DEMO_USER: ["phone", "tablet"]}


async def test_group_and_multiple_users_expand(
    sim: PushoverSimulator, api: Api
) -> None:
    status, _ = await api.send(user=DEMO_GROUP, device="phone")
    assert status == 200
    assert sim.messages[-1]["users"] == [DEMO_USER, DEMO_USER2]
    assert sim.accounts["default"].remaining == 10000 - 2
    sim.groups[DEMO_GROUP].members[1].disabled = True
    await api.send(user=DEMO_GROUP)
    assert sim.messages[-1]["users"] == [DEMO_USER]
    await api.send(user=f"{DEMO_USER},{DEMO_USER2}")
    assert sim.messages[-1]["users"] == [DEMO_USER, DEMO_USER2]
    assert sim.accounts["default"].remaining == 10000 - 5


async def test_lenient_html_false_and_repeated_keys(
    sim: PushoverSimulator, api: Api
) -> None:
    data = [
        ("token", DEMO_TOKEN),
        ("user", DEMO_USER),
        ("message", "m"),
        ("html", "False"),
        ("monospace", "1"),
        ("device", "phone"),
        ("device", "tablet"),
    ]
    async with api.session.post(api.base + "messages.json", data=data) as resp:
        assert resp.status == 200, await resp.text()
    assert sim.messages[-1]["device"] == "phone,tablet"
    assert sim.messages[-1]["deliveries"] == {DEMO_USER: ["phone", "tablet"]}


async def test_get_with_form_body_and_json_body(api: Api) -> None:
    # pushover_complete sends GET parameters as a form body.
    async with api.session.get(
        api.base + "sounds.json", data={"token": DEMO_TOKEN}
    ) as resp:
        assert resp.status == 200
    async with api.session.post(
        api.base + "messages.json",
        json={"token": DEMO_TOKEN, "user": DEMO_USER, "message": "j", "html": True},
    ) as resp:
        assert resp.status == 200
    # Token in the query string of a POST works too.
    async with api.session.post(
        api.base + "groups.json", params={"token": DEMO_TOKEN}, data={"name": "Q"}
    ) as resp:
        assert resp.status == 200


async def test_multipart_attachment_without_content_type(
    sim: PushoverSimulator, api: Api
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    form = aiohttp.FormData()
    for key, value in {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "pic",
    }.items():
        form.add_field(key, value)
    form.add_field("attachment", png, filename="attachment")
    async with api.session.post(api.base + "messages.json", data=form) as resp:
        assert resp.status == 200, await resp.text()
    msg = sim.messages[-1]
    assert msg["attachment"] == png
    assert msg["attachment_filename"] == "attachment"
    assert msg["message"] == "pic"

    form = aiohttp.FormData()
    for key, value in {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "m"}.items():
        form.add_field(key, value)
    form.add_field("attachment", b"x", filename="a.jpg", content_type="image/jpeg")
    async with api.session.post(api.base + "messages.json", data=form) as resp:
        assert resp.status == 200
    assert sim.messages[-1]["attachment_content_type"] == "image/jpeg"


async def test_attachment_base64(sim: PushoverSimulator, api: Api) -> None:
    status, _ = await api.send(
        attachment_base64="aGVsbG8=", attachment_type="image/png"
    )
    assert status == 200
    assert sim.messages[-1]["attachment"] == b"hello"
    assert sim.messages[-1]["attachment_content_type"] == "image/png"


async def test_attachment_too_large(sim: PushoverSimulator, api: Api) -> None:
    form = aiohttp.FormData()
    for key, value in {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "m"}.items():
        form.add_field(key, value)
    big = io.BytesIO(b"\0" * (5_242_880 + 1))
    form.add_field("attachment", big, filename="big.jpg")
    async with api.session.post(api.base + "messages.json", data=form) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert "attachment" in body
    assert sim.messages == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"message": ""},
            {"message": "cannot be blank", "errors": ["message cannot be blank"]},
        ),
        (
            {"user": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
            {
                "user": "invalid",
                "errors": [
                    "user identifier is not a valid user, group, or subscribed user key"
                ],
            },
        ),
        (
            {"html": "1", "monospace": "1"},
            {
                "html": "cannot be set with monospace",
                "monospace": "cannot be set with html",
                "errors": ["html and monospace are mutually exclusive"],
            },
        ),
        (
            {"priority": "3"},
            {
                "priority": "is invalid, can only be -2, -1, 0, 1, or 2",
                "errors": ["priority is invalid"],
            },
        ),
        ({"priority": "high"}, {"errors": ["priority is invalid"]}),
        (
            {"priority": "2", "expire": "60"},
            {"errors": ["retry must be supplied with priority=2"]},
        ),
        (
            {"priority": "2", "retry": "60"},
            {"errors": ["expire must be supplied with priority=2"]},
        ),
        (
            {"priority": "2", "retry": "29", "expire": "60"},
            {
                "retry": "is too small, must be at least 30 seconds",
                "errors": ["retry is invalid"],
            },
        ),
        (
            {"priority": "2", "retry": "30", "expire": "10801"},
            {"errors": ["expire is invalid"]},
        ),
        (
            {"message": "x" * 1025},
            {"errors": ["message is too long, must be at most 1024 characters"]},
        ),
        (
            {"title": "x" * 251},
            {"errors": ["title is too long, must be at most 250 characters"]},
        ),
        (
            {"url": "x" * 513},
            {"errors": ["url is too long, must be at most 512 characters"]},
        ),
        (
            {"url_title": "x" * 101},
            {"errors": ["url_title is too long, must be at most 100 characters"]},
        ),
        ({"sound": "nosuchsound"}, {"errors": ["sound is invalid"]}),
        ({"user": ",".join([DEMO_USER] * 51)}, {"user": "too many users"}),
    ],
)
async def test_message_validation_errors(
    sim: PushoverSimulator, api: Api, fields: dict[str, str], expected: dict[str, Any]
) -> None:
    status, body, headers = await api.call(
        "POST", "messages.json", **{"user": DEMO_USER, "message": "m", **fields}
    )
    assert status == 400
    assert_error(body, **{k: v for k, v in expected.items() if k != "errors"})
    assert {key: body.get(key) for key in expected} == expected
    assert headers["X-Limit-App-Remaining"] == "10000"
    assert sim.messages == []
    assert sim.accounts["default"].remaining == 10000


async def test_lengths_count_code_points_and_encrypted_skips_them(
    sim: PushoverSimulator, api: Api
) -> None:
    status, _ = await api.send(message="é" * 1024, title="🚨" * 250)
    assert status == 200
    status, _ = await api.send(message="A" * 1500, url_title="B" * 150, encrypted="1")
    assert status == 200
    assert sim.messages[-1]["url_title"] == "B" * 150
    assert sim.messages[-1]["encrypted"] == "1"


async def test_emergency_returns_receipt(sim: PushoverSimulator, api: Api) -> None:
    status, body = await api.send(
        title="Alarm", tags="door,front", callback="http://127.0.0.1:9/cb", **EMERGENCY
    )
    assert status == 200
    receipt = body["receipt"]
    assert KEY_RE.match(receipt)
    rec = sim.receipts[receipt]
    assert rec.tags == ["door", "front"]
    assert rec.callback == "http://127.0.0.1:9/cb"
    assert rec.title == "Alarm"
    assert rec.users == [DEMO_USER]
    assert (rec.retry, rec.expire) == (30, 300)
    assert rec.expires_at == rec.sent_at + 300
    assert sim.messages[-1]["receipt"] == receipt


async def test_quota_headers_and_429(sim: PushoverSimulator, api: Api) -> None:
    sim.set_quota(7500, remaining=1, reset=2_000_000_000)
    status, body, headers = await api.call(
        "POST", "messages.json", user=DEMO_GROUP, message="m"
    )
    assert status == 429
    assert body["token"] == "invalid"
    assert body["errors"] == ["application has exceeded current limit of 7500 messages"]
    assert headers["X-Limit-App-Remaining"] == "1"
    assert headers["X-Limit-App-Limit"] == "7500"
    assert headers["X-Limit-App-Reset"] == "2000000000"
    status, _, headers = await api.call(
        "POST", "messages.json", user=DEMO_USER, message="m"
    )
    assert status == 200
    assert headers["X-Limit-App-Remaining"] == "0"
    status, _, headers = await api.call(
        "POST", "messages.json", user=DEMO_USER, message="m"
    )
    assert status == 429
    assert headers["X-Limit-App-Remaining"] == "0"
    status, body = await api.get("apps/limits.json")
    assert (body["limit"], body["remaining"], body["reset"]) == (7500, 0, 2_000_000_000)


async def test_quota_resets_when_due() -> None:
    clock = FakeClock()
    sim = PushoverSimulator(clock=clock)
    acc = sim.account("default")
    sim.set_quota(100, remaining=0)
    reset = acc.reset
    assert reset > clock.now
    clock.now = reset + 1
    assert sim.account("default").remaining == 100
    assert sim.account("default").reset > reset


async def test_sounds_include_custom(sim: PushoverSimulator, api: Api) -> None:
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door Bell")
    status, body = await api.get("sounds.json")
    assert status == 200
    assert body["sounds"]["pushover"] == "Pushover (default)"
    assert body["sounds"]["doorbell"] == "Door Bell"
    assert len(body["sounds"]) == 24
    status, _ = await api.send(sound="doorbell")
    assert status == 200
    sim.add_app(OTHER_TOKEN, account="other")
    status, body = await api.get("sounds.json", token=OTHER_TOKEN)
    assert "doorbell" not in body["sounds"]


async def test_validate(sim: PushoverSimulator, api: Api) -> None:
    status, body = await api.post("users/validate.json", user=DEMO_USER)
    assert status == 200
    assert body["group"] == 0
    assert body["devices"] == ["phone", "tablet"]
    assert body["licenses"] == ["Android", "iOS"]
    status, body = await api.post("users/validate.json", user=DEMO_USER, device="phone")
    assert status == 200
    status, body = await api.post("users/validate.json", user=DEMO_GROUP)
    assert (status, body["group"], body["devices"]) == (200, 1, [])
    status, body = await api.post("users/validate.json", user="x" * 30)
    assert status == 400
    assert_error(body, user="invalid")
    assert body["errors"] == ["user key is invalid"]
    # (a glance error first: error bodies must not leak headers between endpoints)
    await api.post("glances.json", user=DEMO_USER, device="nope", text="t")
    status, body, headers = await api.call(
        "POST", "users/validate.json", user=DEMO_USER, device="nope"
    )
    assert status == 400
    assert "X-Limit-App-Remaining" not in headers
    assert_error(body, device="invalid for this user")
    assert body["errors"] == ["device name is not valid for this user"]


async def test_validate_user_without_devices(sim: PushoverSimulator, api: Api) -> None:
    sim.add_user("n" * 30, devices=[])
    status, body = await api.post("users/validate.json", user="n" * 30)
    assert status == 400
    assert_error(body, user="invalid")
    assert body["errors"] == ["user is valid but has no active devices"]
