"""The Pushover client, over real HTTP against the simulator (no mocks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
from aiohttp import web
import pytest

from custom_components.pushover_complete import api as api_package
from custom_components.pushover_complete.api import (
    MAX_IN_FLIGHT,
    BadAPIRequestError,
    Limits,
    PushoverAPI,
    PushoverAuthError,
    PushoverCompleteError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
    guess_content_type,
    request_limiter,
)
from pushover_simulator import (
    BUILTIN_SOUNDS,
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .helpers import unused_api_url

MAX_ATTACHMENT = 5_242_880
UNKNOWN_TOKEN = "Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"
FUTURE_RESET = 4_102_444_800  # 2100-01-01
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


@dataclass
class Traced:
    """A client session recording the method and URL of every request it makes."""

    session: aiohttp.ClientSession
    calls: list[tuple[str, str]] = field(default_factory=list)


def _traced_session(**kwargs: Any) -> Traced:
    calls: list[tuple[str, str]] = []

    async def on_start(
        _session: aiohttp.ClientSession,
        _ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        calls.append((params.method, str(params.url)))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(cast(Any, on_start))  # aiohttp typing of signals
    return Traced(aiohttp.ClientSession(trace_configs=[trace], **kwargs), calls)


@pytest.fixture
async def traced() -> AsyncIterator[Traced]:
    """A traced session, closed after the test."""
    result = _traced_session()
    async with result.session:
        yield result


@pytest.fixture
async def session(traced: Traced) -> aiohttp.ClientSession:
    """The session handed to the client."""
    return traced.session


@dataclass
class OddServer:
    """A tiny server answering with odd bodies, recording what it received.

    ``answers`` maps an endpoint the client asks (``messages``, ``sounds``) to
    the odd answer it gets there (``html502``...); the client is asked through
    its public methods.
    """

    base_url: str
    seen: list[dict[str, Any]]
    answers: dict[str, str] = field(default_factory=dict)


def _odd_routes(token: str) -> dict[str, Callable[[], web.Response]]:
    def json_body(status: int, body: Any, **headers: str) -> web.Response:
        return web.Response(
            status=status,
            text=json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    return {
        "html502": lambda: web.Response(
            status=502,
            text="<html><body><h1>502 Bad Gateway</h1></body></html>",
            content_type="text/html",
        ),
        "notjson": lambda: web.Response(status=200, text="not json"),
        "jsonlist": lambda: json_body(200, [1, 2, 3]),
        "text400": lambda: web.Response(
            status=400, text=f"  Bad Request for {token}  "
        ),
        "empty400": lambda: web.Response(status=400, body=b""),
        "status0": lambda: json_body(
            200, {"status": 0, "errors": ["something went wrong"], "request": "r-0"}
        ),
        "dicterrors": lambda: json_body(
            400,
            {
                "status": 0,
                "errors": {"user": ["is invalid", "is blank"], "device": "is bad"},
                "request": "r-1",
            },
        ),
        "stringerror": lambda: json_body(400, {"status": 0, "errors": "just this"}),
        "noerrors": lambda: json_body(
            400, {"status": 0, "user": "invalid", "request": "r-2"}
        ),
        "echotoken": lambda: json_body(
            400,
            {
                "status": 0,
                "errors": [f"token {token} is not allowed here"],
                "token": f"{token} refused",
                "request": 12345,
            },
        ),
        "authlike": lambda: json_body(
            401, {"status": 0, "errors": ["Application token is invalid"]}
        ),
        "badlimits": lambda: json_body(
            200,
            {"status": 1, "request": "r-3"},
            **{
                "X-Limit-App-Limit": "lots",
                "X-Limit-App-Remaining": "1",
                "X-Limit-App-Reset": "2",
            },
        ),
        "notmodified": lambda: web.Response(status=304),
        "echo": lambda: json_body(200, {"status": 1, "request": "r-echo"}),
    }


@pytest.fixture
async def odd_server(request: pytest.FixtureRequest) -> AsyncIterator[OddServer]:
    """Serve odd answers on 127.0.0.1 under /1/{name}.json."""
    enable_sockets(request)
    seen: list[dict[str, Any]] = []
    routes = _odd_routes(DEMO_TOKEN)

    async def handler(request: web.Request) -> web.Response:
        name = server.answers.get(request.match_info["name"], "echo")
        seen.append(
            {
                "name": name,
                "method": request.method,
                "query": dict(request.query),
                "content_type": request.content_type,
                "body": (await request.read()).decode("utf-8", "replace"),
            }
        )
        if name == "loop":
            raise web.HTTPFound(location=str(request.rel_url))
        return routes[name]()

    app = web.Application()
    app.router.add_route("*", "/1/{name}.json", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = OddServer(f"http://127.0.0.1:{runner.addresses[0][1]}/1/", seen)
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
def odd_api(odd_server: OddServer, session: aiohttp.ClientSession) -> PushoverAPI:
    """A client pointed at the odd server."""
    return PushoverAPI(DEMO_TOKEN, session, base_url=odd_server.base_url)


ISSUE_10_EXPORTS = {
    "MAX_MESSAGE",
    "MAX_TITLE",
    "MAX_URL",
    "MAX_USERS",
    "MAX_ATTACHMENT",
    "KEY_RE",
    "check_key",
    "check_message",
    "join_devices",
    "guess_content_type",
    "DEFAULT_TIMEOUT",
}


def test_callers_need_only_the_package() -> None:
    """Every public name is exported from the package, with the shared constants."""
    assert set(api_package.__all__) >= ISSUE_10_EXPORTS
    assert [
        name for name in api_package.__all__ if not hasattr(api_package, name)
    ] == []
    assert api_package.MAX_ATTACHMENT == MAX_ATTACHMENT
    assert (api_package.MAX_MESSAGE, api_package.MAX_TITLE) == (1024, 250)
    assert (api_package.MAX_URL, api_package.MAX_USERS) == (512, 50)
    assert api_package.KEY_RE.match(DEMO_TOKEN)
    assert api_package.DEFAULT_TIMEOUT.total == 30


def params(sim: PushoverSimulator, index: int = -1) -> dict[str, str]:
    """The parameters of a request the simulator received."""
    sent: dict[str, str] = sim.requests[index]["params"]
    return sent


async def basic_call(api: PushoverAPI, call: str) -> None:
    """Make the named call: ``send`` a message, or read ``sounds`` or ``limits``."""
    if call == "send":
        await api.send_message(DEMO_USER, "hi")
    elif call == "sounds":
        await api.get_sounds()
    else:
        await api.get_limits()


def no_token(err: BaseException) -> None:
    """The application token appears nowhere in the error's text."""
    assert DEMO_TOKEN not in str(err)
    assert DEMO_TOKEN not in repr(err)
    for arg in err.args:
        assert DEMO_TOKEN not in str(arg)


