"""The client against odd answers and hostile input, over real HTTP (no mocks).

Answers too large, answers missing what a caller reads, errors that must not show
a key from the path, and arguments that must be refused before anything is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import errno
import io
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pushover_complete.api import (
    MAX_RESPONSE,
    BadAPIRequestError,
    PushoverAPI,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from pushover_simulator import (
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)
from pushover_simulator.pytest_plugin import enable_sockets

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SURROGATE = "\udcff"
EMERGENCY: dict[str, Any] = {"priority": 2, "retry": 30, "expire": 60}

type Call = Callable[[PushoverAPI], Awaitable[Any]]
type Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Scripted:
    """A local server whose answers a test writes; it counts the bytes it sent."""

    base_url: str
    routes: dict[str, Route]
    sent: dict[str, int] = field(default_factory=dict)


@pytest.fixture
async def scripted(request: pytest.FixtureRequest) -> AsyncIterator[Scripted]:
    """Serve ``routes[name]`` on 127.0.0.1 under /1/{name}.json."""
    enable_sockets(request)
    routes: dict[str, Route] = {}

    async def handler(request: web.Request) -> web.StreamResponse:
        return await routes[request.match_info["name"]](request)

    app = web.Application()
    app.router.add_route("*", "/1/{name}.json", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Scripted(f"http://127.0.0.1:{port}/1/", routes)
    finally:
        await runner.cleanup()


def json_route(body: Any) -> Route:
    """Answer 200 with ``body`` as JSON."""

    async def route(_request: web.Request) -> web.StreamResponse:
        return web.json_response(body)

    return route


def padded_answer(size: int) -> bytes:
    """Return a successful JSON answer of exactly ``size`` bytes."""
    head = b'{"status": 1, "request": "r", "pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


def chunked_route(server: Scripted, name: str, body: bytes) -> Route:
    """Stream ``body`` without a Content-Length, counting what went out."""

    async def route(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        server.sent[name] = 0
        for start in range(0, len(body), 8192):
            await response.write(body[start : start + 8192])
            server.sent[name] += len(body[start : start + 8192])
        await response.write_eof()
        return response

    return route


async def test_oversized_answer_is_a_connection_error(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A 2 MB answer is refused; the next request works again."""
    sim.inject_fault("sounds.json", "oversized")
    with pytest.raises(PushoverConnectionError) as info:
        await api.get_sounds()
    assert str(info.value) == (
        f"Pushover's answer is larger than {MAX_RESPONSE} bytes (sounds.json)"
    )
    assert info.value.http_status == 200
    assert sim.requests[-1]["fault"] == "oversized"
    assert (await api.get_sounds())["bike"] == "Bike"


