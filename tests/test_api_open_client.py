"""The Open Client calls and the push websocket, against the simulator (no mocks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pushover_complete.api import (
    MAX_DOWNLOAD,
    MAX_RESPONSE,
    BadAPIRequestError,
    LoginResponse,
    OpenClient,
    PushoverAnswerTooLargeError,
    PushoverAPI,
    PushoverConnectionError,
    PushoverTwoFactorRequiredError,
    PushoverValidationError,
)
from pushover_simulator import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_USER,
    DEMO_USER2,
    OpenDevice,
    PushoverSimulator,
    random_key,
)

from .open_client_helpers import hidden, serving

EMERGENCY: dict[str, Any] = {"priority": 2, "retry": 30, "expire": 60}

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
def device(sim: PushoverSimulator) -> tuple[OpenDevice, str]:
    """An Open Client device of the demo user, and its session secret."""
    return sim.add_open_client_device(DEMO_USER, "homeassistant")


@pytest.fixture
def open_client(sim: PushoverSimulator, session: aiohttp.ClientSession) -> OpenClient:
    """An Open Client of the simulator, on a session the test owns."""
    assert sim.base_url
    return OpenClient(session, base_url=sim.base_url)


def sent(sim: PushoverSimulator, path: str) -> dict[str, str]:
    """Return the parameters of the last request to ``path``."""
    entries = [entry for entry in sim.requests if entry["path"] == f"/1/{path}"]
    params: dict[str, str] = entries[-1]["params"]
    return params


async def test_login_returns_user_key_and_secret(
    open_client: OpenClient, sim: PushoverSimulator
) -> None:
    """A login answers the user key and a secret; the token is not sent."""
    login = await open_client.login(DEMO_EMAIL, DEMO_PASSWORD)
    assert isinstance(login, LoginResponse)
    assert login.id == DEMO_USER
    assert sim.open_client.sessions[login.secret] == DEMO_USER
    assert isinstance(login.request, str)
    assert login.secret not in repr(login)
    assert sent(sim, "users/login.json") == {
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
    }


async def test_login_with_two_factor(
    open_client: OpenClient, sim: PushoverSimulator
) -> None:
    """HTTP 412 asks for the code; a wrong code is a plain refusal; the right one works."""
    with pytest.raises(PushoverTwoFactorRequiredError) as info:
        await open_client.login(DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD)
    assert isinstance(info.value, BadAPIRequestError)
    assert info.value.http_status == 412
    hidden(info.value, DEMO_2FA_PASSWORD)
    with pytest.raises(BadAPIRequestError) as wrong:
        await open_client.login(DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD, twofa="000000")
    assert type(wrong.value) is BadAPIRequestError
    assert wrong.value.fields == {"twofa": "invalid"}
    hidden(wrong.value, DEMO_2FA_PASSWORD)
    login = await open_client.login(
        DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD, twofa=DEMO_2FA_CODE
    )
    assert login.id == DEMO_USER2
    assert sent(sim, "users/login.json")["twofa"] == DEMO_2FA_CODE


async def test_login_wrong_password(open_client: OpenClient) -> None:
    """A wrong password is a refusal that never shows the password."""
    with pytest.raises(BadAPIRequestError) as info:
        await open_client.login(DEMO_EMAIL, "wrong-password")
    assert type(info.value) is BadAPIRequestError
    assert info.value.http_status == 400
    assert info.value.fields == {"email": "invalid"}
    hidden(info.value, "wrong-password")


async def test_open_client_sends_no_application_token(
    open_client: OpenClient, sim: PushoverSimulator
) -> None:
    """A device's calls carry its secret, never an application token."""
    login = await open_client.login(DEMO_EMAIL, DEMO_PASSWORD)
    device_id = await open_client.register_device(login.secret, "ha-test")
    assert await open_client.download_messages(login.secret, device_id) == []
    assert all("token" not in entry["params"] for entry in sim.requests)
    assert repr(open_client) == f"OpenClient(base_url={sim.base_url!r})"


async def test_register_device(open_client: OpenClient, sim: PushoverSimulator) -> None:
    """A device is registered as an Open Client (os=O) and its id returned."""
    login = await open_client.login(DEMO_EMAIL, DEMO_PASSWORD)
    device_id = await open_client.register_device(login.secret, "homeassistant")
    registered = sim.open_client.devices[device_id]
    assert (registered.name, registered.user) == ("homeassistant", DEMO_USER)
    assert sent(sim, "devices.json") == {
        "secret": login.secret,
        "name": "homeassistant",
        "os": "O",
    }


