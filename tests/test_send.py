"""Sending through the notify entity, the action and the legacy service."""

from __future__ import annotations

from datetime import timedelta
import random
import string
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
import voluptuous as vol

from custom_components.pushover_complete.const import (
    CONF_ENCRYPTION_KEY,
    DOMAIN,
    EVENT_ACKNOWLEDGED,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pushover_simulator import (
    BUILTIN_SOUNDS,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)
from pushover_simulator.decryption import decrypt_field

from .conftest import ALICE, recipient
from .helpers import state_of, tick

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call pushover_complete.send_message and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_message", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def sends(sim: PushoverSimulator) -> list[dict[str, Any]]:
    """Every send that reached the simulator."""
    return [r for r in sim.requests if r["path"].endswith("/messages.json")]


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
    assert err.value.translation_placeholders == {
        "sound": "trumpet",
        "sounds": ", ".join(sorted(BUILTIN_SOUNDS)),
    }
    assert "trumpet" in str(err.value)
    assert sim.messages == []


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"html": True, "monospace": True},
            "invalid_field",
            {"field": "html", "reason": "cannot be used with monospace"},
        ),
        (
            {"url": "https://e.org/" + "a" * 600},
            "invalid_field",
            {"field": "url", "reason": "is longer than 512 characters"},
        ),
        (
            {"url_title": "t" * 101},
            "invalid_field",
            {"field": "url_title", "reason": "is longer than 100 characters"},
        ),
        (
            {"device": ["bad device!"]},
            "invalid_field",
            {"field": "device", "reason": "'bad device!' is not a valid device name"},
        ),
        (
            {"message": "   "},
            "invalid_field",
            {"field": "message", "reason": "cannot be blank"},
        ),
        (
            {"timestamp": -1},
            "invalid_field",
            {"field": "timestamp", "reason": "cannot be before 1970"},
        ),
    ],
)
async def test_invalid_input_sends_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Bad input is a translated error and nothing reaches Pushover."""
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass, entity_id=["notify.alice", "notify.bob"], **{"message": "x", **data}
        )
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    assert sends(sim) == []


@pytest.mark.parametrize(
    "data",
    [
        {"callback_url": "not a url"},
        {"camera": "not an entity id"},
        {"media": "/local/snap.png"},
        {"bogus": 1},
    ],
)
async def test_invalid_data_refused_by_the_schema(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
) -> None:
    """Values the action's schema refuses never reach the handler."""
    with pytest.raises(vol.Invalid):
        await send(hass, entity_id="notify.alice", message="x", **data)
    assert sends(sim) == []


async def test_no_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Neither target nor user key is refused."""
    for data in ({"config_entry_id": loaded_entry.entry_id}, {}):
        with pytest.raises(ServiceValidationError) as err:
            await send(hass, message="x", **data)
        assert err.value.translation_key == "no_recipients"
    assert sends(sim) == []


async def test_long_text_is_cut(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Over-long message and title are cut with an ellipsis, not refused."""
    response = await send(
        hass, entity_id="notify.alice", message="m" * 1100, title="t" * 300
    )
    [msg] = sim.messages
    assert len(msg["message"]) == 1024 and msg["message"].endswith("…")
    assert len(msg["title"]) == 250 and msg["title"].endswith("…")
    assert response["truncated"] is True


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
    assert state_of(hass, "sensor.home_queued_messages") == "0"


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
    issue = registry.async_get_issue(DOMAIN, "quota_exceeded")
    assert issue is not None
    assert (issue.translation_placeholders or {})["name"] == "Home"
    assert "2027" in (issue.translation_placeholders or {})["reset"]
    assert state_of(hass, "sensor.home_queued_messages") == "0"
    sim.set_quota(limit=100, remaining=50)
    await send(hass, entity_id="notify.alice", message="x")
    assert registry.async_get_issue(DOMAIN, "quota_exceeded") is None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.home_account_messages_remaining") == "49"


