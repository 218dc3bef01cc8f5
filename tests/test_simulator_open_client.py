"""The simulator's Open Client API over real HTTP: logins, devices, messages, receipts."""

from __future__ import annotations

import re

import aiohttp
import pytest

from pushover_simulator import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_GROUP,
    DEMO_PASSWORD,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    GroupMember,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .open_client_helpers import Client, push_login

SECRET_RE = re.compile(r"^[A-Za-z0-9]{60}$")
MESSAGE_FIELDS = {
    "id",
    "id_str",
    "umid",
    "umid_str",
    "title",
    "message",
    "app",
    "aid",
    "aid_str",
    "icon",
    "date",
    "queued_date",
    "dispatched_date",
    "priority",
    "sound",
    "url",
    "url_title",
    "acked",
    "html",
}
EMERGENCY = {"priority": "2", "retry": "30", "expire": "300"}
WAIT = 5.0


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket."""
    enable_sockets(request)


@pytest.fixture
def client(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Client:
    """The Open Client helper bound to the running simulator."""
    return Client(sim, session)


async def test_login_gives_a_fresh_secret_each_time(client: Client) -> None:
    status, body = await client.login()
    assert status == 200
    assert body["status"] == 1
    assert body["id"] == DEMO_USER
    assert SECRET_RE.match(body["secret"])
    assert isinstance(body["request"], str)
    _, again = await client.login()
    assert again["secret"] != body["secret"]


@pytest.mark.parametrize(
    ("email", "password"),
    [(DEMO_EMAIL, "wrong"), ("nobody@example.com", DEMO_PASSWORD), (DEMO_EMAIL, "")],
)
async def test_login_refused(
    sim: PushoverSimulator, client: Client, email: str, password: str
) -> None:
    status, body = await client.login(email, password)
    assert status == 400
    assert body["status"] == 0
    assert body["errors"] == ["invalid email and/or password"]
    assert sim.open_client.sessions == {}


async def test_login_two_factor(sim: PushoverSimulator, client: Client) -> None:
    status, body = await client.login(DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD)
    assert status == 412
    assert body["status"] == 0
    assert isinstance(body["errors"], list)
    status, body = await client.login(DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD, twofa="000000")
    assert status == 400
    assert (body["status"], body["twofa"]) == (0, "invalid")
    assert sim.open_client.sessions == {}
    status, body = await client.login(
        DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD, twofa=DEMO_2FA_CODE
    )
    assert status == 200
    assert body["id"] == DEMO_USER2
    assert sim.open_client.sessions == {body["secret"]: DEMO_USER2}


async def test_add_login_for_a_new_user(sim: PushoverSimulator, client: Client) -> None:
    sim.add_login("new@example.com", "pw", "n" * 30, twofa="42")
    assert sim.users["n" * 30].devices == []
    status, _ = await client.login("new@example.com", "pw")
    assert status == 412
    status, body = await client.login("new@example.com", "pw", twofa="42")
    assert (status, body["id"]) == (200, "n" * 30)


async def test_register_device(sim: PushoverSimulator, client: Client) -> None:
    _, body = await client.login()
    status, body = await client.register(body["secret"], "Home_Assistant-1")
    assert status == 200
    assert body["status"] == 1
    device = sim.open_client.devices[body["id"]]
    assert (device.name, device.user) == ("Home_Assistant-1", DEMO_USER)
    assert sim.users[DEMO_USER].devices == ["phone", "tablet", "Home_Assistant-1"]
    status, body = await client.call(
        "POST", "users/validate.json", token=DEMO_TOKEN, user=DEMO_USER
    )
    assert "Home_Assistant-1" in body["devices"]


@pytest.mark.parametrize("name", ["x" * 26, "home assistant", "héllo", ""])
async def test_register_invalid_name(
    sim: PushoverSimulator, client: Client, name: str
) -> None:
    _, body = await client.login()
    status, body = await client.register(body["secret"], name)
    assert status == 400
    assert body == {
        "errors": {"name": ["is invalid"]},
        "status": 0,
        "request": body["request"],
    }
    assert sim.open_client.devices == {}


@pytest.mark.parametrize("name", ["phone", "homeassistant"])
async def test_register_name_taken(
    sim: PushoverSimulator, client: Client, name: str
) -> None:
    await client.device("homeassistant")
    _, body = await client.login()
    status, body = await client.register(body["secret"], name)
    assert status == 400
    assert body == {
        "errors": {"name": ["has already been taken"]},
        "status": 0,
        "request": body["request"],
    }
    assert len(sim.open_client.devices) == 1
    assert sim.users[DEMO_USER].devices.count(name) == 1


async def test_register_bad_secret_or_os(
    sim: PushoverSimulator, client: Client
) -> None:
    status, body = await client.register("s" * 60)
    assert status == 400
    assert (body["secret"], body["errors"]) == ("invalid", ["secret is invalid"])
    _, body = await client.login()
    status, body = await client.register(body["secret"], os="A")
    assert (status, body["os"]) == (400, "invalid")
    assert sim.open_client.devices == {}


async def test_download_has_every_field(sim: PushoverSimulator, client: Client) -> None:
    device_id, secret = await client.device()
    await client.send(
        title="T",
        message="<b>m</b>",
        url="https://example.com",
        url_title="Example",
        sound="bike",
        html="1",
        timestamp="1700000000",
    )
    await client.send(message="plain", priority="-1")
    body = await client.download(secret, device_id)
    first, second = body["messages"]
    assert set(first) == MESSAGE_FIELDS
    assert first["title"] == "T"
    assert first["message"] == "<b>m</b>"
    assert (first["url"], first["url_title"]) == ("https://example.com", "Example")
    assert (first["sound"], first["html"], first["priority"]) == ("bike", 1, 0)
    assert first["date"] == 1_700_000_000
    assert (first["app"], first["aid"], first["aid_str"]) == ("Demo", 1, "1")
    assert first["acked"] == 0
    assert first["id_str"] == str(first["id"])
    assert first["umid_str"] == str(first["umid"])
    # No title: the application's name, as a device shows it.
    assert (second["title"], second["priority"], second["html"]) == ("Demo", -1, 0)
    assert second["url"] == ""
    assert first["id"] < second["id"]
    assert first["umid"] < second["umid"]
    assert body["user"] == {
        "quiet_hours": False,
        "is_android_licensed": True,
        "is_ios_licensed": True,
        "is_desktop_licensed": False,
    }
    # Downloading does not delete.
    again = await client.download(secret, device_id)
    assert [m["id"] for m in again["messages"]] == [first["id"], second["id"]]


async def test_delivery_follows_users_groups_and_device_restrictions(
    sim: PushoverSimulator, client: Client
) -> None:
    device_id, secret = await client.device("ha")
    await client.send(message="to user")
    await client.send(message="to phone only", device="phone")
    await client.send(message="to ha only", device="ha")
    await client.send(message="to group", user=DEMO_GROUP)
    await client.send(message="to user 2", user=DEMO_USER2)
    sim.groups[DEMO_GROUP].members.append(GroupMember(DEMO_USER, "tablet"))
    sim.groups[DEMO_GROUP].members[0].disabled = True
    await client.send(message="to group, tablet only", user=DEMO_GROUP)
    body = await client.download(secret, device_id)
    assert [m["message"] for m in body["messages"]] == [
        "to user",
        "to ha only",
        "to group",
    ]
    assert sim.messages[2]["deliveries"][DEMO_USER] == ["ha"]


async def test_download_refusals(sim: PushoverSimulator, client: Client) -> None:
    device_id, secret = await client.device()
    status, body = await client.call(
        "GET", "messages.json", secret="s" * 60, device_id=device_id
    )
    assert (status, body["secret"]) == (400, "invalid")
    _, other = await client.login(
        DEMO_2FA_EMAIL, DEMO_2FA_PASSWORD, twofa=DEMO_2FA_CODE
    )
    status, body = await client.call(
        "GET", "messages.json", secret=other["secret"], device_id=device_id
    )
    assert (status, body["device_id"]) == (400, "invalid")
    status, body = await client.call(
        "GET", "messages.json", secret=secret, device_id="nope"
    )
    assert (status, body["errors"]) == (400, ["device_id is invalid"])


async def test_ids_grow_across_reset(sim: PushoverSimulator, client: Client) -> None:
    device_id, secret = await client.device()
    await client.send()
    first = (await client.download(secret, device_id))["messages"][0]["id"]
    sim.reset()
    device_id, secret = await client.device()
    await client.send()
    assert (await client.download(secret, device_id))["messages"][0]["id"] > first


async def test_update_highest_message(sim: PushoverSimulator, client: Client) -> None:
    device_id, secret = await client.device()
    for number in range(3):
        await client.send(message=f"m{number}")
    ids = [m["id"] for m in (await client.download(secret, device_id))["messages"]]
    path = f"devices/{device_id}/update_highest_message.json"
    status, body = await client.call("POST", path, secret=secret, message=str(ids[1]))
    assert (status, body["status"]) == (200, 1)
    remaining = (await client.download(secret, device_id))["messages"]
    assert [m["id"] for m in remaining] == [ids[2]]
    status, body = await client.call("POST", path, secret=secret, message="x")
    assert (status, body["message"]) == (400, "invalid")
    status, body = await client.call("POST", path, secret="s" * 60, message="9")
    assert status == 400
    assert len(sim.open_client.devices[device_id].messages) == 1


async def test_acknowledge_as_the_device_fires_the_callback(
    sim: PushoverSimulator, client: Client
) -> None:
    calls: list[tuple[str, dict[str, str]]] = []

    async def sender(url: str, payload: dict[str, str]) -> int:
        calls.append((url, payload))
        return 200

    sim.callback_sender = sender
    device_id, secret = await client.device("wall_tablet")
    receipt = (
        await client.send(
            user=DEMO_GROUP, callback="http://127.0.0.1:9/cb", **EMERGENCY
        )
    )["receipt"]
    message = (await client.download(secret, device_id))["messages"][0]
    assert (message["receipt"], message["acked"], message["priority"]) == (
        receipt,
        0,
        2,
    )
    status, body = await client.call(
        "POST", f"receipts/{receipt}/acknowledge.json", secret=secret
    )
    assert (status, body["status"]) == (200, 1)
    await sim.wait_callbacks()
    rec = sim.receipts[receipt]
    assert (rec.acknowledged_by, rec.acknowledged_by_device) == (
        DEMO_USER,
        "wall_tablet",
    )
    assert calls == [
        (
            "http://127.0.0.1:9/cb",
            {
                "receipt": receipt,
                "acknowledged": "1",
                "acknowledged_at": str(rec.acknowledged_at),
                "acknowledged_by": DEMO_USER,
                "acknowledged_by_device": "wall_tablet",
            },
        )
    ]
    assert rec.called_back
    message = (await client.download(secret, device_id))["messages"][0]
    assert message["acked"] == 1
    # A second acknowledgement changes nothing and fires nothing.
    status, _ = await client.call(
        "POST", f"receipts/{receipt}/acknowledge.json", secret=secret
    )
    assert status == 200
    await sim.wait_callbacks()
    assert len(calls) == 1


async def test_acknowledge_with_a_new_secret_names_the_device(
    sim: PushoverSimulator, client: Client
) -> None:
    device_id, _ = await client.device("ha")
    _, body = await client.login()
    secret = body["secret"]
    receipt = (await client.send(**EMERGENCY))["receipt"]
    await client.download(secret, device_id)
    status, _ = await client.call(
        "POST", f"receipts/{receipt}/acknowledge.json", secret=secret
    )
    assert status == 200
    assert sim.receipts[receipt].acknowledged_by_device == "ha"


async def test_acknowledge_refusals(sim: PushoverSimulator, client: Client) -> None:
    _, secret = await client.device()
    receipt = (await client.send(user=DEMO_USER2, **EMERGENCY))["receipt"]
    path = f"receipts/{receipt}/acknowledge.json"
    status, body = await client.call("POST", path, secret=secret)
    assert (status, body["receipt"]) == (400, "not found")
    status, body = await client.call("POST", path, secret="s" * 60)
    assert (status, body["secret"]) == (400, "invalid")
    own = (await client.send(**EMERGENCY))["receipt"]
    sim.receipts[own].canceled = True
    status, body = await client.call(
        "POST", f"receipts/{own}/acknowledge.json", secret=secret
    )
    assert (status, body["errors"]) == (400, ["receipt has expired or was canceled"])
    assert not sim.receipts[receipt].acknowledged
    assert not sim.receipts[own].acknowledged


async def test_inbox_and_snapshot_show_open_client_devices(
    sim: PushoverSimulator, client: Client, session: aiohttp.ClientSession
) -> None:
    device_id, secret = await client.device("wall_tablet")
    await client.send(title="Door", message="<open>")
    ws = await push_login(sim, session, device_id, secret)
    assert sim.base_url is not None
    async with session.get(sim.base_url.removesuffix("1/")) as resp:
        page = await resp.text()
    assert f'data-device-id="{device_id}"' in page
    assert "wall_tablet" in page
    assert "1 push connection(s)" in page
    assert "Door: &lt;open&gt;" in page
    assert secret not in page
    snapshot = sim.snapshot()["open_client_devices"][device_id]
    assert snapshot["name"] == "wall_tablet"
    assert snapshot["connections"] == 1
    assert len(snapshot["pending"]) == 1
    await ws.close()


async def test_add_open_client_device_without_http(
    sim: PushoverSimulator, client: Client
) -> None:
    device, secret = sim.add_open_client_device(DEMO_USER2, "desk")
    await client.send(user=DEMO_USER2, message="hi")
    body = await client.download(secret, device.id)
    assert [m["message"] for m in body["messages"]] == ["hi"]


async def test_a_long_outage_backlog_downloads_whole(
    sim: PushoverSimulator, client: Client
) -> None:
    """600 messages of 1 KB wait for a device and come down in one answer, in order."""
    device_id, secret = await client.device()
    device = sim.open_client.devices[device_id]
    ids = [
        sim.open_client.enqueue(device, {"message": f"{n:03} " + "x" * 1000})
        for n in range(600)
    ]
    body = await client.download(secret, device_id)
    assert [m["id"] for m in body["messages"]] == ids == sorted(ids)
    assert [m["message"][:3] for m in body["messages"]] == [
        f"{n:03}" for n in range(600)
    ]
    assert {m["id_str"] for m in body["messages"]} == {str(i) for i in ids}
