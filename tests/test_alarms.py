"""Alarms that escalate (CONTRACT §7), against the simulator in frozen time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import (
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .helpers import (
    WEBHOOK,
    follow_frozen_clock,
    receipt_sent_to,
    sent_to,
    state_of,
    tick,
)

ALICE = "notify.alice"
BOB = "notify.bob"
TWO_STEPS = [{"targets": [ALICE]}, {"targets": [BOB], "after": 300}]


async def send_alarm(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call send_alarm and return its response."""
    data.setdefault("message", "Water leak")
    data.setdefault("title", "Basement")
    data.setdefault("steps", TWO_STEPS)
    response = await hass.services.async_call(
        DOMAIN, "send_alarm", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


@pytest.fixture(autouse=True)
def simulator_follows_the_frozen_clock(sim: PushoverSimulator) -> None:
    """Let receipts expire in the tests' frozen time."""
    follow_frozen_clock(sim)


def one(events: list[Event]) -> dict[str, Any]:
    """Return the data of the only event."""
    assert len(events) == 1, events
    return dict(events[0].data)


async def test_nobody_answers_step_two_goes_out_after_its_delay(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Step 1 at once, step 2 only once its ``after`` has passed; both at priority 2."""
    response = await send_alarm(hass)
    assert sent_to(sim) == [[DEMO_USER]]
    [first] = response["recipients"]
    assert first["notify_entity_id"] == ALICE
    assert first["receipt"] == receipt_sent_to(sim, DEMO_USER)
    assert first["queued"] is False
    await tick(hass, freezer, 299)
    assert sent_to(sim) == [[DEMO_USER]]
    await tick(hass, freezer, 2)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    assert [m["priority"] for m in sim.messages] == ["2", "2"]
    state = hass.states.get("sensor.home_active_emergencies")
    assert state is not None
    assert state.state == "1"
    [alarm] = state.attributes["alarms"]
    assert alarm["alarm_id"] == response["alarm_id"]
    assert (alarm["title"], alarm["step"], alarm["tags"]) == ("Basement", 2, [])


async def test_acknowledged_before_step_two(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One answer ends it: step 2 never goes out; one event with the alarm's id."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    response = await send_alarm(hass)
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    data = one(events)
    assert data["alarm_id"] == response["alarm_id"]
    assert data["receipt"] == receipt_sent_to(sim, DEMO_USER)
    assert data["notify_entity_id"] == ALICE
    assert data["acknowledged_by"] == DEMO_USER
    assert data["acknowledged_by_name"] == "Alice"
    await tick(hass, freezer, 600)
    assert sent_to(sim) == [[DEMO_USER]]
    assert len(events) == 1
    assert hass.states.get("sensor.home_active_emergencies").state == "0"


async def test_acknowledging_step_two_cancels_step_one(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bob answers step 2: Alice's receipt is canceled at Pushover, no event for it."""
    acknowledged = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    expired = async_capture_events(hass, EVENT_EXPIRED)
    response = await send_alarm(hass)
    await tick(hass, freezer, 301)
    alice, bob = receipt_sent_to(sim, DEMO_USER), receipt_sent_to(sim, DEMO_USER2)
    sim.acknowledge(bob)
    await tick(hass, freezer, 11)
    data = one(acknowledged)
    assert (data["receipt"], data["notify_entity_id"]) == (bob, BOB)
    assert data["alarm_id"] == response["alarm_id"]
    assert sim.receipts[alice].canceled
    assert not sim.receipts[bob].canceled
    await tick(hass, freezer, 4000)
    assert expired == []
    assert len(acknowledged) == 1


async def test_whole_alarm_expires_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every step out, every receipt expired: exactly one expired event."""
    events = async_capture_events(hass, EVENT_EXPIRED)
    response = await send_alarm(
        hass,
        expire=600,
        steps=[{"targets": [ALICE]}, {"targets": [BOB], "after": 120}],
    )
    for _ in range(80):
        await tick(hass, freezer, 10)
    data = one(events)
    assert data["alarm_id"] == response["alarm_id"]
    assert data["notify_entity_id"] == BOB
    assert data["receipt"] == receipt_sent_to(sim, DEMO_USER2)
    assert hass.states.get("sensor.home_active_emergencies").state == "0"


@pytest.mark.parametrize("by", ["alarm_id", "tag"])
async def test_cancel_ends_the_alarm(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    by: str,
) -> None:
    """cancel_emergency by alarm_id or tag: receipts canceled, no step, no event."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    expired = async_capture_events(hass, EVENT_EXPIRED)
    response = await send_alarm(hass, tags=["leak"])
    key = {"alarm_id": response["alarm_id"], "tag": "leak"}[by]
    answer = await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": loaded_entry.entry_id, by: key},
        blocking=True,
        return_response=True,
    )
    assert answer == {"canceled": 1}
    assert sim.receipts[receipt_sent_to(sim, DEMO_USER)].canceled
    await tick(hass, freezer, 4000)
    assert sent_to(sim) == [[DEMO_USER]]
    assert events == expired == []
    again = await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": loaded_entry.entry_id, "alarm_id": response["alarm_id"]},
        blocking=True,
        return_response=True,
    )
    assert again == {"canceled": 0}


