"""Hostile and odd input: clean refusals or real sends, never a bare exception."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
import json
import logging
import os
from pathlib import Path
import random
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.pushover_complete.const import (
    CONF_OPEN_CLIENT_ID,
    CONF_SECRET,
    CONF_USER_KEY,
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    SUBENTRY_OPEN_CLIENT,
)
from custom_components.pushover_complete.fields import MESSAGE_FIELD_NAMES
from custom_components.pushover_complete.legacy import DATA_SCHEMA, _legacy_data
from custom_components.pushover_complete.services import (
    ACTIONS,
    SEND_MESSAGE_SCHEMA,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
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

from .conftest import ALICE, BOB, WEBHOOK_ID, recipient
from .helpers import WEBHOOK, send_emergency, state_of

SURROGATE = "\ud800"
TRANSLATIONS = Path(__file__).parents[1] / (
    "custom_components/pushover_complete/translations/en.json"
)
EXCEPTION_KEYS = frozenset(
    json.loads(TRANSLATIONS.read_text(encoding="utf-8"))["exceptions"]
)
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def run_on_loop[T](
    hass: HomeAssistant, make: Callable[[], Coroutine[Any, Any, T]]
) -> T:
    """Run a coroutine on Home Assistant's loop from a worker thread."""
    return asyncio.run_coroutine_threadsafe(make(), hass.loop).result(timeout=60)


async def outcome(
    hass: HomeAssistant,
    domain: str,
    service: str,
    data: dict[str, Any],
    *,
    response: bool,
) -> Any:
    """Call an action; return its response or the exception it raised."""
    try:
        return await hass.services.async_call(
            domain, service, data, blocking=True, return_response=response
        )
    except (vol.Invalid, HomeAssistantError) as err:
        return err


def sends(sim: PushoverSimulator) -> list[dict[str, Any]]:
    """Every send that reached the simulator."""
    return [r for r in sim.requests if r["path"].endswith("/messages.json")]


async def action(
    hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any
) -> Any:
    """Call one of our actions (blocking) and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, **kwargs
    )


async def cannot_connect(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, data: dict[str, Any]
) -> HomeAssistantError:
    """Call an action on the entry, expecting a plain ``cannot_connect`` error."""
    with pytest.raises(HomeAssistantError) as err:
        await action(
            hass,
            service,
            {"config_entry_id": entry.entry_id, **data},
            return_response=ACTIONS[service][2] is not SupportsResponse.NONE,
        )
    assert type(err.value) is HomeAssistantError
    assert err.value.translation_key == "cannot_connect"
    return err.value


# Lone surrogates, NULs, odd paths and URLs, negative times.


async def _send_action(hass: HomeAssistant, message: str, title: str | None) -> None:
    data = {"entity_id": "notify.alice", "message": message}
    await action(hass, "send_message", {**data, "title": title} if title else data)


async def _send_entity(hass: HomeAssistant, message: str, title: str | None) -> None:
    data = {"entity_id": "notify.alice", "message": message}
    await hass.services.async_call(
        "notify",
        "send_message",
        {**data, "title": title} if title else data,
        blocking=True,
    )


async def _send_legacy(hass: HomeAssistant, message: str, title: str | None) -> None:
    data = {"message": message}
    await hass.services.async_call(
        "notify", "alice", {**data, "title": title} if title else data, blocking=True
    )


SENDERS = {"action": _send_action, "entity": _send_entity, "legacy": _send_legacy}


@pytest.mark.parametrize("path", sorted(SENDERS))
@pytest.mark.parametrize(
    ("message", "title", "field"),
    [
        (f"file {SURROGATE}.jpg", None, "message"),
        ("Door", f"Camera {SURROGATE}", "title"),
    ],
)
async def test_lone_surrogate_refused_on_every_path(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    path: str,
    message: str,
    title: str | None,
    field: str,
) -> None:
    """Text that cannot be encoded is a translated refusal; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await SENDERS[path](hass, message, title)
    assert err.value.translation_key == "invalid_field"
    assert err.value.translation_placeholders == {
        "field": field,
        "reason": "contains characters that cannot be encoded as UTF-8",
    }
    assert sends(sim) == []