async def test_oversized_answer_to_a_send(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A POST answered with 2 MB is a connection error too."""
    sim.inject_fault("messages.json", "oversized")
    with pytest.raises(PushoverConnectionError) as info:
        await api.send_message(DEMO_USER, "hi")
    assert "larger than" in str(info.value)
    assert "(messages.json)" in str(info.value)


async def test_endless_chunked_answer_is_not_buffered(
    scripted: Scripted, session: aiohttp.ClientSession
) -> None:
    """Without a Content-Length the client stops reading at the limit."""
    body = padded_answer(64 * 1024 * 1024)
    scripted.routes["messages"] = chunked_route(scripted, "messages", body)
    api = PushoverAPI(DEMO_TOKEN, session, base_url=scripted.base_url)
    with pytest.raises(PushoverConnectionError) as info:
        await api.send_message(DEMO_USER, "hi")
    assert "larger than" in str(info.value)
    # Socket buffers let the server run ahead a little, never to the end.
    assert scripted.sent["messages"] < 8 * 1024 * 1024


async def test_answer_of_exactly_the_limit_is_read(
    scripted: Scripted, session: aiohttp.ClientSession
) -> None:
    """An answer of exactly the limit is read whole."""
    body = padded_answer(MAX_RESPONSE)
    scripted.routes["messages"] = chunked_route(scripted, "messages", body)
    api = PushoverAPI(DEMO_TOKEN, session, base_url=scripted.base_url)
    answer = await api.send_message(DEMO_USER, "hi")
    assert len(answer["pad"]) == MAX_RESPONSE - 40


async def test_answer_one_byte_over_the_limit_is_refused(
    scripted: Scripted, session: aiohttp.ClientSession
) -> None:
    """One byte more is a connection error."""
    body = padded_answer(MAX_RESPONSE + 1)
    scripted.routes["messages"] = chunked_route(scripted, "messages", body)
    api = PushoverAPI(DEMO_TOKEN, session, base_url=scripted.base_url)
    with pytest.raises(PushoverConnectionError) as info:
        await api.send_message(DEMO_USER, "hi")
    assert "larger than" in str(info.value)


def test_padded_answer_has_the_size_asked() -> None:
    """The helper above builds answers of the exact size."""
    assert len(padded_answer(MAX_RESPONSE)) == MAX_RESPONSE
    assert json.loads(padded_answer(100))["status"] == 1


RECEIPT = random_key()
KEYED_PATHS: list[tuple[str, Call, str, str, str]] = [
    (
        "group_info",
        lambda api: api.group_info(DEMO_GROUP),
        f"groups/{DEMO_GROUP}.json",
        "groups/{}.json",
        DEMO_GROUP,
    ),
    (
        "group_add_user",
        lambda api: api.group_add_user(DEMO_GROUP, DEMO_USER2),
        "add_user.json",
        "groups/{}/add_user.json",
        DEMO_GROUP,
    ),
    (
        "group_disable_user",
        lambda api: api.group_disable_user(DEMO_GROUP, DEMO_USER2),
        "disable_user.json",
        "groups/{}/disable_user.json",
        DEMO_GROUP,
    ),
    (
        "group_rename",
        lambda api: api.group_rename(DEMO_GROUP, "New"),
        "rename.json",
        "groups/{}/rename.json",
        DEMO_GROUP,
    ),
    (
        "check_receipt",
        lambda api: api.check_receipt(RECEIPT),
        f"{RECEIPT}.json",
        "receipts/{}.json",
        RECEIPT,
    ),
    (
        "cancel_receipt",
        lambda api: api.cancel_receipt(RECEIPT),
        "cancel.json",
        "receipts/{}/cancel.json",
        RECEIPT,
    ),
]


@pytest.mark.parametrize(
    ("call", "suffix", "template", "key"),
    [pytest.param(c, s, t, k, id=name) for name, c, s, t, k in KEYED_PATHS],
)
async def test_server_error_names_the_endpoint_not_the_key(
    api: PushoverAPI,
    sim: PushoverSimulator,
    call: Call,
    suffix: str,
    template: str,
    key: str,
) -> None:
    """A 5xx names the endpoint template; the key in the path is never shown."""
    sim.inject_fault(suffix, "503")
    with pytest.raises(PushoverConnectionError) as info:
        await call(api)
    assert str(info.value) == f"Pushover answered HTTP 503 ({template})"
    assert key not in repr(info.value)


@pytest.mark.parametrize(
    ("call", "suffix", "template", "key"),
    [pytest.param(c, s, t, k, id=name) for name, c, s, t, k in KEYED_PATHS],
)
async def test_dropped_connection_names_the_endpoint_not_the_key(
    api: PushoverAPI,
    sim: PushoverSimulator,
    call: Call,
    suffix: str,
    template: str,
    key: str,
) -> None:
    """A dropped connection (aiohttp's own text) never shows the key either."""
    sim.inject_fault(suffix, "drop", 2)  # aiohttp repeats a GET once
    with pytest.raises(PushoverConnectionError) as info:
        await call(api)
    assert str(info.value).startswith(f"Cannot reach Pushover ({template}): ")
    assert key not in str(info.value)
    assert DEMO_TOKEN not in str(info.value)


async def test_receipt_not_found_never_shows_the_receipt(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A 404 for a receipt is a refusal naming no receipt."""
    sim.inject_fault(f"{RECEIPT}.json", "not_found")
    with pytest.raises(BadAPIRequestError) as info:
        await api.check_receipt(RECEIPT)
    err = info.value
    assert type(err) is BadAPIRequestError
    assert err.http_status == 404
    assert err.fields == {"receipt": "not found"}
    assert RECEIPT not in repr(err)
    assert RECEIPT not in str(err.body)


FAULT_CLASSES: list[tuple[str, type[BadAPIRequestError], int, dict[str, str]]] = [
    ("invalid_token", PushoverAuthError, 400, {"token": "invalid"}),
    ("quota", PushoverQuotaError, 429, {"token": "invalid"}),
    ("bad_request", BadAPIRequestError, 400, {"user": "invalid"}),
    ("408", BadAPIRequestError, 408, {}),
]


@pytest.mark.parametrize(("kind", "cls", "status", "fields"), FAULT_CLASSES)
async def test_refusals_are_classified_by_status_then_body(
    api: PushoverAPI,
    sim: PushoverSimulator,
    kind: str,
    cls: type[BadAPIRequestError],
    status: int,
    fields: dict[str, str],
) -> None:
    """Each 4xx Pushover sends becomes exactly its error class."""
    sim.inject_fault("sounds.json", kind)  # type: ignore[arg-type]  # str from the table
    with pytest.raises(BadAPIRequestError) as info:
        await api.get_sounds()
    assert type(info.value) is cls
    assert info.value.http_status == status
    assert info.value.fields == fields
    assert DEMO_TOKEN not in repr(info.value)


async def test_408_text_body_is_its_error(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A 408 with a plain-text body carries that text."""
    sim.inject_fault("limits.json", "408")
    with pytest.raises(BadAPIRequestError) as info:
        await api.get_limits()
    assert info.value.errors == ["408 Request Timeout"]


MISSING: list[tuple[str, Call, str, str, str]] = [
    ("sounds", lambda api: api.get_sounds(), "sounds.json", "sounds.json", "sounds"),
    (
        "limits",
        lambda api: api.get_limits(),
        "limits.json",
        "apps/limits.json",
        "limit, remaining, reset",
    ),
    (
        "validate",
        lambda api: api.validate(DEMO_USER),
        "validate.json",
        "users/validate.json",
        "group, devices",
    ),
    (
        "group_create",
        lambda api: api.group_create("Team"),
        "groups.json",
        "groups.json",
        "group",
    ),
    (
        "group_list",
        lambda api: api.group_list(),
        "groups.json",
        "groups.json",
        "groups",
    ),
    (
        "group_info",
        lambda api: api.group_info(DEMO_GROUP),
        f"{DEMO_GROUP}.json",
        "groups/{}.json",
        "name, users",
    ),
    (
        "migrate",
        lambda api: api.migrate_to_subscription(DEMO_USER, DEMO_SUBSCRIPTION),
        "migrate.json",
        "subscriptions/migrate.json",
        "subscribed_user_key",
    ),
    (
        "assign_license",
        lambda api: api.assign_license(DEMO_USER),
        "assign.json",
        "licenses/assign.json",
        "credits",
    ),
    (
        "license_credits",
        lambda api: api.get_license_credits(),
        "licenses.json",
        "licenses.json",
        "credits",
    ),
    (
        "cancel_by_tag",
        lambda api: api.cancel_receipt_by_tag("door"),
        "cancel_by_tag/door.json",
        "receipts/cancel_by_tag/{}.json",
        "canceled",
    ),
    (
        "emergency",
        lambda api: api.send_message(DEMO_USER, "fire", **EMERGENCY),
        "messages.json",
        "messages.json",
        "receipt",
    ),
]


@pytest.mark.parametrize(
    ("call", "suffix", "template", "missing"),
    [pytest.param(c, s, t, m, id=name) for name, c, s, t, m in MISSING],
)
async def test_answer_missing_fields_is_a_connection_error(
    api: PushoverAPI,
    sim: PushoverSimulator,
    call: Call,
    suffix: str,
    template: str,
    missing: str,
) -> None:
    """An answer without the fields a caller reads means "try later", once."""
    sim.inject_fault(suffix, "missing_field")
    with pytest.raises(PushoverConnectionError) as info:
        await call(api)
    assert str(info.value) == f"Pushover's answer lacks {missing} ({template})"
    assert info.value.http_status == 200
    assert sim.requests[-1]["fault"] == "missing_field"
    await call(api)  # the next, complete answer is taken


async def test_receipt_answer_missing_fields(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A receipt answer without its state is a connection error."""
    receipt = (await api.send_message(DEMO_USER, "fire", **EMERGENCY))["receipt"]
    sim.inject_fault(f"{receipt}.json", "missing_field")
    with pytest.raises(PushoverConnectionError) as info:
        await api.check_receipt(receipt)
    assert str(info.value) == (
        "Pushover's answer lacks acknowledged, acknowledged_at, acknowledged_by, "
        "acknowledged_by_device, expired, expires_at (receipts/{}.json)"
    )
    assert receipt not in str(info.value)
    assert (await api.check_receipt(receipt))["acknowledged"] == 0


async def test_plain_send_needs_no_more_than_status(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A normal message's answer is complete with status and request."""
    sim.inject_fault("messages.json", "missing_field")
    result = await api.send_message(DEMO_USER, "hi")
    assert set(result) == {"status", "request"}


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"status": 1, "sounds": ["bike"]}, "sounds"),
        ({"status": 1, "sounds": "bike"}, "sounds"),
        ({"status": 1, "sounds": None}, "sounds"),
    ],
)
async def test_sounds_not_a_mapping(
    scripted: Scripted, session: aiohttp.ClientSession, body: Any, missing: str
) -> None:
    """``sounds`` that is not an object counts as missing."""
    scripted.routes["sounds"] = json_route(body)
    api = PushoverAPI(DEMO_TOKEN, session, base_url=scripted.base_url)
    with pytest.raises(PushoverConnectionError) as info:
        await api.get_sounds()
    assert str(info.value) == f"Pushover's answer lacks {missing} (sounds.json)"