async def test_owned_session_is_made_and_closed(sim: PushoverSimulator) -> None:
    """Without a session the client makes one and closes it itself."""
    assert sim.base_url
    async with PushoverAPI(DEMO_TOKEN, base_url=sim.base_url) as api:
        sounds = await api.get_sounds()
        own = api._session
        assert own is not None
        assert not own.closed
    assert sounds["bike"] == "Bike"
    assert own.closed
    assert api._session is None
    # Usable again: a fresh session, closed again by close().
    await api.send_message(DEMO_USER, "again")
    second = api._session
    assert second is not None
    assert second is not own
    await api.close()
    assert second.closed
    await api.close()  # closing twice is harmless
    assert [m["message"] for m in sim.messages] == ["again"]


async def test_passed_session_is_never_closed(
    api: PushoverAPI, session: aiohttp.ClientSession
) -> None:
    """close() and the context manager leave a passed-in session open."""
    async with api:
        await api.get_sounds()
    await api.close()
    assert not session.closed
    assert (await api.get_sounds())["none"] == "None (silent)"


async def test_base_url_and_repr(sim: PushoverSimulator) -> None:
    """A base URL without a slash gets one; repr never shows the token."""
    assert sim.base_url
    api = PushoverAPI(DEMO_TOKEN, base_url=sim.base_url.rstrip("/"))
    assert api.base_url == sim.base_url
    assert DEMO_TOKEN not in repr(api)
    assert sim.base_url in repr(api)
    assert api.limits is None
    await api.close()


async def test_send_message_plain_sends_only_what_is_set(
    api: PushoverAPI, sim: PushoverSimulator, traced: Traced
) -> None:
    """A plain message carries token, user and message, nothing else."""
    result = await api.send_message(DEMO_USER, "plain")
    assert result["status"] == 1
    assert isinstance(result["request"], str)
    assert "receipt" not in result
    assert params(sim) == {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "plain"}
    assert sim.requests[-1]["method"] == "POST"
    assert sim.requests[-1]["path"] == "/1/messages.json"
    # Form fields went in the body, not the URL.
    assert traced.calls == [("POST", f"{sim.base_url}messages.json")]
    assert sim.messages[-1]["users"] == [DEMO_USER]
    assert sim.messages[-1]["deliveries"] == {DEMO_USER: ["phone", "tablet"]}


async def test_send_message_every_parameter(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """Every parameter reaches Pushover under its wire name and shape."""
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    result = await api.send_message(
        DEMO_USER,
        "Hello <b>there</b>",
        device=["phone", "tablet"],
        title="Title",
        url="https://example.com/x",
        url_title="Example",
        priority=1,
        timestamp=when,
        sound="bike",
        html=True,
        ttl=3600,
        tags=["kitchen", " door ", ""],
    )
    assert result["status"] == 1
    assert params(sim) == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "Hello <b>there</b>",
        "device": "phone,tablet",
        "title": "Title",
        "url": "https://example.com/x",
        "url_title": "Example",
        "priority": "1",
        "timestamp": "1714564800",
        "sound": "bike",
        "html": "1",
        "ttl": "3600",
        "tags": "kitchen,door",
    }
    assert sim.messages[-1]["deliveries"] == {DEMO_USER: ["phone", "tablet"]}