async def test_quota_of_one_account_makes_one_repair_issue(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Two applications of one account hit the pooled quota: one issue names both."""
    sim.set_quota(limit=100, remaining=0, reset=1_800_000_000)
    for entity_id in ("notify.alice", "notify.carol"):
        with pytest.raises(HomeAssistantError) as err:
            await send(hass, entity_id=entity_id, message="x")
        assert err.value.translation_key == "quota_exceeded"
    registry = ir.async_get(hass)
    ours = [i for i in registry.issues.values() if i.domain == DOMAIN]
    assert [i.issue_id for i in ours] == ["quota_exceeded"]
    assert (ours[0].translation_placeholders or {})["name"] == "Home, Office"
    sim.set_quota(limit=100, remaining=50)
    await send(hass, entity_id="notify.carol", message="x")
    issue = registry.async_get_issue(DOMAIN, "quota_exceeded")
    assert issue is not None
    assert (issue.translation_placeholders or {})["name"] == "Home"
    assert "2027" in (issue.translation_placeholders or {})["reset"]
    await send(hass, entity_id="notify.alice", message="x")
    assert registry.async_get_issue(DOMAIN, "quota_exceeded") is None


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
    assert err.value.translation_placeholders == {
        "field": "user_key",
        "reason": "must be 30 letters and digits",
    }
    assert sends(sim) == []


KNOWN_KEY = "1f046d257b8eeaf278c5218fe03a9887c21f80ecd5ad11e39f28cb7cb8b9ce03"
KNOWN_CIPHERTEXT = (
    "3sBQOOIEaZjUiKRl9RckIeIzhMWE7ujDDSUYqrrFgHc65ll9sKpu1KTVM7mWXp/bVUi7f0SwzRZNKhum"
    "n7aaJ4rTGnwlCw9roA0RmLdHITTIuPeL/PXPawSN2tvklam3bAZxcbOslp1JMlZ+55wShQ=="
)
ENCRYPTED = [recipient(ALICE, "Alice", DEMO_USER, **{CONF_ENCRYPTION_KEY: KNOWN_KEY})]


def test_decryptor_known_answer() -> None:
    """The decryptor reads a vector made by an independent implementation."""
    assert decrypt_field(KNOWN_KEY, KNOWN_CIPHERTEXT) == "known-vector regression check"
    tampered = "A" + KNOWN_CIPHERTEXT[1:]
    with pytest.raises(ValueError, match="HMAC mismatch"):
        decrypt_field(KNOWN_KEY, tampered)


async def _encrypted_by_action(hass: HomeAssistant, title: str | None) -> None:
    await send(
        hass,
        entity_id="notify.alice",
        message="Vault open",
        **({"title": title} if title else {}),
    )


async def _encrypted_by_entity(hass: HomeAssistant, title: str | None) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {
            "entity_id": "notify.alice",
            "message": "Vault open",
            **({"title": title} if title else {}),
        },
        blocking=True,
    )


async def _encrypted_by_legacy(hass: HomeAssistant, title: str | None) -> None:
    await hass.services.async_call(
        "notify",
        "alice",
        {"message": "Vault open", **({"title": title} if title else {})},
        blocking=True,
    )


@pytest.mark.parametrize("recipients", [ENCRYPTED])
@pytest.mark.parametrize(
    "path", [_encrypted_by_action, _encrypted_by_entity, _encrypted_by_legacy]
)
@pytest.mark.parametrize(("title", "shown"), [(None, "Home"), ("Safe", "Safe")])
async def test_encrypted_message_always_has_an_encrypted_title(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    path: Any,
    title: str | None,
    shown: str,
) -> None:
    """No title given: the entry's title, encrypted, so the phone can decrypt it."""
    await path(hass, title)
    [msg] = sim.messages
    assert msg["encrypted"] == "1"
    assert msg["title"] != shown
    assert decrypt_field(KNOWN_KEY, msg["title"]) == shown
    assert decrypt_field(KNOWN_KEY, msg["message"]) == "Vault open"


@pytest.mark.parametrize("recipients", [ENCRYPTED])
async def test_url_limit_applies_before_encryption(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A 512-character URL goes out encrypted (longer); a 513-character one never."""
    path = random.Random(512).choices(string.ascii_letters + string.digits, k=492)
    url = "https://example.org/" + "".join(path)
    assert len(url) == 512
    await send(hass, entity_id="notify.alice", message="x", url=url, url_title="Go")
    [msg] = sim.messages
    assert len(msg["url"]) > 512
    assert decrypt_field(KNOWN_KEY, msg["url"]) == url
    assert "url_title" not in msg
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entity_id="notify.alice", message="x", url=url + "a")
    assert err.value.translation_key == "invalid_field"
    assert err.value.translation_placeholders == {
        "field": "url",
        "reason": "is longer than 512 characters",
    }
    assert len(sim.messages) == 1


GHOST = "gh0stgh0stgh0stgh0stgh0stgh0st"
REFUSED_USER = "user identifier is not a valid user, group, or subscribed user key"


@pytest.mark.parametrize(
    "recipients",
    [
        [
            recipient(ALICE, "Alice", DEMO_USER, devices=["phone"]),
            recipient("ghost", "Ghost", GHOST),
        ]
    ],
)
async def test_half_refused_call_names_who_did_not_get_it(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two requests, one refused: one error naming Ghost (and why) and Alice as sent."""
    freezer.move_to("2026-11-28 10:00:00+00:00")
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, entity_id=["notify.alice", "notify.ghost"], message="Door")
    assert type(err.value) is HomeAssistantError
    assert err.value.translation_key == "partly_sent"
    assert err.value.translation_placeholders == {
        "failed": f"Ghost ({REFUSED_USER})",
        "sent": "Alice",
    }
    assert GHOST not in str(err.value)
    assert len(sends(sim)) == 2
    [msg] = sim.messages
    assert (msg["users"], msg["message"], msg["device"]) == (
        [DEMO_USER],
        "Door",
        "phone",
    )
    await tick(hass, freezer, 1)
    assert state_of(hass, "notify.alice") == "2026-11-28T10:00:00+00:00"
    assert state_of(hass, "notify.ghost") == "unknown"
    assert state_of(hass, "sensor.home_queued_messages") == "0"


async def _by_entity(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.alice", "message": "x"},
        blocking=True,
    )


async def _by_action(hass: HomeAssistant) -> None:
    await send(hass, entity_id="notify.alice", message="x")


async def _by_legacy(hass: HomeAssistant) -> None:
    await hass.services.async_call("notify", "alice", {"message": "x"}, blocking=True)


async def _by_alarm(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": "x", "steps": [{"targets": ["notify.alice"]}]},
        blocking=True,
        return_response=True,
    )


@pytest.mark.parametrize("path", [_by_entity, _by_action, _by_legacy, _by_alarm])
async def test_notify_state_is_the_last_send_on_every_path(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    path: Any,
) -> None:
    """The notify entity's state is when it last sent, whichever way it went.

    The other paths write it within a second (a burst makes one write).
    """
    assert state_of(hass, "notify.alice") == "unknown"
    freezer.move_to("2026-11-28 10:00:00+00:00")
    await path(hass)
    await tick(hass, freezer, 1)
    assert state_of(hass, "notify.alice") == "2026-11-28T10:00:00+00:00"
    freezer.move_to("2026-11-28 10:05:30+00:00")
    await path(hass)
    await tick(hass, freezer, 1)
    assert state_of(hass, "notify.alice") == "2026-11-28T10:05:30+00:00"
    assert state_of(hass, "notify.bob") == "unknown"
    assert [m["users"] for m in sim.messages] == [[DEMO_USER], [DEMO_USER]]


@pytest.mark.parametrize(
    "recipients",
    [
        [
            recipient(ALICE, "Alice", DEMO_USER, devices=["phone"]),
            recipient("alice_tablet", "Alice tablet", DEMO_USER, devices=["tablet"]),
        ]
    ],
)
@pytest.mark.parametrize(
    ("entity_id", "name", "device"),
    [
        ("notify.alice", "Alice", "phone"),
        ("notify.alice_tablet", "Alice tablet", "tablet"),
    ],
)
async def test_acknowledgement_credits_the_recipient_it_went_through(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    name: str,
    device: str,
) -> None:
    """Two recipients with one key: the event names the one the alarm went through."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    response = await send(hass, entity_id=entity_id, message="Fire", priority=2)
    [msg] = sim.messages
    assert msg["device"] == device
    receipt = response["recipients"][0]["receipt"]
    sim.acknowledge(receipt, user=DEMO_USER, device=device)
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    [event] = events
    assert event.data["receipt"] == receipt
    assert event.data["acknowledged_by"] == DEMO_USER
    assert event.data["acknowledged_by_name"] == name
    assert event.data["acknowledged_by_device"] == device
    assert event.data["notify_entity_id"] == entity_id


MANY = [f"u{number:029}" for number in range(51)]


@pytest.mark.parametrize(
    "recipients",
    [[recipient(f"r{n:02}", f"R{n:02}", key) for n, key in enumerate(MANY)]],
)
async def test_fifty_one_recipients_take_two_requests(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Up to 50 users share a request; the 51st goes in a second one."""
    for key in MANY:
        sim.add_user(key, devices=["phone"])
    response = await send(
        hass, entity_id=[f"notify.r{n:02}" for n in range(51)], message="All"
    )
    assert sorted(len(m["users"]) for m in sim.messages) == [1, 50]
    assert sorted(u for m in sim.messages for u in m["users"]) == MANY
    assert len(sends(sim)) == 2
    results = response["recipients"]
    assert sorted(r["recipient"] for r in results) == [f"R{n:02}" for n in range(51)]
    assert len({r["request"] for r in results}) == 2
    assert None not in {r["request"] for r in results}


async def test_one_call_spanning_two_entries(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Targets of two applications: each gets its message through its own token."""
    response = await send(
        hass, entity_id=["notify.alice", "notify.carol"], message="Both", title="T"
    )
    sent = {m["token"]: m for m in sim.messages}
    assert set(sent) == {DEMO_TOKEN, office_entry.data["api_key"]}
    assert sent[DEMO_TOKEN]["users"] == [DEMO_USER]
    assert sent[office_entry.data["api_key"]]["users"] == [DEMO_USER2]
    assert {m["message"] for m in sim.messages} == {"Both"}
    assert sorted(r["recipient"] for r in response["recipients"]) == ["Alice", "Carol"]
    assert all(r["request"] for r in response["recipients"])
