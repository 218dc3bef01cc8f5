"""Sending through the notify entity, the action and the legacy service."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.pushover_complete.const import CONF_ENCRYPTION_KEY, DOMAIN
from custom_components.pushover_complete.encryption import decrypt_field
from homeassistant.components.camera import Image
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pushover_simulator import (
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)

from .conftest import ALICE, recipient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call pushover_complete.send_message and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_message", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def test_notify_entity_sends_title_and_message(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """notify.send_message on a recipient's entity reaches Pushover."""
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.alice", "message": "Door open", "title": "Garage"},
        blocking=True,
    )
    [msg] = sim.messages
    assert msg["users"] == [DEMO_USER]
    assert msg["message"] == "Door open"
    assert msg["title"] == "Garage"
    assert "device" not in msg
    assert hass.states.get("notify.alice").state not in ("unknown", None)


async def test_action_shares_one_request_for_two_recipients(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Recipients with the same parameters share one request."""
    response = await send(
        hass,
        entity_id=["notify.alice", "notify.bob"],
        message="Dinner is ready",
        sound="bugle",
        tags=["kitchen"],
        html=True,
        url="https://example.org",
        url_title="Menu",
        ttl=600,
    )
    assert len(sim.messages) == 1
    [msg] = sim.messages
    assert sorted(msg["users"]) == sorted([DEMO_USER, DEMO_USER2])
    assert msg["sound"] == "bugle"
    assert msg["html"] == "1"
    assert "monospace" not in msg
    assert msg["ttl"] == "600"
    assert msg["url_title"] == "Menu"
    names = [r["recipient"] for r in response["recipients"]]
    assert sorted(names) == ["Alice", "Bob"]
    requests = {r["request"] for r in response["recipients"]}
    assert len(requests) == 1 and None not in requests
    assert all(r["queued"] is False for r in response["recipients"])
    assert response["truncated"] is False


async def test_action_with_entry_and_user_key(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An unconfigured user key can be addressed through the entry."""
    other = random_key()
    sim.add_user(other, devices=["watch"])
    response = await send(
        hass,
        config_entry_id=loaded_entry.entry_id,
        user_key=other,
        message="Hi",
        device=["watch"],
        monospace=True,
        timestamp=1_700_000_000,
    )
    [msg] = sim.messages
    assert msg["users"] == [other]
    assert msg["device"] == "watch"
    assert msg["monospace"] == "1"
    assert msg["timestamp"] == "1700000000"
    assert response["recipients"][0]["recipient"] is None


async def test_configured_user_key_uses_recipient_defaults(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """A user key of a configured recipient uses its name and defaults."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_subentry(
        config_entry,
        config_entry.subentries[ALICE],
        data={
            "user_key": DEMO_USER,
            "devices": ["tablet"],
            "sound": "siren",
            "priority": 1,
        },
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    response = await send(
        hass, config_entry_id=config_entry.entry_id, user_key=DEMO_USER, message="x"
    )
    [msg] = sim.messages
    assert msg["device"] == "tablet"
    assert msg["sound"] == "siren"
    assert msg["priority"] == "1"
    assert response["recipients"][0]["recipient"] == "Alice"


@pytest.mark.parametrize("options", [{"sound": "cosmic", "priority": -1}])
async def test_options_defaults_and_call_wins(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Options apply where the call gives nothing; call values win."""
    await send(hass, entity_id="notify.alice", message="a")
    await send(hass, entity_id="notify.alice", message="b", sound="bike", priority=0)
    first, second = sim.messages
    assert (first["sound"], first["priority"]) == ("cosmic", "-1")
    assert (second["sound"], second["priority"]) == ("bike", "0")


async def test_emergency_one_request_per_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Priority 2 needs a receipt per recipient; retry/expire from options."""
    response = await send(
        hass, entity_id=["notify.alice", "notify.bob"], message="Fire", priority=2
    )
    assert len(sim.messages) == 2
    for msg in sim.messages:
        assert msg["priority"] == "2"
        assert msg["retry"] == "60"
        assert msg["expire"] == "3600"
        assert "callback" not in msg  # no external URL configured
    receipts = [r["receipt"] for r in response["recipients"]]
    assert all(receipts) and len(set(receipts)) == 2
    state = hass.states.get("sensor.home_active_emergencies")
    assert state is not None and state.state == "2"


async def test_unknown_sound_refused_naming_valid_ones(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A sound the application lacks is refused before sending."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entity_id="notify.alice", message="x", sound="trumpet")
    assert err.value.translation_key == "invalid_sound"
    assert "bugle" in err.value.translation_placeholders["sounds"]
    assert "trumpet" in str(err.value)
    assert sim.messages == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"priority": 2, "retry": 10}, "invalid_field"),
        ({"html": True, "monospace": True}, "invalid_field"),
        ({"url": "https://e.org/" + "a" * 600}, "invalid_field"),
        ({"device": ["bad device!"]}, "invalid_field"),
    ],
)
async def test_invalid_input_sends_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input is a translated error and nothing reaches Pushover."""
    with pytest.raises((ServiceValidationError, Exception)) as err:
        await send(hass, entity_id=["notify.alice", "notify.bob"], message="x", **data)
    if isinstance(err.value, ServiceValidationError):
        assert err.value.translation_key == key
    assert sim.messages == []


async def test_no_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Neither target nor user key is refused."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, config_entry_id=loaded_entry.entry_id, message="x")
    assert err.value.translation_key == "no_recipients"
    with pytest.raises(ServiceValidationError):
        await send(hass, message="x")


async def test_long_text_is_cut(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Over-long message and title are cut with an ellipsis, not refused."""
    response = await send(
        hass, entity_id="notify.alice", message="m" * 1100, title="t" * 300
    )
    [msg] = sim.messages
    assert len(msg["message"]) == 1024 and msg["message"].endswith("…")
    assert len(msg["title"]) == 250 and msg["title"].endswith("…")
    assert response["truncated"] is True
    assert "cut" in caplog.text


@pytest.mark.parametrize(
    "recipients",
    [[recipient(ALICE, "Alice", DEMO_USER, **{CONF_ENCRYPTION_KEY: KEY_HEX})]],
)
async def test_end_to_end_encryption(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Encrypted fields decrypt to the (cut) text; url_title is left out."""
    await send(
        hass,
        entity_id="notify.alice",
        message="secret " * 200,
        title="Vault",
        url="https://example.org/x",
        url_title="Link",
    )
    [msg] = sim.messages
    assert msg["encrypted"] == "1"
    assert "url_title" not in msg
    message = decrypt_field(KEY_HEX, msg["message"])
    assert len(message) == 1024 and message.endswith("…")
    assert decrypt_field(KEY_HEX, msg["title"]) == "Vault"
    assert decrypt_field(KEY_HEX, msg["url"]) == "https://example.org/x"


async def test_pushover_refusal_shows_its_words(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A 4xx raises with Pushover's own text and is not repeated."""
    unknown = random_key()
    with pytest.raises(HomeAssistantError) as err:
        await send(
            hass, config_entry_id=loaded_entry.entry_id, user_key=unknown, message="x"
        )
    assert err.value.translation_key == "pushover_error"
    assert "not a valid user" in str(err.value)
    assert unknown not in str(err.value)
    posts = [r for r in sim.requests if r["path"].endswith("messages.json")]
    assert len(posts) == 1
    assert loaded_entry.runtime_data.outbox.pending == 0


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A token Pushover no longer accepts starts reauth."""
    del sim.apps[DEMO_TOKEN]
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entity_id="notify.alice", message="x")
    assert err.value.translation_key == "token_rejected"
    assert "application token is invalid" in str(err.value)
    assert DEMO_TOKEN not in str(err.value)
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_quota_exhausted_opens_repair_until_sending_works(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """HTTP 429: a clear error and a repair issue that clears later."""
    sim.set_quota(limit=100, remaining=0, reset=1_800_000_000)
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entity_id="notify.alice", message="x")
    assert err.value.translation_key == "quota_exceeded"
    registry = ir.async_get(hass)
    issue = registry.async_get_issue(DOMAIN, f"quota_exceeded_{loaded_entry.entry_id}")
    assert issue is not None
    assert "2027" in issue.translation_placeholders["reset"]
    assert loaded_entry.runtime_data.outbox.pending == 0
    sim.set_quota(limit=100, remaining=50)
    await send(hass, entity_id="notify.alice", message="x")
    assert (
        registry.async_get_issue(DOMAIN, f"quota_exceeded_{loaded_entry.entry_id}")
        is None
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()
    state = hass.states.get("sensor.home_account_messages_remaining")
    assert state.state == "49"


async def test_legacy_service_with_builtin_data_keys(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """notify.<recipient> takes the built-in integration's data keys."""
    await hass.services.async_call(
        "notify",
        "alice",
        {"message": "Hello TTL", "data": {"ttl": 900}},
        blocking=True,
    )
    await hass.services.async_call(
        "notify",
        "bob",
        {
            "message": "Hi",
            "title": "T",
            "target": ["laptop"],
            "data": {
                "url": "https://example.org",
                "url_title": "Ex",
                "priority": 1,
                "sound": "siren",
                "html": 1,
                "timestamp": 1_700_000_000,
            },
        },
        blocking=True,
    )
    first, second = sim.messages
    assert first["users"] == [DEMO_USER]
    assert first["ttl"] == "900"
    assert "title" not in first
    assert "device" not in first
    assert second["device"] == "laptop"
    assert (second["priority"], second["sound"], second["html"]) == ("1", "siren", "1")
    assert second["title"] == "T"


async def test_legacy_service_bad_data(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Bad data is a translated error; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify", "alice", {"message": "x", "data": {"priority": 7}}, blocking=True
        )
    assert err.value.translation_key == "invalid_data"
    assert sim.messages == []


async def test_legacy_service_refuses_unknown_keys_by_name(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A typo in data (``priorty: 2``) is refused, naming it; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify",
            "alice",
            {"message": "Leak", "data": {"priorty": 2, "sound": "siren", "zz": 1}},
            blocking=True,
        )
    assert err.value.translation_key == "unknown_data_keys"
    assert err.value.translation_placeholders == {"keys": "priorty, zz"}
    assert "priorty, zz" in str(err.value)
    assert sim.messages == []


async def test_legacy_name_taken(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A taken name becomes notify.pushover_complete_<slug>, logged once."""

    async def _other(call: ServiceCall) -> None:
        return None

    hass.services.async_register("notify", "alice", _other)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service("notify", "pushover_complete_alice")
    assert "notify.pushover_complete_alice" in caplog.text
    await hass.services.async_call(
        "notify", "pushover_complete_alice", {"message": "x"}, blocking=True
    )
    assert sim.messages[0]["users"] == [DEMO_USER]


async def test_unload_keeps_other_entries_services(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Unloading one entry leaves the other entry's legacy services."""
    other = office_entry
    assert hass.services.has_service("notify", "carol")
    assert await hass.config_entries.async_unload(other.entry_id)
    assert not hass.services.has_service("notify", "carol")
    assert hass.services.has_service("notify", "alice")
    assert hass.services.has_service("notify", "bob")


async def test_attachment_from_allowed_path(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """A local image inside the allowlist goes up as the attachment."""
    image = tmp_path / "snap.png"
    image.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await send(hass, entity_id="notify.alice", message="x", attachment=str(image))
    [msg] = sim.messages
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "snap.png"
    assert msg["attachment_content_type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "allowed", "key"),
    [
        ("snap.png", PNG, False, "attachment_not_allowed"),
        ("missing.png", None, True, "attachment_not_found"),
        ("notes.txt", b"hello", True, "attachment_not_image"),
        ("huge.png", PNG + b"\x00" * 5_300_000, True, "attachment_too_large"),
    ],
)
async def test_attachment_path_errors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    allowed: bool,
    key: str,
) -> None:
    """Each attachment problem has its own error; nothing is sent."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    hass.config.allowlist_external_dirs = {str(tmp_path)} if allowed else set()
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entity_id="notify.alice", message="x", attachment=str(path))
    assert err.value.translation_key == key
    assert sim.messages == []


async def test_attachment_symlink_escape_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """A symlink out of the allowlist is refused."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    (allowed / "link.png").symlink_to(secret)
    hass.config.allowlist_external_dirs = {str(allowed)}
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            entity_id="notify.alice",
            message="x",
            attachment=str(allowed / "link.png"),
        )
    assert err.value.translation_key == "attachment_not_allowed"
    assert sim.messages == []


@pytest.fixture
async def image_server(socket_enabled: None) -> Any:
    """A small web server with an image, a text file and a redirect."""

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="image/png")

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    app = web.Application()
    app.router.add_get("/loop", loop)
    app.router.add_get("/to-file", to_file)
    app.router.add_get("/cam.png", image)
    app.router.add_get("/notes", text)
    app.router.add_get("/missing.png", missing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_attachment_url(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    image_server: str,
) -> None:
    """An allowlisted image URL is fetched and attached."""
    hass.config.allowlist_external_urls = {f"{image_server}/"}
    await send(
        hass,
        entity_id="notify.alice",
        message="x",
        attachment_url=f"{image_server}/cam.png",
    )
    [msg] = sim.messages
    assert msg["attachment"] == PNG
    assert msg["attachment_content_type"] == "image/png"


@pytest.mark.parametrize(
    ("path", "allow", "key"),
    [
        ("/cam.png", False, "attachment_url_not_allowed"),
        ("/notes", True, "attachment_not_image"),
        ("/missing.png", True, "attachment_url_failed"),
        ("/loop", True, "attachment_url_failed"),
        ("/to-file", True, "attachment_url_invalid"),
    ],
)
async def test_attachment_url_errors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    image_server: str,
    path: str,
    allow: bool,
    key: str,
) -> None:
    """URL problems are refused before sending."""
    hass.config.allowlist_external_urls = {f"{image_server}/"} if allow else set()
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            entity_id="notify.alice",
            message="x",
            attachment_url=image_server + path,
        )
    assert err.value.translation_key == key
    assert sim.messages == []


async def test_attachment_url_scheme(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Only http and https URLs are fetched."""
    hass.config.allowlist_external_urls = {"file:///"}
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            entity_id="notify.alice",
            message="x",
            attachment_url="file:///etc/passwd",
        )
    assert err.value.translation_key == "attachment_url_invalid"


async def test_attachment_from_camera(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A camera's current picture is attached."""
    with patch(
        "homeassistant.components.camera.async_get_image",
        return_value=Image("image/jpeg", b"\xff\xd8\xff" + b"\x00" * 10),
    ):
        await send(hass, entity_id="notify.alice", message="x", camera="camera.porch")
    [msg] = sim.messages
    assert msg["attachment_filename"] == "porch.jpeg"
    assert msg["attachment_content_type"] == "image/jpeg"


async def test_camera_unavailable(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A camera that does not exist is a translated error."""
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entity_id="notify.alice", message="x", camera="camera.nope")
    assert err.value.translation_key == "camera_unavailable"
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entity_id="notify.alice", message="x", camera="light.nope")
    assert err.value.translation_key == "camera_unavailable"
    assert sim.messages == []


async def test_two_attachments_refused(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pushover takes one attachment per message."""
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            entity_id="notify.alice",
            message="x",
            attachment="/tmp/a.png",
            camera="camera.porch",
        )
    assert err.value.translation_key == "one_attachment"


async def test_malformed_user_key_refused_before_sending(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A key that cannot be a Pushover key is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            config_entry_id=loaded_entry.entry_id,
            user_key="not-a-key",
            message="x",
        )
    assert err.value.translation_key == "invalid_field"
    assert err.value.translation_placeholders["field"] == "user_key"
    assert not any(r["path"].endswith("messages.json") for r in sim.requests)