async def test_send_message_monospace_int_timestamp_device_string(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """monospace is 1 with html absent; int timestamps and device strings pass."""
    await api.send_message(
        DEMO_USER,
        "mono",
        device=" tablet , ",
        timestamp=1_700_000_000,
        monospace=True,
        tags="single",
        sound="",
    )
    sent = params(sim)
    assert sent["monospace"] == "1"
    assert "html" not in sent
    assert "sound" not in sent
    assert sent["timestamp"] == "1700000000"
    assert sent["device"] == "tablet"
    assert sent["tags"] == "single"
    assert sim.messages[-1]["deliveries"] == {DEMO_USER: ["tablet"]}


async def test_send_message_false_flags_and_empty_values_are_absent(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """html/monospace False, empty device and tag lists send nothing."""
    await api.send_message(
        DEMO_USER, "x", device=[], html=False, monospace=False, tags=[" "]
    )
    assert params(sim) == {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "x"}
    await api.send_message(DEMO_USER, "y", device="", tags=None)
    assert params(sim) == {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "y"}


async def test_send_message_emergency_returns_receipt(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """Priority 2 with retry/expire/callback answers with a receipt."""
    result = await api.send_message(
        DEMO_USER,
        "Fire!",
        priority=2,
        retry=30,
        expire=10800,
        callback_url="https://example.com/callback",
        tags=["fire"],
    )
    receipt = result["receipt"]
    assert len(receipt) == 30
    sent = params(sim)
    assert (sent["priority"], sent["retry"], sent["expire"]) == ("2", "30", "10800")
    assert sent["callback"] == "https://example.com/callback"
    rec = sim.receipts[receipt]
    assert (rec.retry, rec.expire) == (30, 10800)
    assert rec.callback == "https://example.com/callback"
    assert rec.tags == ["fire"]
    assert sim.messages[-1]["receipt"] == receipt


async def test_send_message_to_many_users_and_a_group(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """Up to 50 user keys are comma-joined; a group key reaches its members."""
    keys = [DEMO_USER, DEMO_USER2]
    for _ in range(48):
        key = random_key()
        sim.add_user(key)
        keys.append(key)
    await api.send_message(keys, "to fifty")
    assert params(sim)["user"] == ",".join(keys)
    assert sim.messages[-1]["users"] == keys
    await api.send_message((k for k in keys[:2]), "generator")
    assert params(sim)["user"] == f"{DEMO_USER},{DEMO_USER2}"
    await api.send_message(DEMO_GROUP, "household")
    assert params(sim)["user"] == DEMO_GROUP
    assert sim.messages[-1]["users"] == [DEMO_USER, DEMO_USER2]


async def test_send_message_encrypted_skips_length_checks(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """An encrypted message may be longer than 1024 characters."""
    await api.send_message(DEMO_USER, "e" * 2000, title="t" * 300, encrypted=True)
    sent = params(sim)
    assert sent["encrypted"] == "1"
    assert len(sent["message"]) == 2000


async def test_send_messages_in_order(api: PushoverAPI, sim: PushoverSimulator) -> None:
    """send_messages sends each in order and returns each answer."""
    results = await api.send_messages(
        [
            {"user": DEMO_USER, "message": "one"},
            {"user": DEMO_USER2, "message": "two", "title": "2"},
            {"user": DEMO_USER, "message": "three", "priority": -1},
        ]
    )
    assert [r["status"] for r in results] == [1, 1, 1]
    assert len({r["request"] for r in results}) == 3
    assert [m["message"] for m in sim.messages] == ["one", "two", "three"]
    assert [m["user"] for m in sim.messages] == [DEMO_USER, DEMO_USER2, DEMO_USER]
    assert sim.messages[1]["title"] == "2"
    assert sim.messages[2]["priority"] == "-1"
    assert await api.send_messages([]) == []


async def test_send_message_with_other_session(
    api: PushoverAPI, sim: PushoverSimulator, traced: Traced
) -> None:
    """_send_message(session=...) goes through that session, not the client's."""
    other = _traced_session()
    async with other.session:
        result = await api._send_message(
            DEMO_USER, "via other", title="o", session=other.session
        )
    assert result["status"] == 1
    assert other.calls == [("POST", f"{sim.base_url}messages.json")]
    assert traced.calls == []
    assert sim.messages[-1]["message"] == "via other"
    assert sim.messages[-1]["title"] == "o"


async def test_limits_from_headers_after_send(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """The X-Limit-App-* headers of the last answer are exposed."""
    sim.set_quota(1000, 500, reset=FUTURE_RESET)
    await api.send_message(DEMO_USER, "count me")
    assert api.limits == Limits(limit=1000, remaining=499, reset=FUTURE_RESET)
    assert (api.limits.limit, api.limits.remaining, api.limits.reset) == (
        1000,
        499,
        FUTURE_RESET,
    )
    await api.send_message(DEMO_GROUP, "two users")
    assert api.limits.remaining == 497


async def test_attachment_from_str_path(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path
) -> None:
    """A str path is read and sent as the multipart part `attachment`."""
    path = tmp_path / "snapshot.jpg"
    path.write_bytes(JPEG)
    await api.send_message(DEMO_USER, "photo", image=str(path), title="Cam")
    msg = sim.messages[-1]
    assert msg["attachment"] == JPEG
    assert msg["attachment_filename"] == "snapshot.jpg"
    assert msg["attachment_content_type"] == "image/jpeg"
    # The other fields came along as form parts.
    assert (msg["token"], msg["user"], msg["message"], msg["title"]) == (
        DEMO_TOKEN,
        DEMO_USER,
        "photo",
        "Cam",
    )


async def test_attachment_from_pathlib_path_by_content(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path
) -> None:
    """A Path is read; the content type comes from the bytes, not the name."""
    path = tmp_path / "image.bin"
    path.write_bytes(PNG)
    await api.send_message(DEMO_USER, "png", image=path)
    msg = sim.messages[-1]
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "image.bin"
    assert msg["attachment_content_type"] == "image/png"


async def test_attachment_from_bytes(api: PushoverAPI, sim: PushoverSimulator) -> None:
    """Bytes (and bytearray) go up as a file named `attachment`."""
    await api.send_message(DEMO_USER, "bytes", image=PNG)
    msg = sim.messages[-1]
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "attachment"
    assert msg["attachment_content_type"] == "image/png"
    await api.send_message(DEMO_USER, "bytearray", image=bytearray(b"raw data"))
    msg = sim.messages[-1]
    assert msg["attachment"] == b"raw data"
    assert msg["attachment_content_type"] == "application/octet-stream"


async def test_attachment_from_file_objects(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path
) -> None:
    """A binary file object is read; its name (if any) becomes the filename."""
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world")
    with path.open("rb") as file:
        await api.send_message(DEMO_USER, "file", image=file)
    msg = sim.messages[-1]
    assert msg["attachment"] == b"hello world"
    assert msg["attachment_filename"] == "notes.txt"
    assert msg["attachment_content_type"] == "text/plain"
    await api.send_message(DEMO_USER, "buffer", image=io.BytesIO(JPEG))
    msg = sim.messages[-1]
    assert msg["attachment"] == JPEG
    assert msg["attachment_filename"] == "attachment"
    assert msg["attachment_content_type"] == "image/jpeg"


async def test_attachment_type_override(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """attachment_type replaces the guessed content type."""
    await api.send_message(DEMO_USER, "heic", image=JPEG, attachment_type="image/heic")
    msg = sim.messages[-1]
    assert msg["attachment_content_type"] == "image/heic"
    assert msg["attachment"] == JPEG


async def test_attachment_at_the_limit_is_sent(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """Exactly 5,242,880 bytes is allowed."""
    data = JPEG + b"\x00" * (MAX_ATTACHMENT - len(JPEG))
    await api.send_message(DEMO_USER, "big", image=data)
    assert len(sim.messages[-1]["attachment"]) == MAX_ATTACHMENT


@pytest.mark.parametrize("kind", ["bytes", "path", "file"])
async def test_attachment_too_large_is_refused_before_sending(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path, kind: str
) -> None:
    """More than 5,242,880 bytes is refused and nothing is sent."""
    data = b"\x00" * (MAX_ATTACHMENT + 1)
    path = tmp_path / "huge.bin"
    path.write_bytes(data)
    image: Any = {"bytes": data, "path": path, "file": io.BytesIO(data)}[kind]
    with pytest.raises(PushoverValidationError) as info:
        await api.send_message(DEMO_USER, "too big", image=image)
    assert info.value.field == "attachment"
    assert sim.requests == []
    assert sim.messages == []


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"GIF87a....", None, "image/gif"),
        (b"GIF89a....", None, "image/gif"),
        (b"BM\x00\x00", None, "image/bmp"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None, "application/octet-stream"),
        (b"plain", "clip.mp4", "video/mp4"),
        (b"plain", "noext", "application/octet-stream"),
    ],
)
def test_guess_content_type(data: bytes, filename: str | None, expected: str) -> None:
    """Content type from magic bytes, else from the name, else octet-stream."""
    assert guess_content_type(data, filename) == expected


async def test_a_get_carries_the_token_in_the_query_string(
    api: PushoverAPI, sim: PushoverSimulator, traced: Traced
) -> None:
    """Reading the sounds: a GET with the token in the query string, nothing else."""
    assert await api.get_sounds() == BUILTIN_SOUNDS
    assert sim.requests[-1]["method"] == "GET"
    assert params(sim) == {"token": DEMO_TOKEN}
    method, url = traced.calls[-1]
    assert method == "GET"
    assert url == f"{sim.base_url}sounds.json?token={DEMO_TOKEN}"


async def test_a_key_in_the_path_fills_its_place(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A group's key goes into the endpoint's path."""
    result = await api.group_info(DEMO_GROUP)
    assert result["name"] == "Household"
    assert sim.requests[-1]["path"] == f"/1/groups/{DEMO_GROUP}.json"


async def test_a_post_is_form_encoded(
    odd_api: PushoverAPI, odd_server: OddServer, traced: Traced
) -> None:
    """A send: an url-encoded form body with no empty field, nothing in the URL."""
    result = await odd_api.send_message(DEMO_USER, "m", title=None)
    assert result == {"status": 1, "request": "r-echo"}
    seen = odd_server.seen[-1]
    assert seen["method"] == "POST"
    assert seen["query"] == {}
    assert seen["content_type"] == "application/x-www-form-urlencoded"
    assert seen["body"] == f"token={DEMO_TOKEN}&user={DEMO_USER}&message=m"
    assert traced.calls[-1] == ("POST", f"{odd_server.base_url}messages.json")


async def test_a_post_with_a_picture_is_multipart(
    odd_api: PushoverAPI, odd_server: OddServer, tmp_path: Path
) -> None:
    """A send with a picture: multipart/form-data."""
    (tmp_path / "a.png").write_bytes(PNG)
    await odd_api.send_message(DEMO_USER, "m", image=tmp_path / "a.png")
    seen = odd_server.seen[-1]
    assert seen["content_type"] == "multipart/form-data"
    assert 'name="attachment"; filename="a.png"' in seen["body"]
    assert "Content-Type: image/png" in seen["body"]
    assert 'name="message"' in seen["body"]
    assert 'name="token"' in seen["body"]
    assert DEMO_TOKEN in seen["body"]
    assert seen["query"] == {}


async def test_get_sounds_returns_mapping(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """get_sounds returns id → name, custom sounds included."""
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door Bell")
    sounds = await api.get_sounds()
    assert sounds == {**BUILTIN_SOUNDS, "doorbell": "Door Bell"}
    assert "status" not in sounds
    assert sim.requests[-1]["method"] == "GET"


async def test_validate_user_group_device(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """validate checks a user, a group and a user's device."""
    user = await api.validate(DEMO_USER)
    assert user["group"] == 0
    assert user["devices"] == ["phone", "tablet"]
    assert user["licenses"] == ["Android", "iOS"]
    assert params(sim) == {"token": DEMO_TOKEN, "user": DEMO_USER}
    group = await api.validate(DEMO_GROUP)
    assert group["group"] == 1
    device = await api.validate(DEMO_USER2, device="laptop")
    assert device["devices"] == ["laptop"]
    assert params(sim)["device"] == "laptop"
    with pytest.raises(BadAPIRequestError) as info:
        await api.validate(DEMO_USER2, device="phone")
    assert info.value.fields == {"device": "invalid for this user"}
    assert not isinstance(info.value, PushoverAuthError)
    with pytest.raises(BadAPIRequestError) as info:
        await api.validate(random_key())
    assert info.value.errors == ["user key is invalid"]


async def test_get_limits_updates_api_limits(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """get_limits returns the body and sets api.limits."""
    sim.set_quota(7500, 1234, reset=FUTURE_RESET)
    result = await api.get_limits()
    assert (result["limit"], result["remaining"], result["reset"]) == (
        7500,
        1234,
        FUTURE_RESET,
    )
    assert api.limits == Limits(7500, 1234, FUTURE_RESET)
    assert sim.requests[-1]["method"] == "GET"
    assert sim.requests[-1]["path"] == "/1/apps/limits.json"


async def test_check_and_cancel_receipt(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """check_receipt reports acknowledgement; cancel_receipt cancels."""
    sent = await api.send_message(DEMO_USER, "ack me", priority=2, retry=60, expire=600)
    receipt = sent["receipt"]
    state = await api.check_receipt(receipt)
    assert sim.requests[-1]["path"] == f"/1/receipts/{receipt}.json"
    assert sim.requests[-1]["method"] == "GET"
    assert (state["acknowledged"], state["expired"]) == (0, 0)
    sim.acknowledge(receipt, device="tablet")
    state = await api.check_receipt(receipt)
    assert state["acknowledged"] == 1
    assert state["acknowledged_by"] == DEMO_USER
    assert state["acknowledged_by_device"] == "tablet"

    other = await api.send_message(
        DEMO_USER, "cancel me", priority=2, retry=30, expire=60
    )
    result = await api.cancel_receipt(other["receipt"])
    assert result["status"] == 1
    assert sim.requests[-1]["path"] == f"/1/receipts/{other['receipt']}/cancel.json"
    assert sim.requests[-1]["method"] == "POST"
    assert sim.receipts[other["receipt"]].canceled
    assert not sim.receipts[receipt].canceled


async def test_cancel_receipt_by_tag_encodes_tag(
    api: PushoverAPI, sim: PushoverSimulator, traced: Traced
) -> None:
    """A tag with a space and a slash is URL-encoded; matching receipts cancel."""
    tag = "front door/cam"
    one = await api.send_message(
        DEMO_USER, "a", priority=2, retry=30, expire=60, tags=[tag, "x"]
    )
    two = await api.send_message(
        DEMO_USER, "b", priority=2, retry=30, expire=60, tags=tag
    )
    three = await api.send_message(
        DEMO_USER, "c", priority=2, retry=30, expire=60, tags="other"
    )
    result = await api.cancel_receipt_by_tag(tag)
    assert result["canceled"] == 2
    assert traced.calls[-1] == (
        "POST",
        f"{sim.base_url}receipts/cancel_by_tag/front%20door%2Fcam.json",
    )
    assert sim.receipts[one["receipt"]].canceled
    assert sim.receipts[two["receipt"]].canceled
    assert not sim.receipts[three["receipt"]].canceled
    assert (await api.cancel_receipt_by_tag(tag))["canceled"] == 0


async def test_unknown_receipt_is_bad_request(api: PushoverAPI) -> None:
    """A well-formed but unknown receipt is Pushover's 400."""
    with pytest.raises(BadAPIRequestError) as info:
        await api.check_receipt(random_key())
    assert info.value.http_status == 400
    assert info.value.fields == {"receipt": "not found"}


async def test_groups_lifecycle(api: PushoverAPI, sim: PushoverSimulator) -> None:
    """Create, list, inspect, add/disable/enable/remove members, rename."""
    created = await api.group_create("Team")
    key = created["group"]
    assert sim.groups[key].name == "Team"
    assert params(sim)["name"] == "Team"

    listed = await api.group_list()
    assert {"group": DEMO_GROUP, "name": "Household"} in listed["groups"]
    assert {"group": key, "name": "Team"} in listed["groups"]

    info = await api.group_info(DEMO_GROUP)
    assert info["name"] == "Household"
    assert [u["user"] for u in info["users"]] == [DEMO_USER, DEMO_USER2]

    await api.group_add_user(key, DEMO_USER, device="phone", memo="Alice's phone")
    assert params(sim) == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "device": "phone",
        "memo": "Alice's phone",
    }
    await api.group_add_user(key, DEMO_USER2)
    members = sim.groups[key].members
    assert [(m.user, m.device, m.memo) for m in members] == [
        (DEMO_USER, "phone", "Alice's phone"),
        (DEMO_USER2, None, ""),
    ]
    info = await api.group_info(key)
    assert info["users"][0] == {
        "user": DEMO_USER,
        "device": "phone",
        "memo": "Alice's phone",
        "disabled": False,
    }

    await api.group_disable_user(key, DEMO_USER, device="phone")
    assert sim.requests[-1]["path"] == f"/1/groups/{key}/disable_user.json"
    assert members[0].disabled
    await api.group_enable_user(key, DEMO_USER, device="phone")
    assert sim.requests[-1]["path"] == f"/1/groups/{key}/enable_user.json"
    assert not members[0].disabled

    await api.group_remove_user(key, DEMO_USER, device="phone")
    assert sim.requests[-1]["path"] == f"/1/groups/{key}/remove_user.json"
    assert [m.user for m in sim.groups[key].members] == [DEMO_USER2]
    assert PushoverAPI.group_delete_user is PushoverAPI.group_remove_user
    await api.group_delete_user(key, DEMO_USER2)
    assert sim.groups[key].members == []

    result = await api.group_rename(key, "Renamed")
    assert result["status"] == 1
    assert sim.requests[-1]["path"] == f"/1/groups/{key}/rename.json"
    assert sim.groups[key].name == "Renamed"

    with pytest.raises(BadAPIRequestError) as info_err:
        await api.group_remove_user(key, DEMO_USER)
    assert info_err.value.errors == ["user is not a member of this group"]


async def test_migrate_to_subscription(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A user key becomes a subscribed key; device goes up as device_name."""
    result = await api.migrate_to_subscription(
        DEMO_USER, DEMO_SUBSCRIPTION, device="phone", sound="bike"
    )
    sub = sim.users[result["subscribed_user_key"]]
    assert sub.subscription == DEMO_SUBSCRIPTION
    assert sub.subscribed_from == DEMO_USER
    assert sub.devices == ["phone"]
    assert sub.sound == "bike"
    assert params(sim) == {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "subscription": DEMO_SUBSCRIPTION,
        "device_name": "phone",
        "sound": "bike",
    }
    with pytest.raises(BadAPIRequestError) as info:
        await api.migrate_to_subscription(DEMO_USER, "Other-code")
    assert info.value.fields == {"subscription": "invalid"}


async def test_migrate_multiple_to_subscription(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """Each user is migrated in turn, with its own device and sound."""
    results = await api.migrate_multiple_to_subscription(
        [
            {"user": DEMO_USER},
            {"user": DEMO_USER2, "device": "laptop", "sound": "echo"},
        ],
        DEMO_SUBSCRIPTION,
    )
    assert len(results) == 2
    first, second = (sim.users[r["subscribed_user_key"]] for r in results)
    assert (first.subscribed_from, first.devices) == (DEMO_USER, ["phone", "tablet"])
    assert (second.subscribed_from, second.devices, second.sound) == (
        DEMO_USER2,
        ["laptop"],
        "echo",
    )
    assert [r["params"]["user"] for r in sim.requests] == [DEMO_USER, DEMO_USER2]
    assert "device_name" not in sim.requests[0]["params"]


async def test_licenses(api: PushoverAPI, sim: PushoverSimulator) -> None:
    """assign_license sends a key as `user`, an e-mail as `email`, and os."""
    sim.set_license_credits(5)
    result = await api.assign_license(DEMO_USER2, os="iOS")
    assert result["credits"] == 4
    assert params(sim) == {"token": DEMO_TOKEN, "user": DEMO_USER2, "os": "iOS"}
    assert "iOS" in sim.users[DEMO_USER2].licenses

    result = await api.assign_license("someone@example.com")
    assert result["credits"] == 3
    assert params(sim) == {"token": DEMO_TOKEN, "email": "someone@example.com"}
    assert sim.license_assignments == [
        {"user": DEMO_USER2, "email": "", "os": "iOS"},
        {"user": "", "email": "someone@example.com", "os": ""},
    ]

    credits = await api.get_license_credits()
    assert credits["credits"] == 3
    assert sim.requests[-1]["method"] == "GET"

    sim.set_license_credits(0)
    with pytest.raises(BadAPIRequestError) as info:
        await api.assign_license(DEMO_USER, os="Android")
    assert info.value.errors == ["application is out of available license credits"]
    assert not isinstance(info.value, PushoverAuthError)


async def test_send_glance(api: PushoverAPI, sim: PushoverSimulator) -> None:
    """Every glance field reaches Pushover."""
    result = await api.send_glance(
        DEMO_USER,
        device="phone",
        title="Temp",
        text="21 °C",
        subtext="inside",
        count=3,
        percent=50,
    )
    assert result["status"] == 1
    assert sim.glances[(DEMO_USER, "phone")] == {
        "title": "Temp",
        "text": "21 °C",
        "subtext": "inside",
        "count": "3",
        "percent": "50",
    }
    await api.send_glance(DEMO_USER2, count=0)
    assert params(sim) == {"token": DEMO_TOKEN, "user": DEMO_USER2, "count": "0"}
    assert sim.glances[(DEMO_USER2, "")] == {"count": "0"}


async def test_bad_request_error_details(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A 400 carries its status, errors, per-field reasons and request id."""
    sim.set_quota(100, 50, reset=FUTURE_RESET)
    with pytest.raises(BadAPIRequestError) as info:
        await api.send_message(DEMO_USER, "hi", sound="nosuchsound")
    err = info.value
    assert type(err) is BadAPIRequestError
    assert isinstance(err, PushoverCompleteError)
    assert err.http_status == 400
    assert err.errors == ["sound is invalid"]
    assert err.fields == {"sound": "is not a valid sound"}
    assert isinstance(err.request, str)
    assert len(err.request) == 36
    assert str(err) == "sound is invalid"
    assert err.body["status"] == 0
    assert err.limits == Limits(100, 50, FUTURE_RESET)
    assert api.limits == Limits(100, 50, FUTURE_RESET)
    assert sim.requests[-1]["status"] == 400
    no_token(err)


async def test_bad_request_unknown_user(api: PushoverAPI) -> None:
    """An unknown (well-formed) user key is a plain 400."""
    with pytest.raises(BadAPIRequestError) as info:
        await api.send_message(random_key(), "hi")
    assert info.value.fields == {"user": "invalid"}
    assert "user identifier" in str(info.value)
    assert not isinstance(info.value, PushoverAuthError | PushoverQuotaError)


@pytest.mark.parametrize("call", ["send", "sounds", "limits"])
async def test_auth_error_for_unknown_token(
    sim: PushoverSimulator, session: aiohttp.ClientSession, call: str
) -> None:
    """An unknown token is a PushoverAuthError; the token is never shown."""
    assert sim.base_url
    api = PushoverAPI(UNKNOWN_TOKEN, session, base_url=sim.base_url)
    with pytest.raises(PushoverAuthError) as info:
        await basic_call(api, call)
    err = info.value
    assert isinstance(err, BadAPIRequestError)
    assert not isinstance(err, PushoverQuotaError)
    assert err.http_status == 400
    assert err.errors == ["application token is invalid"]
    assert err.fields == {"token": "invalid"}
    assert str(err) == "application token is invalid"
    assert UNKNOWN_TOKEN not in str(err)
    assert sim.messages == []


async def test_quota_error_is_not_auth_error(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """HTTP 429 is a PushoverQuotaError even though its body says token invalid."""
    sim.set_quota(100, 0, reset=FUTURE_RESET)
    with pytest.raises(PushoverQuotaError) as info:
        await api.send_message(DEMO_USER, "over quota")
    err = info.value
    assert not isinstance(err, PushoverAuthError)
    assert isinstance(err, BadAPIRequestError)
    assert err.http_status == 429
    assert err.fields == {"token": "invalid"}
    assert err.errors == ["application has exceeded current limit of 100 messages"]
    assert err.reset == FUTURE_RESET
    assert err.limits == Limits(100, 0, FUTURE_RESET)
    assert api.limits == Limits(100, 0, FUTURE_RESET)
    assert sim.messages == []
    no_token(err)


def test_quota_error_reset_without_limits() -> None:
    """A 429 without limit headers has no reset."""
    err = PushoverQuotaError(429, [])
    assert err.reset is None
    assert err.errors == ["HTTP 429"]
    assert str(err) == "HTTP 429"
    assert err.fields == {}
    assert err.body == {}


@pytest.mark.parametrize("status", ["500", "502", "503"])
async def test_server_errors_are_connection_errors(
    api: PushoverAPI, sim: PushoverSimulator, status: str
) -> None:
    """An injected 5xx (HTML body) is a PushoverConnectionError; nothing retries."""
    sim.inject_fault("messages.json", status)  # type: ignore[arg-type]
    with pytest.raises(PushoverConnectionError) as info:
        await api.send_message(DEMO_USER, "hi")
    err = info.value
    assert err.http_status == int(status)
    assert f"HTTP {status}" in str(err)
    assert not isinstance(err, BadAPIRequestError)
    assert len(sim.requests) == 1  # no retry
    assert sim.messages == []
    no_token(err)
    await api.send_message(DEMO_USER, "after")
    assert [m["message"] for m in sim.messages] == ["after"]


async def test_server_error_on_get_hides_token(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A 5xx on a GET (token in the query string) never shows the token."""
    sim.inject_fault("sounds.json", "502")
    with pytest.raises(PushoverConnectionError) as info:
        await api.get_sounds()
    assert info.value.http_status == 502
    assert "sounds.json" in str(info.value)
    no_token(info.value)


@pytest.mark.parametrize(
    ("path", "call", "tries"),
    [
        ("messages.json", "send", 1),
        ("sounds.json", "sounds", 2),
        ("limits.json", "limits", 2),
    ],
)
async def test_dropped_connection(
    api: PushoverAPI, sim: PushoverSimulator, path: str, call: str, tries: int
) -> None:
    """A connection dropped mid-request is a PushoverConnectionError.

    aiohttp itself repeats an idempotent GET once on a fresh connection after a
    disconnect, so two drops are injected; a POST is never repeated.
    """
    sim.inject_fault(path, "drop", 2)
    with pytest.raises(PushoverConnectionError) as info:
        await basic_call(api, call)
    err = info.value
    assert str(err).startswith("Cannot reach Pushover")
    assert err.http_status is None
    assert all(r["fault"] == "drop" for r in sim.requests)
    assert len(sim.requests) == tries
    assert sim.messages == []
    no_token(err)


async def test_hang_times_out(
    sim: PushoverSimulator, session: aiohttp.ClientSession
) -> None:
    """A server that never answers ends in a PushoverConnectionError (timeout)."""
    assert sim.base_url
    sim.hang_timeout = 5.0
    api = PushoverAPI(
        DEMO_TOKEN,
        session,
        base_url=sim.base_url,
        timeout=aiohttp.ClientTimeout(total=0.5),
    )
    sim.inject_fault("sounds.json", "hang")
    with pytest.raises(PushoverConnectionError) as info:
        await api.get_sounds()
    assert str(info.value) == "Timed out talking to Pushover (sounds.json)"
    assert sim.requests[-1]["fault"] == "hang"
    no_token(info.value)


async def test_refused_connection(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """Nothing listening is a PushoverConnectionError, for POST and GET."""
    enable_sockets(request)
    api = PushoverAPI(DEMO_TOKEN, session, base_url=unused_api_url())
    with pytest.raises(PushoverConnectionError) as info:
        await api.send_message(DEMO_USER, "hi")
    assert str(info.value).startswith("Cannot reach Pushover (messages.json)")
    no_token(info.value)
    with pytest.raises(PushoverConnectionError) as info:
        await api.get_sounds()
    assert "sounds.json" in str(info.value)
    no_token(info.value)


async def test_error_with_url_in_message_is_redacted(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """aiohttp errors that quote the URL (the token in its query) show no URL at all."""
    odd_server.answers["sounds"] = "loop"
    with pytest.raises(PushoverConnectionError) as info:
        await odd_api.get_sounds()
    message = str(info.value)
    assert message.startswith("Cannot reach Pushover (sounds.json): TooManyRedirects")
    assert "url='<url>'" in message
    assert "127.0.0.1" not in message
    no_token(info.value)
    assert len(odd_server.seen) > 1


async def test_odd_5xx_html_body(odd_api: PushoverAPI, odd_server: OddServer) -> None:
    """An HTML error page with 502 is a connection error."""
    odd_server.answers["sounds"] = "html502"
    with pytest.raises(PushoverConnectionError) as info:
        await odd_api.get_sounds()
    assert info.value.http_status == 502


@pytest.mark.parametrize("name", ["notjson", "jsonlist"])
async def test_odd_2xx_without_json_object(
    odd_api: PushoverAPI, odd_server: OddServer, name: str
) -> None:
    """A 2xx body that is not a JSON object is a connection error."""
    odd_server.answers["messages"] = name
    with pytest.raises(PushoverConnectionError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    assert info.value.http_status == 200
    assert "without JSON" in str(info.value)
    assert not isinstance(info.value, BadAPIRequestError)


async def test_odd_3xx_without_json(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """A non-JSON answer that is neither 2xx nor an error is a connection error."""
    odd_server.answers["sounds"] = "notmodified"
    with pytest.raises(PushoverConnectionError) as info:
        await odd_api.get_sounds()
    assert info.value.http_status == 304


async def test_odd_400_text_body(odd_api: PushoverAPI, odd_server: OddServer) -> None:
    """A 400 with a non-JSON body is a BadAPIRequestError (text, redacted)."""
    odd_server.answers["messages"] = "text400"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    err = info.value
    assert type(err) is BadAPIRequestError
    assert err.http_status == 400
    assert err.errors == ["Bad Request for **REDACTED**"]
    assert err.fields == {}
    assert err.request is None
    no_token(err)


async def test_odd_400_empty_body(odd_api: PushoverAPI, odd_server: OddServer) -> None:
    """A 400 with no body names the status."""
    odd_server.answers["messages"] = "empty400"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    assert info.value.errors == ["HTTP 400"]
    assert str(info.value) == "HTTP 400"


async def test_odd_200_with_status_0(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """A 200 whose status is not 1 is a BadAPIRequestError."""
    odd_server.answers["messages"] = "status0"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    err = info.value
    assert err.http_status == 200
    assert err.errors == ["something went wrong"]
    assert err.request == "r-0"


async def test_odd_errors_as_dict_are_flattened(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """errors given as a dict of lists: one flat list, and a reason per field."""
    odd_server.answers["messages"] = "dicterrors"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    assert info.value.errors == ["user is invalid", "user is blank", "device is bad"]
    assert str(info.value) == "user is invalid; user is blank; device is bad"
    assert info.value.request == "r-1"
    assert info.value.fields == {"user": "is invalid; is blank", "device": "is bad"}


async def test_odd_errors_as_string(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """errors given as one string is a one-item list."""
    odd_server.answers["messages"] = "stringerror"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    assert info.value.errors == ["just this"]


async def test_odd_body_without_errors(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """A 4xx JSON body without errors still gives a readable error."""
    odd_server.answers["messages"] = "noerrors"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    err = info.value
    assert err.errors == ["HTTP 400"]
    assert err.fields == {"user": "invalid"}
    assert err.request == "r-2"
    assert not isinstance(err, PushoverAuthError)


async def test_odd_body_echoing_token_is_redacted(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """Errors and field reasons never show the token; odd request ids are dropped."""
    odd_server.answers["messages"] = "echotoken"
    with pytest.raises(BadAPIRequestError) as info:
        await odd_api.send_message(DEMO_USER, "m")
    err = info.value
    assert err.errors == ["token **REDACTED** is not allowed here"]
    assert err.fields == {"token": "**REDACTED** refused"}
    assert err.request is None
    assert not isinstance(err, PushoverAuthError)
    no_token(err)


async def test_odd_auth_error_from_message_text(
    odd_api: PushoverAPI, odd_server: OddServer
) -> None:
    """An error saying the application token is invalid (any case) is auth."""
    odd_server.answers["sounds"] = "authlike"
    with pytest.raises(PushoverAuthError) as info:
        await odd_api.get_sounds()
    assert info.value.http_status == 401


async def test_odd_unparsable_limit_headers_are_ignored(
    odd_api: PushoverAPI, odd_server: OddServer, sim: PushoverSimulator
) -> None:
    """Limit headers that are not integers leave the last limits in place."""
    odd_server.answers["messages"] = "badlimits"
    assert await odd_api.send_message(DEMO_USER, "m") == {
        "status": 1,
        "request": "r-3",
    }
    assert odd_api.limits is None


def _long(n: int) -> str:
    return "x" * n


VALIDATION_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("blank message", {"message": "   "}, "message"),
    ("empty message", {"message": ""}, "message"),
    ("priority 3", {"priority": 3}, "priority"),
    ("priority -3", {"priority": -3}, "priority"),
    ("no retry", {"priority": 2, "expire": 60}, "retry"),
    ("no expire", {"priority": 2, "retry": 30}, "expire"),
    ("retry 29", {"priority": 2, "retry": 29, "expire": 60}, "retry"),
    ("expire 10801", {"priority": 2, "retry": 30, "expire": 10801}, "expire"),
    ("expire 0", {"priority": 2, "retry": 30, "expire": 0}, "expire"),
    ("html+monospace", {"html": True, "monospace": True}, "html"),
    ("url 513", {"url": "https://e.x/" + _long(501)}, "url"),
    ("message 1025", {"message": _long(1025)}, "message"),
    ("title 251", {"title": _long(251)}, "title"),
    ("url_title 101", {"url_title": _long(101)}, "url_title"),
    ("ttl 0", {"ttl": 0}, "ttl"),
    ("bad user", {"user": "not-a-key"}, "user"),
    ("user 29 chars", {"user": DEMO_USER[:29]}, "user"),
    ("no users", {"user": []}, "user"),
    ("51 users", {"user": [DEMO_USER] * 51}, "user"),
    ("bad device", {"device": "my phone!"}, "device"),
    ("long device", {"device": ["phone", _long(26)]}, "device"),
]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [pytest.param(kw, f, id=name) for name, kw, f in VALIDATION_CASES],
)
async def test_send_message_validation(
    api: PushoverAPI, sim: PushoverSimulator, kwargs: dict[str, Any], field: str
) -> None:
    """Bad arguments are refused before anything is sent."""
    call: dict[str, Any] = {"user": DEMO_USER, "message": "hello", **kwargs}
    with pytest.raises(PushoverValidationError) as info:
        await api.send_message(**call)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, PushoverCompleteError)
    assert err.field == field
    assert str(err) == f"{field}: {err.reason}"
    assert sim.requests == []


def test_url_of_512_is_fine_and_513_is_not() -> None:
    """The url cases above sit on the exact boundary."""
    assert len("https://e.x/" + _long(500)) == 512
    assert len("https://e.x/" + _long(501)) == 513


OTHER_VALIDATION: list[tuple[str, str, tuple[Any, ...], dict[str, Any], str]] = [
    ("bad receipt", "check_receipt", ("nope",), {}, "receipt"),
    ("bad receipt cancel", "cancel_receipt", ("r" * 31,), {}, "receipt"),
    ("blank tag", "cancel_receipt_by_tag", ("  ",), {}, "tag"),
    ("validate bad user", "validate", ("abc",), {}, "user"),
    ("validate bad device", "validate", (DEMO_USER, "a b"), {}, "device"),
    ("glance no fields", "send_glance", (DEMO_USER,), {}, "glance"),
    ("glance percent 101", "send_glance", (DEMO_USER,), {"percent": 101}, "percent"),
    ("glance percent -1", "send_glance", (DEMO_USER,), {"percent": -1}, "percent"),
    ("glance title 101", "send_glance", (DEMO_USER,), {"title": _long(101)}, "title"),
    ("glance bad user", "send_glance", ("u",), {"count": 1}, "user"),
    ("os Windows", "assign_license", (DEMO_USER,), {"os": "Windows"}, "os"),
    ("license bad user", "assign_license", ("abc",), {}, "user"),
    ("group blank name", "group_create", ("  ",), {}, "name"),
    ("group bad key", "group_info", ("g",), {}, "group_key"),
    ("rename blank", "group_rename", (DEMO_GROUP, ""), {}, "name"),
    ("rename bad key", "group_rename", ("g", "x"), {}, "group_key"),
    (
        "memo 201",
        "group_add_user",
        (DEMO_GROUP, DEMO_USER, None, _long(201)),
        {},
        "memo",
    ),
    ("add bad user", "group_add_user", (DEMO_GROUP, "u"), {}, "user"),
    ("remove bad group", "group_remove_user", ("g", DEMO_USER), {}, "group_key"),
    (
        "disable bad device",
        "group_disable_user",
        (DEMO_GROUP, DEMO_USER, "a/b"),
        {},
        "device",
    ),
    ("enable bad user", "group_enable_user", (DEMO_GROUP, "u"), {}, "user"),
    (
        "blank subscription",
        "migrate_to_subscription",
        (DEMO_USER, ""),
        {},
        "subscription",
    ),
    (
        "migrate bad user",
        "migrate_to_subscription",
        ("u", DEMO_SUBSCRIPTION),
        {},
        "user",
    ),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "field"),
    [pytest.param(m, a, k, f, id=name) for name, m, a, k, f in OTHER_VALIDATION],
)
async def test_other_validation(
    api: PushoverAPI,
    sim: PushoverSimulator,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    field: str,
) -> None:
    """Every other method refuses bad arguments before sending."""
    with pytest.raises(PushoverValidationError) as info:
        await getattr(api, method)(*args, **kwargs)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert sim.requests == []


async def test_malformed_token_is_refused_before_sending(
    sim: PushoverSimulator, session: aiohttp.ClientSession
) -> None:
    """A token that is not 30 letters and digits never leaves the client."""
    assert sim.base_url
    api = PushoverAPI("short-token", session, base_url=sim.base_url)
    with pytest.raises(PushoverValidationError) as info:
        await api.get_sounds()
    assert info.value.field == "token"
    assert "short-token" not in str(info.value)
    assert sim.requests == []


async def test_at_most_two_requests_in_flight_across_clients(
    sim: PushoverSimulator,
) -> None:
    """Ten sends through two clients: never more than 2 in flight, but 2 used."""
    assert sim.base_url
    sim.latency = 0.05
    async with (
        aiohttp.ClientSession() as first_session,
        aiohttp.ClientSession() as second_session,
    ):
        first = PushoverAPI(DEMO_TOKEN, first_session, base_url=sim.base_url)
        second = PushoverAPI(DEMO_TOKEN, second_session, base_url=sim.base_url)
        results = await asyncio.gather(
            *(
                client.send_message(DEMO_USER, f"m{i}")
                for i, client in enumerate([second, first] * 5)
            )
        )
    assert all(r["status"] == 1 for r in results)
    assert len(sim.messages) == 10
    assert sorted(m["message"] for m in sim.messages) == sorted(
        f"m{i}" for i in range(10)
    )
    assert sim.peak_in_flight <= MAX_IN_FLIGHT
    assert sim.peak_in_flight == 2
    assert sim.in_flight == 0
    assert sim.connections_opened <= 4


async def test_request_limiter_is_shared_per_host() -> None:
    """One semaphore per host per loop, sized MAX_IN_FLIGHT."""
    one = request_limiter("127.0.0.1:1")
    assert request_limiter("127.0.0.1:1") is one
    assert request_limiter("127.0.0.1:2") is not one
    assert MAX_IN_FLIGHT == 2
    async with one, one:
        assert one.locked()
    assert not one.locked()
