"""One owner for an alarm's life: what the red-team found on the seams, held shut.

Against the simulator in frozen time: the simulator's latency holds a request
until the test moves the clock, so a send or a cancel can be caught on the
wire during a cancel, a reload or an outage.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.pushover_complete.const import (
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pushover_simulator import DEMO_TOKEN, DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import ALICE, BOB, recipient
from .helpers import (
    follow_frozen_clock,
    receipt_sent_to,
    sent_to,
    state_of,
    tick,
    wait_sim,
)

pytestmark = pytest.mark.timeout(60)

CAROL_KEY: Final = "uCaro1Key2Is3Thirty4Chars5Long"
CAROL: Final = "carol_subentry"
HOLD: Final = 1.0  # simulator latency; released by ticking at least this much
TWO_STEPS: Final = [
    {"targets": ["notify.alice"]},
    {"targets": ["notify.bob"], "after": 300},
]


@pytest.fixture
def recipients() -> list[dict[str, Any]]:
    """Alice, Bob and Carol."""
    return [
        recipient(ALICE, "Alice", DEMO_USER),
        recipient(BOB, "Bob", DEMO_USER2),
        recipient(CAROL, "Carol", CAROL_KEY),
    ]


@pytest.fixture(autouse=True)
def simulator(sim: PushoverSimulator) -> PushoverSimulator:
    """Carol is a Pushover user too; receipts expire in the frozen time."""
    sim.add_user(CAROL_KEY)
    follow_frozen_clock(sim)
    return sim


@pytest.fixture
def acknowledged(hass: HomeAssistant) -> list[Event]:
    """The acknowledged events fired."""
    return async_capture_events(hass, EVENT_ACKNOWLEDGED)


@pytest.fixture
def expired(hass: HomeAssistant) -> list[Event]:
    """The expired events fired."""
    return async_capture_events(hass, EVENT_EXPIRED)


async def send_alarm(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call send_alarm (two steps: Alice, then Bob at 300 s) and return its answer."""
    data.setdefault("message", "Water leak")
    data.setdefault("title", "Basement")
    data.setdefault("steps", TWO_STEPS)
    response = await hass.services.async_call(
        DOMAIN, "send_alarm", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def cancel(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> Any:
    """Call cancel_emergency and return its answer."""
    return await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )


def jump(freezer: FrozenDateTimeFactory, hass: HomeAssistant, seconds: float) -> None:
    """Move the frozen clock on and start what fell due, without waiting for it."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)


def held(sim: PushoverSimulator, path_end: str) -> int:
    """Count the requests on a path ending so that have no answer yet."""
    return sum(
        1 for r in sim.requests if r["path"].endswith(path_end) and r["status"] is None
    )


async def hold_step_two(
    hass: HomeAssistant, sim: PushoverSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Let step 2 fall due and catch its send on the wire (held by the latency).

    Before a later step goes out, Alice's receipt is read again: that read is
    held first and released.
    """
    alice = receipt_sent_to(sim, DEMO_USER)
    sim.latency = HOLD
    jump(freezer, hass, 301)
    await sim.wait_until(lambda: held(sim, f"{alice}.json") >= 1)
    jump(freezer, hass, HOLD)
    await sim.wait_until(lambda: held(sim, "messages.json") == 1)


def posts(sim: PushoverSimulator) -> list[int | None]:
    """Return the status of each message sent (``None``: not answered yet)."""
    return [r["status"] for r in sim.requests if r["path"].endswith("messages.json")]


def ringing(sim: PushoverSimulator) -> list[list[str]]:
    """Return the users whose emergency is still ringing at the simulator."""
    now = sim.clock()
    return [rec.users for rec in sim.receipts.values() if rec.active(now)]


def active(hass: HomeAssistant) -> str:
    """Return the active emergencies sensor's state."""
    return state_of(hass, "sensor.home_active_emergencies")


async def test_a_refused_recipient_ends_only_its_own_receipt(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    acknowledged: list[Event],
) -> None:
    """Carol's key is disabled: Alice keeps ringing and step 2 still wakes Bob."""
    sim.disable_user(CAROL_KEY)
    response = await send_alarm(
        hass,
        steps=[
            {"targets": ["notify.alice", "notify.carol"]},
            {"targets": ["notify.bob"], "after": 300},
        ],
    )
    by_entity = {r["notify_entity_id"]: r for r in response["recipients"]}
    assert by_entity["notify.alice"]["receipt"] == receipt_sent_to(sim, DEMO_USER)
    assert by_entity["notify.carol"]["receipt"] is None
    assert "user identifier is not a valid user" in by_entity["notify.carol"]["refused"]
    assert ringing(sim) == [[DEMO_USER]]
    await tick(hass, freezer, 301)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER2))
    await tick(hass, freezer, 11)
    [event] = acknowledged
    assert event.data["notify_entity_id"] == "notify.bob"
    assert ringing(sim) == []


