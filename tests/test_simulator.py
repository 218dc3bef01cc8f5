"""Tests of the Pushover simulator itself: it is a measuring instrument, so it must be right."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDictProxy
import pytest

from pushover_simulator import (
    BUILTIN_SOUNDS,
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    FaultKind,
    GroupMember,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

KEY_RE = re.compile(r"^[A-Za-z0-9]{30}$")
OTHER_TOKEN = "oTherAppT0kenXXXXXXXXXXXXXXXXX"
EMERGENCY = {"priority": "2", "retry": "30", "expire": "300"}


class FakeClock:
    """A settable clock for the simulator."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


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


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


def assert_error(body: dict[str, Any], **fields: str) -> None:
    assert body["status"] == 0
    assert isinstance(body["errors"], list)
    assert body["errors"]
    assert isinstance(body["request"], str)
    for key, value in fields.items():
        assert body[key] == value


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
    if "errors" in expected:
        assert body["errors"] == expected["errors"]
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
    method = "POST" if path.endswith(("messages.json", "validate.json")) else "GET"
    status, body, headers = await api.call(method, path, user=DEMO_USER, message="m")
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


async def test_validate_user_without_devices(sim: PushoverSimulator, api: Api) -> None:
    sim.add_user("n" * 30, devices=[])
    status, body = await api.post("users/validate.json", user="n" * 30)
    assert status == 400
    assert_error(body, user="invalid")
    assert body["errors"] == ["user is valid but has no active devices"]


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


async def test_inbox_acknowledge_form(sim: PushoverSimulator, api: Api) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10
    form = aiohttp.FormData()
    for key, value in {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "<Fire>",
        "title": "Alarm",
        **EMERGENCY,
    }.items():
        form.add_field(key, value)
    form.add_field("attachment", png, filename="attachment")
    async with api.session.post(api.base + "messages.json", data=form) as resp:
        receipt = (await resp.json())["receipt"]
    await api.send(message="plain one")
    async with api.session.get(api.root) as resp:
        assert resp.status == 200
        page = await resp.text()
    assert page.index("plain one") < page.index("&lt;Fire&gt;")
    assert f'action="/_sim/acknowledge/{receipt}"' in page
    assert f'data-receipt="{receipt}"' in page
    assert ">Acknowledge</button>" in page
    assert "data:image/png;base64," in page

    async with api.session.post(
        api.root + f"_sim/acknowledge/{receipt}", data={}, allow_redirects=False
    ) as resp:
        assert resp.status == 303
        assert resp.headers["Location"] == "/"
    assert sim.receipts[receipt].acknowledged
    async with api.session.get(api.root) as resp:
        page = await resp.text()
    assert ">Acknowledge</button>" not in page
    assert "acknowledged by" in page


async def test_control_endpoints(sim: PushoverSimulator, api: Api) -> None:
    _, body = await api.send(**EMERGENCY)
    receipt = body["receipt"]
    async with api.session.post(
        api.root + f"_sim/acknowledge/{receipt}",
        json={"user": DEMO_USER, "device": "tablet"},
    ) as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["acknowledged"] == 1
    assert data["acknowledged_by_device"] == "tablet"
    async with api.session.post(api.root + "_sim/acknowledge/" + "z" * 30) as resp:
        assert resp.status == 404

    async with api.session.post(
        api.root + "_sim/fault", json={"path": "sounds.json", "kind": "503"}
    ) as resp:
        assert resp.status == 200
    assert sim.faults[0].kind == "503"
    async with api.session.post(
        api.root + "_sim/fault", json={"path": "sounds.json", "kind": "404"}
    ) as resp:
        assert resp.status == 400
    async with api.session.post(
        api.root + "_sim/latency", json={"latency": 0.01, "connect_latency": 0.02}
    ) as resp:
        assert resp.status == 200
    assert (sim.latency, sim.connect_latency) == (0.01, 0.02)

    async with api.session.get(api.root + "_sim/state") as resp:
        state = await resp.json()
    assert state["messages"][0]["message"] == "hello"
    assert state["messages"][0]["attachment_size"] is None
    assert state["receipts"][receipt]["acknowledged"] == 1
    assert state["in_flight"] == 0
    assert state["requests"][0]["path"] == "/1/messages.json"
    assert state["requests"][0]["params"]["priority"] == "2"
    assert state["faults"][0]["path_suffix"] == "sounds.json"
    json.dumps(state)

    async with api.session.post(api.root + "_sim/reset") as resp:
        assert resp.status == 200
    assert sim.messages == []
    assert sim.receipts == {}
    assert sim.faults == []
    assert sim.latency == 0
    assert DEMO_TOKEN in sim.apps


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