async def test_sounds_of_odd_types_become_text(
    scripted: Scripted, session: aiohttp.ClientSession
) -> None:
    """Sound names that are not strings are turned into strings."""
    scripted.routes["sounds"] = json_route({"status": 1, "sounds": {"bike": 7}})
    api = PushoverAPI(DEMO_TOKEN, session, base_url=scripted.base_url)
    assert await api.get_sounds() == {"bike": "7"}


S = SURROGATE
HOSTILE: list[tuple[str, str, tuple[Any, ...], dict[str, Any], str]] = [
    ("message", "send_message", (DEMO_USER, f"hi {S}"), {}, "message"),
    ("title", "send_message", (DEMO_USER, "hi"), {"title": S}, "title"),
    ("url", "send_message", (DEMO_USER, "hi"), {"url": f"https://e.x/{S}"}, "url"),
    (
        "url_title",
        "send_message",
        (DEMO_USER, "hi"),
        {"url": "https://e.x/", "url_title": S},
        "url_title",
    ),
    ("sound", "send_message", (DEMO_USER, "hi"), {"sound": S}, "sound"),
    (
        "callback_url",
        "send_message",
        (DEMO_USER, "hi"),
        {**EMERGENCY, "callback_url": f"https://e.x/{S}"},
        "callback_url",
    ),
    ("tags", "send_message", (DEMO_USER, "hi"), {"tags": ["ok", S]}, "tags"),
    ("device", "send_message", (DEMO_USER, "hi"), {"device": S}, "device"),
    (
        "encrypted",
        "send_message",
        (DEMO_USER, f"AAAA{S}"),
        {"encrypted": True},
        "message",
    ),
    ("glance title", "send_glance", (DEMO_USER,), {"title": S}, "title"),
    ("glance text", "send_glance", (DEMO_USER,), {"text": S}, "text"),
    ("glance subtext", "send_glance", (DEMO_USER,), {"subtext": S}, "subtext"),
    ("group name", "group_create", (S,), {}, "name"),
    ("group rename", "group_rename", (DEMO_GROUP, S), {}, "name"),
    ("memo", "group_add_user", (DEMO_GROUP, DEMO_USER2, None, S), {}, "memo"),
    ("subscription", "migrate_to_subscription", (DEMO_USER, S), {}, "subscription"),
    (
        "migrate sound",
        "migrate_to_subscription",
        (DEMO_USER, DEMO_SUBSCRIPTION, None, S),
        {},
        "sound",
    ),
    ("email", "assign_license", (f"a{S}@example.com",), {}, "email"),
    ("tag", "cancel_receipt_by_tag", (S,), {}, "tag"),
    ("validate device", "validate", (DEMO_USER, S), {}, "device"),
    ("generic payload", "_generic_post", ("glances.json",), {"payload": {"x": S}}, "x"),
    ("generic parameter", "_generic_get", ("groups/{}.json", S), {}, "url_parameter"),
    ("timestamp -1", "send_message", (DEMO_USER, "hi"), {"timestamp": -1}, "timestamp"),
    (
        "timestamp 1969",
        "send_message",
        (DEMO_USER, "hi"),
        {"timestamp": datetime(1969, 12, 31, 23, 59, tzinfo=UTC)},
        "timestamp",
    ),
    (
        "timestamp year 1",
        "send_message",
        (DEMO_USER, "hi"),
        {"timestamp": datetime(1, 1, 1, tzinfo=UTC)},
        "timestamp",
    ),
    (
        "timestamp naive year 1",
        "send_message",
        (DEMO_USER, "hi"),
        {"timestamp": datetime(1, 1, 1)},  # local time, on purpose
        "timestamp",
    ),
    (
        "timestamp text",
        "send_message",
        (DEMO_USER, "hi"),
        {"timestamp": "soon"},
        "timestamp",
    ),
    (
        "attachment_type",
        "send_message",
        (DEMO_USER, "hi"),
        {"image": PNG, "attachment_type": "image/png\r\nX-Evil: 1"},
        "attachment_type",
    ),
    (
        "NUL in str path",
        "send_message",
        (DEMO_USER, "hi"),
        {"image": "/tmp/a\0b"},
        "image",
    ),
    (
        "NUL in Path",
        "send_message",
        (DEMO_USER, "hi"),
        {"image": Path("/tmp/a\0b")},
        "image",
    ),
    (
        "text file",
        "send_message",
        (DEMO_USER, "hi"),
        {"image": io.StringIO("text")},
        "image",
    ),
    ("not an image", "send_message", (DEMO_USER, "hi"), {"image": 5}, "image"),
    (
        "retry as text",
        "send_message",
        (DEMO_USER, "hi"),
        {**EMERGENCY, "retry": "60"},
        "retry",
    ),
    (
        "expire as text",
        "send_message",
        (DEMO_USER, "hi"),
        {**EMERGENCY, "expire": "60"},
        "expire",
    ),
    ("ttl as text", "send_message", (DEMO_USER, "hi"), {"ttl": "5"}, "ttl"),
    (
        "priority as bool",
        "send_message",
        (DEMO_USER, "hi"),
        {"priority": True},
        "priority",
    ),
    ("count as text", "send_glance", (DEMO_USER,), {"count": "3"}, "count"),
    ("percent as text", "send_glance", (DEMO_USER,), {"percent": "50"}, "percent"),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "field"),
    [pytest.param(m, a, k, f, id=name) for name, m, a, k, f in HOSTILE],
)
async def test_hostile_input_is_refused_naming_the_field(
    api: PushoverAPI,
    sim: PushoverSimulator,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    field: str,
) -> None:
    """Text that cannot be encoded, odd timestamps and odd images never go out."""
    with pytest.raises(PushoverValidationError) as info:
        await getattr(api, method)(*args, **kwargs)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.field == field
    str(err).encode("utf-8")  # the error itself can be logged
    assert sim.requests == []