async def test_a_refusal_while_a_send_of_the_step_is_on_the_wire(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    expired: list[Event],
) -> None:
    """Carol is refused while Alice's send is still on the wire: Alice's alarm goes on."""
    sim.disable_user(CAROL_KEY)
    sim.user_latency[DEMO_USER] = HOLD
    call = hass.async_create_task(
        send_alarm(hass, steps=[{"targets": ["notify.carol", "notify.alice"]}])
    )
    await wait_sim(sim, lambda: sorted(map(str, posts(sim))) == ["400", "None"])
    for _ in range(50):  # Carol's refusal reaches the alarm before Alice's answer
        await asyncio.sleep(0)
    jump(freezer, hass, HOLD)
    response = await call
    by_entity = {r["notify_entity_id"]: r for r in response["recipients"]}
    assert by_entity["notify.alice"]["receipt"] == receipt_sent_to(sim, DEMO_USER)
    assert ringing(sim) == [[DEMO_USER]]
    assert active(hass) == "1"
    assert expired == []


async def test_everybody_refused_and_no_later_step_is_an_error(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An alarm that can page nobody says so in Pushover's words, and is not open."""
    sim.disable_user(CAROL_KEY)
    with pytest.raises(HomeAssistantError) as err:
        await send_alarm(hass, steps=[{"targets": ["notify.carol"]}])
    assert type(err.value) is HomeAssistantError
    assert err.value.translation_key == "pushover_error"
    assert active(hass) == "0"


async def test_answered_while_home_assistant_was_down(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    acknowledged: list[Event],
) -> None:
    """Alice answered while down: at start Bob's overdue step never goes out."""
    response = await send_alarm(hass)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    freezer.tick(timedelta(seconds=400))
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    await tick(hass, freezer, 600)
    assert sent_to(sim) == [[DEMO_USER]]
    [event] = acknowledged
    assert event.data["alarm_id"] == response["alarm_id"]
    assert active(hass) == "0"


async def test_answered_during_an_outage_drops_the_queued_step(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    acknowledged: list[Event],
) -> None:
    """Step 2 queued in an outage; Alice answers meanwhile: Bob is never woken."""
    await send_alarm(hass)
    sim.inject_fault("messages.json", "503", count=1000, method="POST")
    sim.inject_fault(".json", "503", count=1000, method="GET")
    await tick(hass, freezer, 301)
    assert state_of(hass, "sensor.home_queued_messages") == "1"
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 60)
    sim.faults.clear()
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert sent_to(sim) == [[DEMO_USER]]
    assert len(acknowledged) == 1
    assert state_of(hass, "sensor.home_queued_messages") == "0"
    assert active(hass) == "0"


async def test_canceled_while_step_two_is_on_the_wire_and_refused_later(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Step 2 on the wire gets a 503 after the cancel: it is not queued for Bob."""
    response = await send_alarm(hass)
    sim.inject_fault("messages.json", "503", method="POST")
    await hold_step_two(hass, sim, freezer)
    call = hass.async_create_task(
        cancel(hass, loaded_entry, alarm_id=response["alarm_id"])
    )
    await sim.wait_until(lambda: held(sim, "cancel.json") == 1)
    sim.latency = 0
    jump(freezer, hass, HOLD)
    assert await call == {"canceled": 1}
    for _ in range(20):
        await tick(hass, freezer, 60)
    assert sent_to(sim) == [[DEMO_USER]]
    assert ringing(sim) == []
    assert state_of(hass, "sensor.home_queued_messages") == "0"


async def test_canceled_while_step_two_is_on_the_wire_and_delivered(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Step 2 reaches Pushover after the cancel: its receipt is canceled at once."""
    response = await send_alarm(hass)
    await hold_step_two(hass, sim, freezer)
    call = hass.async_create_task(
        cancel(hass, loaded_entry, alarm_id=response["alarm_id"])
    )
    await sim.wait_until(lambda: held(sim, "cancel.json") == 1)
    sim.latency = 0
    jump(freezer, hass, HOLD)
    await call
    await tick(hass, freezer, 1)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    assert ringing(sim) == []


async def test_a_reload_does_not_cut_the_cancels_off(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Cancels owed when Alice answers survive a reload on the wire."""
    await send_alarm(hass)
    await tick(hass, freezer, 301)
    sim.inject_fault("cancel.json", "hang", method="POST")
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    jump(freezer, hass, 11)
    await sim.wait_until(lambda: held(sim, "cancel.json") == 1)
    assert ringing(sim) == [[DEMO_USER2]]
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(10):
        await tick(hass, freezer, 60)
    assert ringing(sim) == []


async def test_owed_cancels_are_paid_after_a_restart(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Canceled while Pushover is down, then a restart: the phone stops afterwards."""
    response = await send_alarm(hass)
    sim.inject_fault("cancel.json", "503", count=1000, method="POST")
    assert await cancel(hass, loaded_entry, alarm_id=response["alarm_id"]) == {
        "canceled": 0
    }
    assert active(hass) == "0"
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert ringing(sim) == [[DEMO_USER]]
    sim.faults.clear()
    for _ in range(10):
        await tick(hass, freezer, 60)
    assert ringing(sim) == []
    await tick(hass, freezer, 600)
    assert sent_to(sim) == [[DEMO_USER]]


async def test_a_step_on_the_wire_during_a_reload_is_tracked(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    acknowledged: list[Event],
) -> None:
    """Step 2 reaches Bob across a reload: his acknowledgement is still seen."""
    response = await send_alarm(hass)
    await hold_step_two(hass, sim, freezer)
    reload = hass.async_create_task(
        hass.config_entries.async_reload(loaded_entry.entry_id)
    )
    for _ in range(50):
        await asyncio.sleep(0)
    assert loaded_entry.state is ConfigEntryState.UNLOAD_IN_PROGRESS
    sim.latency = 0
    jump(freezer, hass, HOLD)
    assert await reload
    await hass.async_block_till_done()
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER2))
    await tick(hass, freezer, 11)
    [event] = acknowledged
    assert (event.data["alarm_id"], event.data["notify_entity_id"]) == (
        response["alarm_id"],
        "notify.bob",
    )
    assert ringing(sim) == []