async def test_register_taken_name_gives_the_field_reason(
    open_client: OpenClient,
) -> None:
    """``errors`` as an object becomes the errors list and a reason per field."""
    login = await open_client.login(DEMO_EMAIL, DEMO_PASSWORD)
    await open_client.register_device(login.secret, "homeassistant")
    with pytest.raises(BadAPIRequestError) as info:
        await open_client.register_device(login.secret, "homeassistant")
    err = info.value
    assert type(err) is BadAPIRequestError
    assert err.fields["name"] == "has already been taken"
    assert err.errors == ["name has already been taken"]
    assert str(err) == "name has already been taken"
    hidden(err, login.secret)


async def test_register_with_an_unknown_secret(
    open_client: OpenClient, sim: PushoverSimulator
) -> None:
    """A secret Pushover does not know is refused; the secret is never shown."""
    secret = random_key() * 2
    with pytest.raises(BadAPIRequestError) as info:
        await open_client.register_device(secret, "tablet")
    assert info.value.fields == {"secret": "invalid"}
    hidden(info.value, secret)
    assert sim.open_client.devices == {}


type Call = Callable[[OpenClient], Awaitable[Any]]

OPEN_CLIENT_VALIDATION: list[tuple[str, Call, str]] = [
    ("blank email", lambda oc: oc.login("", DEMO_PASSWORD), "email"),
    ("blank password", lambda oc: oc.login(DEMO_EMAIL, " "), "password"),
    ("blank code", lambda oc: oc.login(DEMO_EMAIL, DEMO_PASSWORD, twofa=""), "twofa"),
    ("unencodable password", lambda oc: oc.login(DEMO_EMAIL, "pw\udcff"), "password"),
    ("name with space", lambda oc: oc.register_device("s3cret", "my tab"), "name"),
    ("name of 26", lambda oc: oc.register_device("s3cret", "x" * 26), "name"),
    ("secret with colon", lambda oc: oc.register_device("a:b", "tab"), "secret"),
    ("blank secret", lambda oc: oc.download_messages("", "abc"), "secret"),
    ("device id path", lambda oc: oc.download_messages("s3cret", "../x"), "device_id"),
    (
        "negative id",
        lambda oc: oc.delete_messages("s3cret", "abc", highest_id=-1),
        "message",
    ),
    (
        "id as text",
        lambda oc: oc.delete_messages("s3cret", "abc", highest_id="7"),
        "message",
    ),
    (
        "id as bool",
        lambda oc: oc.delete_messages("s3cret", "abc", highest_id=True),
        "message",
    ),
    (
        "delete device id",
        lambda oc: oc.delete_messages("s3cret", "a/b", highest_id=1),
        "device_id",
    ),
    ("receipt", lambda oc: oc.acknowledge_receipt("r", "s3cret"), "receipt"),
    (
        "ack secret",
        lambda oc: oc.acknowledge_receipt(random_key(), "a b"),
        "secret",
    ),
]


@pytest.mark.parametrize(
    ("call", "field"),
    [pytest.param(c, f, id=name) for name, c, f in OPEN_CLIENT_VALIDATION],
)
async def test_open_client_validation(
    open_client: OpenClient, sim: PushoverSimulator, call: Call, field: str
) -> None:
    """Bad arguments are refused before anything is sent, never quoting a secret."""
    with pytest.raises(PushoverValidationError) as info:
        await call(open_client)
    assert info.value.field == field
    assert "s3cret" not in str(info.value)
    assert sim.requests == []


async def test_download_and_delete(
    api: PushoverAPI,
    open_client: OpenClient,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
) -> None:
    """Messages sent to the user come down typed, in id order, and are deleted."""
    registered, secret = device
    await api.send_message(DEMO_USER, "first", title="One", html=True)
    await api.send_message(DEMO_USER, "second", url="https://e.x/", **EMERGENCY)
    messages = await open_client.download_messages(secret, registered.id)
    assert [m["message"] for m in messages] == ["first", "second"]
    first, second = messages
    assert first["id"] < second["id"]
    assert first["title"] == "One"
    assert first["html"] is True
    assert first["acked"] is False
    assert first["receipt"] is None
    assert first["priority"] == 0
    assert first["url"] is None
    assert isinstance(first["umid"], int)
    assert isinstance(first["aid"], int)
    assert isinstance(first["date"], int)
    assert second["priority"] == 2
    assert second["receipt"] == sim.messages[-1]["receipt"]
    assert second["url"] == "https://e.x/"
    assert sent(sim, "messages.json") == {"secret": secret, "device_id": registered.id}
    await open_client.delete_messages(secret, registered.id, highest_id=first["id"])
    assert sent(sim, f"devices/{registered.id}/update_highest_message.json") == {
        "secret": secret,
        "message": str(first["id"]),
    }
    assert [
        m["message"] for m in await open_client.download_messages(secret, registered.id)
    ] == ["second"]
    await open_client.delete_messages(secret, registered.id, highest_id=second["id"])
    assert await open_client.download_messages(secret, registered.id) == []