async def test_lone_surrogate_never_enters_the_outbox(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While Pushover is down, such text is refused and the queue goes on."""
    sim.inject_fault("messages.json", "503")
    await _send_action(hass, "before", None)
    with pytest.raises(ServiceValidationError) as err:
        await _send_action(hass, f"bad {SURROGATE}", None)
    assert err.value.translation_key == "invalid_field"
    await _send_action(hass, "after", None)
    assert state_of(hass, "sensor.home_queued_messages") == "2"
    freezer.tick(timedelta(seconds=6))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [m["message"] for m in sim.messages] == ["before", "after"]
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)


async def test_fifo_attachment_refused_without_blocking(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """A FIFO is not a regular file: refused at once, no worker blocked on it."""
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    for domain, service, data in (
        (
            DOMAIN,
            "send_message",
            {"entity_id": "notify.alice", "message": "x", "attachment": str(fifo)},
        ),
        ("notify", "alice", {"message": "x", "data": {"attachment": str(fifo)}}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            async with asyncio.timeout(10):
                await hass.services.async_call(domain, service, data, blocking=True)
        assert err.value.translation_key == "attachment_not_found"
        assert err.value.translation_placeholders == {"attachment": str(fifo)}
    assert sends(sim) == []


async def send_by_action(hass: HomeAssistant, data: dict[str, Any]) -> None:
    """Send with ``data`` through ``pushover_complete.send_message``."""
    await action(
        hass, "send_message", {"entity_id": "notify.alice", "message": "x", **data}
    )


async def send_by_legacy(hass: HomeAssistant, data: dict[str, Any]) -> None:
    """Send with ``data`` through the legacy ``notify.alice`` action."""
    await hass.services.async_call(
        "notify", "alice", {"message": "x", "data": data}, blocking=True
    )


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"attachment": "/tmp/snap\x00.png"},
            "attachment_not_found",
            {"attachment": "/tmp/snap\\0.png"},
        ),
        (
            {"attachment_url": "http://[::1"},
            "attachment_url_invalid",
            {"url": "http://[::1"},
        ),
        (
            {"timestamp": -1},
            "invalid_field",
            {"field": "timestamp", "reason": "cannot be before 1970"},
        ),
        (
            {"timestamp": "1969-12-31T23:00:00+00:00"},
            "invalid_field",
            {"field": "timestamp", "reason": "cannot be before 1970"},
        ),
    ],
    ids=["nul_in_path", "unparsable_url", "negative_timestamp", "date_before_1970"],
)
@pytest.mark.parametrize("send", [send_by_action, send_by_legacy])
async def test_odd_input_is_a_translated_refusal(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
    send: Callable[[HomeAssistant, dict[str, Any]], Awaitable[Any]],
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """NUL in a path, an unparsable URL, a time before 1970: refused, nothing sent."""
    hass.config.allowlist_external_dirs = {"/tmp", str(tmp_path)}
    hass.config.allowlist_external_urls = {"http://[::1]/", "http://127.0.0.1/"}
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, data)
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    assert sends(sim) == []


# Secrets in errors and odd answers from Pushover.


@pytest.mark.parametrize(
    ("service", "data", "path", "kind", "endpoint"),
    [
        (
            "group_remove_user",
            {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
            "remove_user.json",
            "drop",
            "groups/{}/remove_user.json",
        ),
        (
            "group_info",
            {"group_key": DEMO_GROUP},
            f"groups/{DEMO_GROUP}.json",
            "503",
            "groups/{}.json",
        ),
        (
            "group_add_user",
            {"group_key": DEMO_GROUP, "user_key": DEMO_USER2},
            "add_user.json",
            "drop",
            "groups/{}/add_user.json",
        ),
        (
            "group_rename",
            {"group_key": DEMO_GROUP, "name": "Family"},
            "rename.json",
            "drop",
            "groups/{}/rename.json",
        ),
        (
            "validate_user",
            {"user_key": DEMO_USER},
            "users/validate.json",
            "drop",
            "users/validate.json",
        ),
    ],
)
async def test_connection_errors_name_the_endpoint_not_the_keys(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    path: str,
    kind: Any,
    endpoint: str,
) -> None:
    """A dropped or failed request: cannot_connect naming the endpoint, no key."""
    sim.inject_fault(path, kind)
    error = await cannot_connect(hass, loaded_entry, service, data)
    assert sim.faults == []
    text = f"{error} {error.translation_placeholders}"
    assert endpoint in text
    for secret in (DEMO_GROUP, DEMO_USER, DEMO_USER2, DEMO_TOKEN):
        assert secret not in text


def state(entry: MockConfigEntry) -> ConfigEntryState:
    """Return an entry's state (read afresh at each call)."""
    result: ConfigEntryState = entry.state
    return result


async def test_answer_without_sounds_at_setup_is_retried(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Pushover answering without ``sounds``: setup retries, then succeeds."""
    sim.inject_fault("sounds.json", "missing_field")
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert state(config_entry) is ConfigEntryState.SETUP_RETRY
    assert config_entry.error_reason_translation_key == "cannot_connect"
    assert sim.faults == []
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(config_entry) is ConfigEntryState.LOADED
    sounds = [r for r in sim.requests if r["path"].endswith("/sounds.json")]
    assert len(sounds) == 2


@pytest.mark.parametrize(
    ("service", "data", "path", "method"),
    [
        ("group_create", {"name": "Family"}, "/groups.json", "POST"),
        ("group_list", {}, "/groups.json", "GET"),
        ("group_info", {"group_key": DEMO_GROUP}, f"/groups/{DEMO_GROUP}.json", "GET"),
        ("get_receipt", {"receipt": DEMO_GROUP}, f"/receipts/{DEMO_GROUP}.json", "GET"),
        ("cancel_emergency", {"tag": "door"}, "/cancel_by_tag/door.json", "POST"),
        ("validate_user", {"user_key": DEMO_USER}, "/users/validate.json", "POST"),
        (
            "migrate_to_subscription",
            {"user_key": DEMO_USER, "subscription_code": DEMO_SUBSCRIPTION},
            "/subscriptions/migrate.json",
            "POST",
        ),
        ("assign_license", {"user_key": DEMO_USER}, "/licenses/assign.json", "POST"),
    ],
)
async def test_answer_missing_its_fields_is_a_connection_error(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    path: str,
    method: str,
) -> None:
    """A 200 without the fields an action reads: cannot_connect, not a KeyError."""
    sim.inject_fault(path, "missing_field", method=method)
    error = await cannot_connect(hass, loaded_entry, service, data)
    assert "lacks" in str(error)
    assert sim.faults == []


# Random input: a clean refusal, or a send whose every field arrives as given.


TEXT = st.one_of(
    st.text(max_size=40),
    st.text(max_size=1100),
    st.text(max_size=8).map(lambda text: text + SURROGATE),
    st.sampled_from(["", "   "]),
)
NAME = st.text(
    alphabet=st.characters(categories=["L", "N"], codec="ascii"), min_size=1, max_size=8
)
SEND_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": st.one_of(st.none(), TEXT),
    "url": st.one_of(
        st.none(),
        st.just(""),
        st.integers(0, 560).map(lambda n: "https://example.org/" + "a" * n),
        st.just(f"https://example.org/{SURROGATE}"),
    ),
    "url_title": st.one_of(st.none(), st.text(max_size=110)),
    "priority": st.one_of(
        st.none(), st.integers(-3, 3), st.sampled_from(["low", "emergency", "bogus"])
    ),
    "retry": st.one_of(st.none(), st.integers(0, 120)),
    "expire": st.one_of(st.none(), st.integers(0, 11_000)),
    "callback_url": st.one_of(
        st.none(), st.sampled_from(["https://example.org/cb", "not a url"])
    ),
    "tags": st.one_of(st.none(), st.lists(NAME, max_size=3), NAME),
    "sound": st.one_of(st.none(), st.sampled_from(["", "bugle", "siren", "trumpet"])),
    "html": st.one_of(st.none(), st.booleans()),
    "monospace": st.one_of(st.none(), st.booleans()),
    "timestamp": st.one_of(st.none(), st.integers(-100, 2_000_000_000)),
    "ttl": st.one_of(st.none(), st.integers(-5, 100_000)),
    "device": st.one_of(
        st.none(),
        st.lists(st.sampled_from(["phone", "tablet", "bad device!", " "]), max_size=3),
    ),
}
SEND_DATA = st.fixed_dictionaries({"message": TEXT}, optional=SEND_FIELDS)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wire(valid: dict[str, Any]) -> dict[str, str]:
    """What Pushover should receive for Alice (no defaults) from validated data."""
    priority = valid.get("priority")
    devices = [d.strip() for d in valid.get("device") or [] if d.strip()]
    fields: dict[str, Any] = {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": _cut(valid["message"], 1024),
        "title": _cut(valid["title"], 250) if valid.get("title") else None,
        "device": ",".join(devices) or None,
        "url": valid.get("url") or None,
        "url_title": valid.get("url_title") or None,
        "priority": priority,
        "retry": valid.get("retry"),
        "expire": valid.get("expire"),
        "sound": valid.get("sound") or None,
        "html": 1 if valid.get("html") else None,
        "monospace": 1 if valid.get("monospace") else None,
        "timestamp": valid.get("timestamp"),
        "ttl": valid.get("ttl"),
        "tags": ",".join(valid.get("tags") or []) or None,
    }
    if priority == 2:
        fields["retry"] = valid.get("retry") or 60
        fields["expire"] = valid.get("expire") or 3600
        fields["callback"] = valid.get("callback_url")
    return {key: str(value) for key, value in fields.items() if value is not None}


def _refusals(wire: dict[str, str], valid: dict[str, Any]) -> set[tuple[str, str]]:
    """The refusals a message deserves: (translation key, field)."""
    reasons: set[tuple[str, str]] = set()
    for field in ("message", "title", "url", "url_title"):
        if SURROGATE in wire.get(field, ""):
            reasons.add(("invalid_field", field))
    if not wire["message"].strip():
        reasons.add(("invalid_field", "message"))
    limits = {"url": 512, "url_title": 100}
    for field, limit in limits.items():
        if len(wire.get(field, "")) > limit:
            reasons.add(("invalid_field", field))
    if "html" in wire and "monospace" in wire:
        reasons.add(("invalid_field", "html"))
    if int(wire.get("timestamp", 0)) < 0:
        reasons.add(("invalid_field", "timestamp"))
    if any(
        not re.fullmatch(r"[A-Za-z0-9_-]{1,25}", d)
        for d in wire.get("device", "").split(",")
        if d
    ):
        reasons.add(("invalid_field", "device"))
    if valid.get("sound") and valid["sound"] not in BUILTIN_SOUNDS:
        reasons.add(("invalid_sound", ""))
    return reasons


async def test_random_action_data_reaches_the_wire_as_given(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Random send_message data: a clean refusal, or exactly these fields sent."""
    outcomes: dict[str, int] = {"schema": 0, "refused": 0, "sent": 0}

    @settings(PROPERTY_SETTINGS, max_examples=60)
    @given(SEND_DATA)
    @example(
        {
            "message": "Door open",
            "title": "Garage",
            "url": "https://example.org/door",
            "url_title": "Door",
            "priority": "low",
            "sound": "bugle",
            "html": True,
            "timestamp": 1_700_000_000,
            "ttl": 600,
            "tags": ["door", "garage"],
            "device": ["phone", " tablet "],
        }
    )
    @example(
        {
            "message": "Fire",
            "priority": 2,
            "retry": 30,
            "expire": 600,
            "callback_url": "https://example.org/cb",
            "monospace": True,
            "tags": "a,b",
        }
    )
    @example({"message": "   "})
    @example({"message": "x", "priority": 7})
    def check(data: dict[str, Any]) -> None:
        before = len(sim.requests)
        call = {"entity_id": "notify.alice", **data}
        result = run_on_loop(
            hass, lambda: outcome(hass, DOMAIN, "send_message", call, response=True)
        )
        new = sim.requests[before:]
        if schema_refusal := _schema_refusal(call):
            # voluptuous's own refusal, or a number out of range in words.
            assert _refusal_of(result) == _refusal_of(schema_refusal)
            assert new == []
            outcomes["schema"] += 1
            return
        wire = _wire(SEND_MESSAGE_SCHEMA(call))
        reasons = _refusals(wire, SEND_MESSAGE_SCHEMA(call))
        if isinstance(result, ServiceValidationError):
            placeholders = result.translation_placeholders or {}
            field = placeholders.get("field", "")
            assert (result.translation_key, field) in reasons
            assert new == []
            outcomes["refused"] += 1
            return
        assert not isinstance(result, Exception), repr(result)
        assert not reasons
        [request] = new
        assert request["status"] == 200
        sent = {k: v for k, v in request["params"].items() if not k.startswith("_")}
        assert sent == wire
        assert result["recipients"][0]["request"]
        outcomes["sent"] += 1

    await hass.async_add_executor_job(check)
    assert all(outcomes.values()), outcomes


def _refusal_of(err: Any) -> tuple[Any, ...]:
    """A refusal as values to compare (no translation: this runs off the loop)."""
    return (
        type(err),
        getattr(err, "translation_key", None),
        getattr(err, "translation_placeholders", None),
        str(err) if isinstance(err, vol.Invalid) else None,
    )


def _schema_refusal(call: dict[str, Any]) -> Exception | None:
    """What the action's schema raises for ``call``: nothing, or its refusal."""
    try:
        SEND_MESSAGE_SCHEMA(call)
    except (vol.Invalid, ServiceValidationError) as err:
        return err
    return None


def _junk() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.text(max_size=12),
        st.lists(st.integers(), max_size=2),
    )


def _values(entry_id: str, receipt: str) -> dict[str, st.SearchStrategy[Any]]:
    """Plausible and odd values for each action field."""
    keys = st.sampled_from(
        [DEMO_USER, DEMO_USER2, random_key(), f" {DEMO_USER} ", "short", ""]
    )
    return {
        "config_entry_id": st.sampled_from([entry_id, entry_id, entry_id, "0" * 26]),
        "receipt": st.sampled_from([receipt, random_key(), "not-a-receipt"]),
        "alarm_id": st.sampled_from(["0123456789abcdef", ""]),
        "tag": st.one_of(NAME, st.sampled_from(["", "a/b"])),
        "user_key": keys,
        "group_key": st.sampled_from([DEMO_GROUP, random_key(), "bad key", ""]),
        "device": st.sampled_from(["phone", "tablet", "bad device!", ""]),
        "name": st.one_of(NAME, st.text(max_size=40)),
        "memo": st.text(max_size=220),
        "subscription_code": st.sampled_from([DEMO_SUBSCRIPTION, "Nope-123", ""]),
        "sound": st.sampled_from(["bugle", "trumpet", ""]),
        "email": st.sampled_from(["someone@example.org", "not-an-email", ""]),
        "os": st.sampled_from(["Android", "iOS", "Desktop", "Windows"]),
        "title": st.text(max_size=110),
        "text": st.text(max_size=110),
        "subtext": st.text(max_size=110),
        "count": st.integers(-5, 10**6),
        "percent": st.integers(-10, 110),
    }


def _answered_locally(service: str, data: dict[str, Any], result: Any) -> bool:
    """Tell whether an answer rightly needed no request to Pushover."""
    if service == "validate_user":
        # A key that cannot be one is not valid; Pushover need not be asked.
        return bool(result == {"valid": False, "reason": result["reason"]})
    # Alarms end here; an unknown one (by id or key) cancels nothing, and
    # resolve_alarm resolves only alarms (the emergency sent is not one).
    # (The schema turns any scalar into a string: False is the key "False".)
    by_alarm = any(data.get(name) not in (None, "") for name in ("alarm_id", "key"))
    return service == "resolve_alarm" or (service == "cancel_emergency" and by_alarm)


# The requests each action may make (method, path pattern).
ACTION_REQUESTS: dict[str, tuple[str, str]] = {
    "acknowledge": ("POST", r"/receipts/\w+/acknowledge\.json"),
    "cancel_emergency": ("POST", r"/receipts/(\w+/cancel|cancel_by_tag/.+)\.json"),
    "resolve_alarm": ("POST", r"/receipts/\w+/cancel\.json"),
    "get_receipt": ("GET", r"/receipts/\w+\.json"),
    "validate_user": ("POST", r"/users/validate\.json"),
    "group_create": ("POST", r"/groups\.json"),
    "group_list": ("GET", r"/groups\.json"),
    "group_info": ("GET", r"/groups/\w+\.json"),
    "group_add_user": ("POST", r"/groups/\w+/add_user\.json"),
    "group_remove_user": ("POST", r"/groups/\w+/(remove|delete)_user\.json"),
    "group_disable_user": ("POST", r"/groups/\w+/disable_user\.json"),
    "group_enable_user": ("POST", r"/groups/\w+/enable_user\.json"),
    "group_rename": ("POST", r"/groups/\w+/rename\.json"),
    "migrate_to_subscription": ("POST", r"/subscriptions/migrate\.json"),
    "assign_license": ("POST", r"/licenses/assign\.json"),
    "send_glance": ("POST", r"/glances\.json"),
}


# One call per action that Pushover takes, so each property test sees one
# (RECEIPT stands for the receipt of an emergency sent to Alice).
RECEIPT = "<receipt>"
VALID_CALLS: dict[str, dict[str, Any]] = {
    "acknowledge": {"receipt": RECEIPT},
    "cancel_emergency": {"tag": "door"},
    "resolve_alarm": {"tag": "door"},
    "get_receipt": {"receipt": RECEIPT},
    "validate_user": {"user_key": DEMO_USER},
    "group_create": {"name": "Family"},
    "group_list": {},
    "group_info": {"group_key": DEMO_GROUP},
    "group_add_user": {
        "group_key": DEMO_GROUP,
        "user_key": DEMO_USER2,
        "device": "laptop",
    },
    "group_remove_user": {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
    "group_disable_user": {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
    "group_enable_user": {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
    "group_rename": {"group_key": DEMO_GROUP, "name": "Family"},
    "migrate_to_subscription": {
        "user_key": DEMO_USER,
        "subscription_code": DEMO_SUBSCRIPTION,
    },
    "assign_license": {"user_key": DEMO_USER, "os": "Android"},
    "send_glance": {"user_key": DEMO_USER, "title": "Hi"},
}


def test_every_action_has_a_property_test() -> None:
    """The tables cover every action with an entry schema."""
    assert set(ACTION_REQUESTS) == set(VALID_CALLS) == set(ACTIONS)


@pytest.fixture
def recipients(request: pytest.FixtureRequest, sim: PushoverSimulator) -> list[Any]:
    """Alice and Bob; with ``device``, also this Home Assistant as Alice's device."""
    people = [recipient(ALICE, "Alice", DEMO_USER), recipient(BOB, "Bob", DEMO_USER2)]
    if getattr(request, "param", None) != "device":
        return people
    device, secret = sim.add_open_client_device(DEMO_USER, "homeassistant")
    data = {
        CONF_USER_KEY: device.user,
        CONF_OPEN_CLIENT_ID: device.id,
        CONF_SECRET: secret,
        CONF_NAME: device.name,
    }
    return [
        *people,
        {
            "subentry_id": "device",
            "subentry_type": SUBENTRY_OPEN_CLIENT,
            "title": device.name,
            "data": data,
            "unique_id": None,
        },
    ]


def _own_requests(sim: PushoverSimulator, before: int) -> list[dict[str, Any]]:
    """The requests since ``before``, without the device's own downloads."""
    return [
        request
        for request in sim.requests[before:]
        if not request["path"].startswith("/1/devices/")
        and (request["method"], request["path"]) != ("GET", "/1/messages.json")
    ]


@pytest.mark.parametrize("recipients", ["device"], indirect=True)
@pytest.mark.parametrize("service", sorted(ACTIONS))
async def test_random_action_data_is_refused_or_reaches_pushover(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    service: str,
) -> None:
    """Random data for each action: a clean refusal, or requests to Pushover."""
    receipt = await send_emergency(hass, message="x")
    _handler, schema, supports, _access = ACTIONS[service]
    values = _values(loaded_entry.entry_id, receipt)
    # Plausible values (some of them wrong), or junk and a key the schema lacks.
    required = [str(key) for key in schema if isinstance(key, vol.Required)]
    optional = [str(key) for key in schema if not isinstance(key, vol.Required)]
    plausible = st.fixed_dictionaries(
        {name: values.get(name, _junk()) for name in required},
        optional={name: values.get(name, _junk()) for name in optional},
    )
    hostile = st.fixed_dictionaries(
        {name: _junk() for name in required},
        optional={name: _junk() for name in [*optional, "bogus"]},
    )
    strategy = st.one_of(plausible, hostile)
    method, pattern = ACTION_REQUESTS[service]
    seen: set[str] = set()

    @settings(PROPERTY_SETTINGS)
    @given(strategy)
    @example(
        {
            "config_entry_id": loaded_entry.entry_id,
            **{
                name: receipt if value == RECEIPT else value
                for name, value in VALID_CALLS[service].items()
            },
        }
    )
    @example({"config_entry_id": loaded_entry.entry_id, "bogus": 1})
    def check(data: dict[str, Any]) -> None:
        before = len(sim.requests)
        result = run_on_loop(
            hass,
            lambda: outcome(
                hass,
                DOMAIN,
                service,
                data,
                response=supports is not SupportsResponse.NONE,
            ),
        )
        new = _own_requests(sim, before)
        for request in new:
            assert request["method"] == method
            assert re.fullmatch(r"/1" + pattern, request["path"]), request["path"]
        if isinstance(result, vol.Invalid | ServiceValidationError):
            if isinstance(result, ServiceValidationError):
                assert result.translation_domain == DOMAIN
                assert result.translation_key in EXCEPTION_KEYS
            assert new == []
            seen.add("refused")
        elif isinstance(result, HomeAssistantError):
            assert type(result) is HomeAssistantError, repr(result)
            assert result.translation_key == "pushover_error", repr(result)
            assert new and 400 <= new[-1]["status"] < 500
            seen.add("pushover_refused")
        else:
            assert not isinstance(result, BaseException), repr(result)
            assert new or _answered_locally(service, data, result)
            if service == "validate_user" and result["valid"] is False:
                # The one action where Pushover's refusal is an answer.
                assert all(400 <= request["status"] < 500 for request in new)
            else:
                assert all(request["status"] == 200 for request in new)
            seen.add("done")

    await hass.async_add_executor_job(check)
    assert seen >= {"refused", "done"}


FIELD_NAMES = [*sorted(MESSAGE_FIELD_NAMES), "message", "bogus", "priorty"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=200),
    st.lists(st.text(max_size=30), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


type Outcome = dict[str, Any] | tuple[str | None, dict[str, str] | None]


def _legacy_outcome(data: dict[str, Any]) -> Outcome:
    """What the legacy path makes of ``data``: the data sent, or the refusal's key."""
    try:
        return _legacy_data(data)
    except ServiceValidationError as err:
        return (err.translation_key, err.translation_placeholders)


def _expected_outcome(data: dict[str, Any]) -> Outcome:
    """Unknown keys refused by name; else the data schema's result or refusal."""
    if unknown := sorted(key for key in data if key not in MESSAGE_FIELD_NAMES):
        return ("unknown_data_keys", {"keys": ", ".join(unknown)})
    try:
        return dict(DATA_SCHEMA(data))
    except vol.Invalid as err:
        return ("invalid_data", {"error": str(err)})
    except ServiceValidationError as err:  # a number out of range: its own words
        return (err.translation_key, err.translation_placeholders)


@settings(max_examples=200, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=8))
def test_random_legacy_data(data: dict[str, Any]) -> None:
    """Legacy data is validated or refused; unknown keys are refused by name."""
    assert _legacy_outcome(data) == _expected_outcome(data)


def garbage(rng: random.Random) -> bytes:
    """Random bytes; about a third of them dressed as a callback's form."""
    body = rng.randbytes(rng.randint(0, 600))
    if rng.random() < 0.3:
        body = b"receipt=" + body + b"&acknowledged_at=" + rng.randbytes(8)
    return body


async def test_webhook_fuzz(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Garbage at the webhook: always a bare 200, never an event or an error."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    receipt = await send_emergency(hass, message="x")
    client = await hass_client_no_auth()
    rng = random.Random(20261127)
    content_types = [
        "application/x-www-form-urlencoded",
        "application/json",
        "multipart/form-data; boundary=x",
        "text/plain; charset=latin-1",
    ]
    for _ in range(150):
        result = await client.post(
            WEBHOOK,
            data=garbage(rng),
            headers={"Content-Type": rng.choice(content_types)},
        )
        assert result.status == 200
        assert await result.read() == b""
    huge = await client.post(
        WEBHOOK,
        data=f"receipt={receipt}&acknowledged_by=" + "x" * 100_000,
    )
    assert huge.status == 200
    await hass.async_block_till_done()
    assert events == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_no_secret_in_any_log_record(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Send, fail, retry, poll, reauth with debug logging: no secret is logged.

    (Home Assistant's own webhook component logs webhook ids at debug level;
    that is core's log, not ours.)
    """
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []

    async def send(**data: Any) -> None:
        try:
            await action(
                hass,
                "send_message",
                {"entity_id": "notify.alice", "message": "x", **data},
            )
        except HomeAssistantError as err:
            shown.append(str(err))

    async def tick(seconds: float) -> None:
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    await send(priority=2)
    sim.inject_fault(".json", "503", count=3)
    await send()
    await tick(6)
    await tick(11)
    await tick(30)
    client = await hass_client_no_auth()
    await client.post(WEBHOOK, data={"receipt": "x" * 30})
    await send(sound="nope")
    del sim.apps[DEMO_TOKEN]
    await send()
    await tick(11)
    await hass.async_block_till_done()
    assert len(shown) == 2
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert ours
    for secret in (DEMO_TOKEN, DEMO_USER, WEBHOOK_ID):
        for record in ours:
            assert secret not in record.getMessage(), record.getMessage()
            assert secret not in (record.exc_text or "")
        for text in shown:
            assert secret not in text


async def test_two_in_flight_across_entries_polling_and_groups(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Pushover's 2-connection rule holds for everything this Home Assistant sends."""
    other = office_entry
    sim.latency = 0.05
    sim.peak_in_flight = 0

    async def send(entity_id: str, priority: int = 0) -> None:
        await action(
            hass,
            "send_message",
            {"entity_id": entity_id, "message": "x", "priority": priority},
        )

    async def groups(entry: MockConfigEntry) -> None:
        await action(
            hass,
            "group_list",
            {"config_entry_id": entry.entry_id},
            return_response=True,
        )

    await asyncio.gather(
        *(send("notify.alice") for _ in range(5)),
        *(send("notify.carol", 2) for _ in range(5)),
        *(groups(loaded_entry) for _ in range(3)),
        *(groups(other) for _ in range(3)),
    )
    receipts = [m["receipt"] for m in sim.messages if m["priority"] == "2"]
    await asyncio.gather(
        *(other.runtime_data.client.check_receipt(r) for r in receipts),
        *(send("notify.alice") for _ in range(3)),
    )
    assert len(sim.messages) == 13
    assert sim.peak_in_flight == 2