@pytest.mark.parametrize(
    "damage",
    [
        {"started": "yesterday"},
        {"steps": "everyone"},
        {"message": {"message": 42}},
        {"receipts": {"r": {"user_key": None}}},
        {"state": "lost"},
    ],
)
async def test_one_damaged_stored_alarm_is_skipped(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    damage: dict[str, Any],
) -> None:
    """A hand-edited record does not stop the entry; the good alarm goes on."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await send_alarm(hass)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    key = f"{DOMAIN}.{config_entry.entry_id}.alarms"
    [good] = hass_storage[key]["data"]["alarms"]
    hass_storage[key]["data"]["alarms"] = [{**good, **damage, "alarm_id": "x"}, good]
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert active(hass) == "1"
    await tick(hass, freezer, 301)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]


async def test_an_outage_longer_than_expire_ends_with_expired(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    expired: list[Event],
) -> None:
    """Step 2 dies in the outbox: the alarm still ends with exactly one expired."""
    response = await send_alarm(
        hass,
        expire=600,
        steps=[{"targets": ["notify.alice"]}, {"targets": ["notify.bob"], "after": 60}],
    )
    sim.inject_fault("messages.json", "503", count=1000, method="POST")
    for _ in range(40):
        await tick(hass, freezer, 30)
    sim.faults.clear()
    for _ in range(10):
        await tick(hass, freezer, 30)
    assert sent_to(sim) == [[DEMO_USER]]
    [event] = expired
    assert event.data["alarm_id"] == response["alarm_id"]
    assert event.data["receipt"] == receipt_sent_to(sim, DEMO_USER)
    assert active(hass) == "0"
    assert state_of(hass, "sensor.home_queued_messages") == "0"


@pytest.mark.parametrize("by", ["tag", "alarm_id", "key"])
async def test_cancel_drops_queued_emergencies(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    by: str,
) -> None:
    """An emergency waiting in the outbox is dropped by the cancel: no ring later."""
    sim.inject_fault("messages.json", "503", count=1000, method="POST")
    response = await send_alarm(
        hass, steps=[{"targets": ["notify.alice"]}], tags=["leak"], key="basement"
    )
    assert response["recipients"][0]["queued"] is True
    selector = {"tag": "leak", "alarm_id": response["alarm_id"], "key": "basement"}
    await cancel(hass, loaded_entry, **{by: selector[by]})
    assert state_of(hass, "sensor.home_queued_messages") == "0"
    sim.faults.clear()
    for _ in range(10):
        await tick(hass, freezer, 60)
    assert sim.messages == []
    assert active(hass) == "0"


async def test_cancel_by_tag_drops_a_queued_send_message_emergency(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """send_message's emergency queued in an outage never rings once canceled."""
    sim.inject_fault("messages.json", "503", count=1000, method="POST")
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "x", "priority": 2, "tags": ["leak"]},
        blocking=True,
    )
    await cancel(hass, loaded_entry, tag="leak")
    sim.faults.clear()
    for _ in range(10):
        await tick(hass, freezer, 60)
    assert sim.messages == []


async def test_a_rejected_token_stops_every_repeated_request(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After Pushover rejects the token: no poll, retry or cancel until reauth."""
    await send_alarm(hass)
    await tick(hass, freezer, 301)
    del sim.apps[DEMO_TOKEN]
    await tick(hass, freezer, 11)
    refused = len(sim.requests)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    for _ in range(30):
        await tick(hass, freezer, 60)
    assert len(sim.requests) == refused


async def test_renaming_a_notify_entity_keeps_its_step(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    acknowledged: list[Event],
) -> None:
    """Bob's notify entity is renamed while the alarm is open: step 2 still wakes him."""
    await send_alarm(hass)
    er.async_get(hass).async_update_entity(
        "notify.bob", new_entity_id="notify.bob_phone"
    )
    await hass.async_block_till_done()
    await tick(hass, freezer, 301)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER2))
    await tick(hass, freezer, 11)
    [event] = acknowledged
    assert event.data["notify_entity_id"] == "notify.bob_phone"
