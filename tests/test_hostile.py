"""Hostile input and secrets: random data never crashes, secrets never leak."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
import random
from types import SimpleNamespace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.pushover_complete.api.validation import (
    check_message,
    join_devices,
)
from custom_components.pushover_complete.const import DOMAIN, EVENT_ACKNOWLEDGED
from custom_components.pushover_complete.fields import (
    MESSAGE_FIELD_NAMES,
    MESSAGE_FIELDS,
    message_from_data,
)
from custom_components.pushover_complete.legacy import DATA_SCHEMA, _legacy_data
from custom_components.pushover_complete.models import Recipient
from custom_components.pushover_complete.send import plan
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pushover_simulator import (
    BUILTIN_SOUNDS,
    DEMO_TOKEN,
    DEMO_USER,
    PushoverSimulator,
)

from .conftest import WEBHOOK_ID

FIELD_NAMES = [str(key) for key in MESSAGE_FIELDS] + ["message", "bogus"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=1200),
    st.lists(st.text(max_size=30), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FAKE_ENTRY: Any = SimpleNamespace(
    options={},
    runtime_data=SimpleNamespace(
        sounds=dict(BUILTIN_SOUNDS),
        receipts=SimpleNamespace(callback_url=lambda: None),
    ),
)
SCHEMA = vol.Schema({vol.Required("message"): str, **MESSAGE_FIELDS})


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=8))
def test_random_action_data_is_refused_or_valid(data: dict[str, Any]) -> None:
    """Random data: a clean refusal, or requests that Pushover would take."""
    data.pop("attachment", None)
    data.pop("attachment_url", None)
    data.pop("camera", None)
    try:
        valid = SCHEMA(data)
    except vol.Invalid:
        return
    msg = message_from_data(valid["message"], valid)
    try:
        requests, _ = plan(FAKE_ENTRY, [Recipient(user_key=DEMO_USER)], msg)
    except ServiceValidationError as err:
        assert err.translation_key
        return
    for request in requests:
        fields = request.fields
        check_message(
            message=fields["message"],
            title=fields["title"],
            url=fields["url"],
            url_title=fields["url_title"],
            priority=fields["priority"],
            retry=fields.get("retry"),
            expire=fields.get("expire"),
            html=fields["html"],
            monospace=fields["monospace"],
            ttl=fields["ttl"],
        )
        join_devices(fields["device"])
        assert fields["sound"] is None or fields["sound"] in BUILTIN_SOUNDS


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=8))
def test_random_legacy_data(data: dict[str, Any]) -> None:
    """Legacy data is validated or refused; unknown keys are refused by name."""
    unknown = sorted(key for key in data if key not in MESSAGE_FIELD_NAMES)
    try:
        valid = _legacy_data(data)
    except ServiceValidationError as err:
        if unknown:
            assert err.translation_key == "unknown_data_keys"
            assert err.translation_placeholders == {"keys": ", ".join(unknown)}
        else:
            assert err.translation_key == "invalid_data"
            with pytest.raises(vol.Invalid):
                DATA_SCHEMA(data)
        return
    assert not unknown
    assert valid == DATA_SCHEMA(data)


async def test_webhook_fuzz(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Garbage at the webhook: always a bare 200, never an event or an error."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", "priority": 2},
        blocking=True,
        return_response=True,
    )
    receipt = response["recipients"][0]["receipt"]  # type: ignore[index]
    client = await hass_client_no_auth()
    rng = random.Random(20261127)
    content_types = [
        "application/x-www-form-urlencoded",
        "application/json",
        "multipart/form-data; boundary=x",
        "text/plain; charset=latin-1",
    ]
    for _ in range(150):
        body = rng.randbytes(rng.randint(0, 600))
        if rng.random() < 0.3:
            body = b"receipt=" + body + b"&acknowledged_at=" + rng.randbytes(8)
        result = await client.post(
            f"/api/webhook/{WEBHOOK_ID}",
            data=body,
            headers={"Content-Type": rng.choice(content_types)},
        )
        assert result.status == 200
        assert await result.read() == b""
    huge = await client.post(
        f"/api/webhook/{WEBHOOK_ID}",
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
            await hass.services.async_call(
                DOMAIN,
                "send_message",
                {"entity_id": "notify.alice", "message": "x", **data},
                blocking=True,
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
    await client.post(f"/api/webhook/{WEBHOOK_ID}", data={"receipt": "x" * 30})
    await send(sound="nope")
    del sim.apps[DEMO_TOKEN]
    await send()
    await tick(11)
    await hass.async_block_till_done()
    assert shown
    ours = [r for r in caplog.records if r.name.startswith("custom_components")]
    assert ours
    for secret in (DEMO_TOKEN, DEMO_USER, WEBHOOK_ID):
        for record in ours:
            assert secret not in record.getMessage(), record.getMessage()
            if record.exc_text:
                assert secret not in record.exc_text
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
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": entity_id, "message": "x", "priority": priority},
            blocking=True,
        )

    async def groups(entry: MockConfigEntry) -> None:
        await hass.services.async_call(
            DOMAIN,
            "group_list",
            {"config_entry_id": entry.entry_id},
            blocking=True,
            return_response=True,
        )

    await asyncio.gather(
        *(send("notify.alice") for _ in range(5)),
        *(send("notify.carol", 2) for _ in range(5)),
        *(groups(loaded_entry) for _ in range(3)),
        *(groups(other) for _ in range(3)),
    )
    receipts = other.runtime_data.receipts.receipts
    await asyncio.gather(
        *(other.runtime_data.client.check_receipt(r) for r in receipts),
        *(send("notify.alice") for _ in range(3)),
    )
    assert len(sim.messages) == 13
    assert sim.peak_in_flight == 2