async def test_epoch_timestamp_is_sent(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """0 and 1970-01-01 are the earliest timestamps, and they are sent."""
    await api.send_message(DEMO_USER, "zero", timestamp=0)
    await api.send_message(
        DEMO_USER, "epoch", timestamp=datetime(1970, 1, 1, tzinfo=UTC)
    )
    assert [m["timestamp"] for m in sim.messages] == ["0", "0"]


@contextlib.contextmanager
def released_if_opened(fifo: Path) -> Any:
    """Let a reader stuck opening ``fifo`` go (a writer appears), so a bug fails fast."""
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


async def test_fifo_is_never_opened(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path
) -> None:
    """A FIFO as the image is refused without blocking a thread on it."""
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with released_if_opened(fifo), pytest.raises(PushoverValidationError) as info:
        async with asyncio.timeout(10):
            await api.send_message(DEMO_USER, "hi", image=fifo)
    assert (info.value.field, info.value.reason) == ("image", "is not a regular file")
    with pytest.raises(OSError, match="No such device") as no_reader:
        os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    assert no_reader.value.errno == errno.ENXIO
    assert sim.requests == []


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("device", "is not a regular file"),
        ("directory", "is not a regular file"),
        ("missing", "cannot be read (No such file or directory)"),
    ],
)
async def test_only_regular_files_are_attached(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path, kind: str, reason: str
) -> None:
    """A device, a directory or a missing path is refused as ``image``."""
    path = {
        "device": Path("/dev/zero"),
        "directory": tmp_path,
        "missing": tmp_path / "x",
    }
    with pytest.raises(PushoverValidationError) as info:
        await api.send_message(DEMO_USER, "hi", image=str(path[kind]))
    assert info.value.field == "image"
    assert info.value.reason == reason
    assert sim.requests == []