async def test_download_odd_messages(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """Missing fields are None, ``id_str`` wins over ``id``, a message without an id is left out."""
    registered, secret = device
    big = 2**70 + 1
    registered.messages.extend(
        [
            {"id": 9, "message": 7, "acked": "1", "receipt": ""},
            {"id": 1.0e21, "id_str": str(big), "umid_str": "12", "aid": True},
            {"title": "no id"},
            {"id": "abc"},
        ]
    )
    messages = await open_client.download_messages(secret, registered.id)
    empty = {
        "umid": None,
        "title": None,
        "message": None,
        "app": None,
        "aid": None,
        "icon": None,
        "date": None,
        "priority": 0,
        "sound": None,
        "url": None,
        "url_title": None,
        "html": False,
        "receipt": None,
    }
    assert messages == [
        {**empty, "id": 9, "acked": True},
        {**empty, "id": big, "umid": 12, "acked": False},
    ]


async def test_download_lists_an_id_once(
    open_client: OpenClient, device: tuple[OpenDevice, str]
) -> None:
    """An id Pushover lists twice comes down once (its first listing)."""
    registered, secret = device
    registered.messages.extend(
        [
            {"id": 5, "message": "first"},
            {"id": 4, "message": "earlier"},
            {"id_str": "5", "message": "again"},
        ]
    )
    messages = await open_client.download_messages(secret, registered.id)
    assert [(m["id"], m["message"]) for m in messages] == [
        (4, "earlier"),
        (5, "first"),
    ]


async def test_download_of_a_long_outage(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """600 messages of 1 KB (more than other answers may be) come down in order."""
    registered, secret = device
    for number in range(600):
        sim.open_client.enqueue(registered, {"message": f"{number:04} " + "x" * 1019})
    assert len(json.dumps(registered.messages)) > MAX_RESPONSE
    messages = await open_client.download_messages(secret, registered.id)
    assert [m["message"][:4] for m in messages] == [f"{n:04}" for n in range(600)]
    assert MAX_DOWNLOAD == 32 * 1024 * 1024


async def test_download_larger_than_the_client_reads(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """A download over MAX_DOWNLOAD is a clear error of its own, the secret hidden."""
    registered, secret = device
    megabyte = "x" * 1024 * 1024
    for _ in range(MAX_DOWNLOAD // len(megabyte) + 1):
        sim.open_client.enqueue(registered, {"message": megabyte})
    with pytest.raises(PushoverAnswerTooLargeError) as info:
        await open_client.download_messages(secret, registered.id)
    assert isinstance(info.value, PushoverConnectionError)
    assert info.value.max_size == MAX_DOWNLOAD
    assert str(info.value) == (
        f"Pushover's answer is larger than {MAX_DOWNLOAD} bytes (messages.json)"
    )
    hidden(info.value, secret, registered.id)


async def test_acknowledge_receipt(
    api: PushoverAPI,
    open_client: OpenClient,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
) -> None:
    """Acknowledging as the device stops the alarm, named after that device."""
    registered, secret = device
    receipt = (await api.send_message(DEMO_USER, "fire", **EMERGENCY))["receipt"]
    await open_client.acknowledge_receipt(receipt, secret)
    assert sent(sim, f"receipts/{receipt}/acknowledge.json") == {"secret": secret}
    state = await api.check_receipt(receipt)
    assert state["acknowledged"] == 1
    assert state["acknowledged_by"] == DEMO_USER
    assert state["acknowledged_by_device"] == registered.name
    [message] = await open_client.download_messages(secret, registered.id)
    assert message["acked"] is True


async def test_acknowledge_unknown_receipt(
    open_client: OpenClient, device: tuple[OpenDevice, str]
) -> None:
    """An unknown receipt is a refusal that names neither receipt nor secret."""
    _registered, secret = device
    receipt = random_key()
    with pytest.raises(BadAPIRequestError) as info:
        await open_client.acknowledge_receipt(receipt, secret)
    assert info.value.fields == {"receipt": "not found"}
    hidden(info.value, receipt, secret)


async def test_server_error_hides_the_secret(
    open_client: OpenClient, sim: PushoverSimulator, device: tuple[OpenDevice, str]
) -> None:
    """A 5xx or a dropped GET (secret in its query) shows neither secret nor id."""
    registered, secret = device
    sim.inject_fault("messages.json", "503")
    with pytest.raises(PushoverConnectionError) as info:
        await open_client.download_messages(secret, registered.id)
    assert str(info.value) == "Pushover answered HTTP 503 (messages.json)"
    sim.inject_fault("messages.json", "drop", 2)
    with pytest.raises(PushoverConnectionError) as dropped:
        await open_client.download_messages(secret, registered.id)
    assert str(dropped.value).startswith("Cannot reach Pushover (messages.json): ")
    hidden(dropped.value, secret)
    sim.inject_fault("update_highest_message.json", "502")
    with pytest.raises(PushoverConnectionError) as deleting:
        await open_client.delete_messages(secret, registered.id, highest_id=1)
    assert str(deleting.value) == (
        "Pushover answered HTTP 502 (devices/{}/update_highest_message.json)"
    )
    hidden(deleting.value, secret, registered.id)


async def _login(client: OpenClient, _secret: str, _device_id: str) -> Any:
    return await client.login(DEMO_EMAIL, DEMO_PASSWORD)


async def _register(client: OpenClient, secret: str, _device_id: str) -> Any:
    return await client.register_device(secret, "ha-other")


async def _download(client: OpenClient, secret: str, device_id: str) -> Any:
    return await client.download_messages(secret, device_id)


@pytest.mark.parametrize(
    ("suffix", "missing", "template", "ask"),
    [
        ("login.json", "id, secret", "users/login.json", _login),
        ("devices.json", "id", "devices.json", _register),
        ("messages.json", "messages", "messages.json", _download),
    ],
    ids=["login", "register", "download"],
)
async def test_open_client_answers_missing_fields(
    open_client: OpenClient,
    sim: PushoverSimulator,
    suffix: str,
    missing: str,
    template: str,
    ask: Callable[[OpenClient, str, str], Awaitable[Any]],
) -> None:
    """An Open Client answer without its fields is a connection error."""
    login = await open_client.login(DEMO_EMAIL, DEMO_PASSWORD)
    device_id = await open_client.register_device(login.secret, "ha-test")
    sim.inject_fault(suffix, "missing_field")
    with pytest.raises(PushoverConnectionError) as info:
        await ask(open_client, login.secret, device_id)
    assert str(info.value) == f"Pushover's answer lacks {missing} ({template})"


async def test_a_download_may_outlast_an_ordinary_answer(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """A backlog arriving slowly but steadily is read past the answer time limit."""
    pause = 0.15  # each under the client's 0.3 s; together well over it
    messages = [{"id": number, "message": "x" * 1000} for number in range(1, 5)]
    body = json.dumps({"status": 1, "messages": messages}).encode()
    parts = [body[start : start + 1000] for start in range(0, len(body), 1000)]

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for part in parts:
            await response.write(part)
            await asyncio.sleep(pause)
        return response

    async with serving(request, "/1/messages.json", slow) as base_url:
        open_client = OpenClient(
            session, base_url=base_url, timeout=aiohttp.ClientTimeout(total=0.3)
        )
        received = await open_client.download_messages("s3cret", "abc")
    assert len(parts) * pause > 2 * 0.3
    assert [message["id"] for message in received] == [1, 2, 3, 4]


async def test_download_skips_what_is_not_a_message(
    session: aiohttp.ClientSession, request: pytest.FixtureRequest
) -> None:
    """Items of ``messages`` that are not objects are left out."""

    async def messages(_request: web.Request) -> web.Response:
        body = {"status": 1, "messages": ["text", 5, None, [1], {"id": 3}]}
        return web.json_response(body)

    async with serving(request, "/1/messages.json", messages) as base_url:
        open_client = OpenClient(session, base_url=base_url)
        received = await open_client.download_messages("s3cret", "abc")
    assert [message["id"] for message in received] == [3]