async def test_step_pending_across_a_restart(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload keeps the alarm; a step that fell due while down goes out at start."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    response = await send_alarm(hass)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=400))
    assert sent_to(sim) == [[DEMO_USER]]
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    assert one(events)["alarm_id"] == response["alarm_id"]
    assert sim.receipts[receipt_sent_to(sim, DEMO_USER2)].canceled


async def test_due_step_during_an_outage_is_queued_then_tracked(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Step 2 falls due while Pushover is down: queued, then tracked once delivered."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    response = await send_alarm(hass)
    sim.inject_fault("messages.json", "503", count=1, method="POST")
    await tick(hass, freezer, 301)
    assert sent_to(sim) == [[DEMO_USER]]
    assert state_of(hass, "sensor.home_queued_messages") == "1"
    await tick(hass, freezer, 6)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER2))
    await tick(hass, freezer, 11)
    data = one(events)
    assert (data["alarm_id"], data["notify_entity_id"]) == (response["alarm_id"], BOB)
    assert sim.receipts[receipt_sent_to(sim, DEMO_USER)].canceled


async def test_callback_and_poll_racing_fire_one_event(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Both receipts acknowledged, callbacks and a poll at once: one event."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    await send_alarm(hass)
    await tick(hass, freezer, 301)
    alice, bob = receipt_sent_to(sim, DEMO_USER), receipt_sent_to(sim, DEMO_USER2)
    sim.acknowledge(alice)
    sim.acknowledge(bob)
    client = await hass_client_no_auth()
    posts = [
        client.post(WEBHOOK, data={"receipt": receipt})
        for receipt in (alice, bob, alice)
    ]
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await asyncio.gather(*posts)
    await hass.async_block_till_done()
    await tick(hass, freezer, 120)
    assert len(events) == 1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"steps": []}, "alarm_steps_count"),
        (
            {"steps": [{"targets": [ALICE], "after": i * 10} for i in range(11)]},
            "alarm_steps_count",
        ),
        ({"steps": [{"targets": [ALICE], "after": 5}]}, "alarm_first_step"),
        (
            {"steps": [{"targets": [ALICE]}, {"targets": [], "after": 60}]},
            "alarm_step_without_targets",
        ),
        ({"steps": [{"targets": []}]}, "alarm_step_without_targets"),
        (
            {"steps": [{"targets": [ALICE]}, {"targets": [BOB], "after": 0}]},
            "alarm_steps_order",
        ),
        (
            {
                "steps": [{"targets": [ALICE]}, {"targets": [BOB], "after": 700}],
                "expire": 600,
            },
            "alarm_step_after_expire",
        ),
        (
            {"steps": [{"targets": [ALICE]}, {"targets": [BOB], "after": 4000}]},
            "alarm_step_after_expire",
        ),
        ({"steps": [{"targets": ["sensor.home_queued_messages"]}]}, "invalid_target"),
        ({"priority": 1}, "alarm_field_not_allowed"),
        ({"callback_url": "https://example.org/x"}, "alarm_field_not_allowed"),
        ({"ttl": 60}, "alarm_field_not_allowed"),
        ({"sound": "no-such-sound"}, "invalid_sound"),
    ],
)
async def test_bad_alarms_refused_before_anything_is_sent(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad steps or fields: a translated error, nothing on the wire."""
    with pytest.raises(ServiceValidationError) as err:
        await send_alarm(hass, **data)
    assert err.value.translation_key == key
    assert sim.messages == []
    assert state_of(hass, "sensor.home_active_emergencies") == "0"


async def test_targets_of_two_applications_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Every target of one alarm belongs to one application."""
    with pytest.raises(ServiceValidationError) as err:
        await send_alarm(
            hass,
            steps=[{"targets": [ALICE]}, {"targets": ["notify.carol"], "after": 60}],
        )
    assert err.value.translation_key == "alarm_two_applications"
    assert sim.messages == []


async def test_canceling_the_last_receipt_of_an_alarm_ends_it(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every step out and its receipts canceled one by one: the alarm is gone too."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    response = await send_alarm(hass)
    await tick(hass, freezer, 301)
    for user in (DEMO_USER, DEMO_USER2):
        await hass.services.async_call(
            DOMAIN,
            "cancel_emergency",
            {
                "config_entry_id": loaded_entry.entry_id,
                "receipt": receipt_sent_to(sim, user),
            },
            blocking=True,
        )
    state = hass.states.get("sensor.home_active_emergencies")
    assert state is not None
    assert state.state == "0"
    assert state.attributes["alarms"] == []
    again = await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": loaded_entry.entry_id, "alarm_id": response["alarm_id"]},
        blocking=True,
        return_response=True,
    )
    assert again == {"canceled": 0}
    await tick(hass, freezer, 4000)
    assert events == []