async def test_symlink_to_a_regular_file_is_attached(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path
) -> None:
    """A link to a regular file is read through."""
    (tmp_path / "real.png").write_bytes(PNG)
    (tmp_path / "link.png").symlink_to(tmp_path / "real.png")
    await api.send_message(DEMO_USER, "hi", image=tmp_path / "link.png")
    assert sim.messages[-1]["attachment"] == PNG
    assert sim.messages[-1]["attachment_filename"] == "link.png"


async def test_file_name_that_is_not_utf8_is_cleaned(
    api: PushoverAPI, sim: PushoverSimulator, tmp_path: Path
) -> None:
    """A file whose name is not UTF-8 on disk is sent under a cleaned name."""
    path = tmp_path / os.fsdecode(b"caf\xe9\n.png")
    path.write_bytes(PNG)
    await api.send_message(DEMO_USER, "hi", image=path)
    assert sim.messages[-1]["attachment"] == PNG
    assert sim.messages[-1]["attachment_filename"] == "caf__.png"
    assert sim.messages[-1]["attachment_content_type"] == "image/png"


async def test_unreadable_file_object_is_refused(
    api: PushoverAPI, sim: PushoverSimulator
) -> None:
    """A file object whose read fails is refused as ``image``."""

    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(PushoverValidationError) as info:
        await api.send_message(DEMO_USER, "hi", image=io.BufferedReader(Broken()))
    assert info.value.reason == "cannot be read (Input/output error)"
    assert sim.requests == []
