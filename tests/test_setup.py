"""Setup failures, reloads and removal of an entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from types import MappingProxyType

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_TOKEN, DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import BOB
from .helpers import open_client_subentry, wait_state


@pytest.mark.parametrize(
    ("break_it", "state", "flows"),
    [
        (
            lambda sim: sim.apps.pop(DEMO_TOKEN),
            ConfigEntryState.SETUP_ERROR,
            ["reauth"],
        ),
        (
            lambda sim: sim.inject_fault("sounds.json", "503"),
            ConfigEntryState.SETUP_RETRY,
            [],
        ),
        (
            lambda sim: sim.inject_fault("sounds.json", "bad_request"),
            ConfigEntryState.SETUP_ERROR,
            [],
        ),
    ],
    ids=["token", "outage", "refused"],
)
async def test_setup_failures(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    break_it: Callable[[PushoverSimulator], object],
    state: ConfigEntryState,
    flows: list[str],
) -> None:
    """A rejected token asks for reauth; an outage retries; another refusal stops."""
    break_it(sim)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is state
    progress = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in progress] == flows


async def test_options_change_reloads(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """New options apply to the next message."""
    hass.config_entries.async_update_entry(
        loaded_entry,
        options={"sound": "alien", "priority": None, "retry": 60, "expire": 3600},
    )
    await hass.async_block_till_done()
    await hass.services.async_call("notify", "alice", {"message": "x"}, blocking=True)
    assert sim.messages[-1]["sound"] == "alien"


def flaps(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Record the states ``entity_id`` goes through (a reload shows unavailable)."""
    seen: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            seen.append(state.state)

    async_track_state_change_event(hass, [entity_id], _changed)
    return seen


async def _options(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Save new options through the options flow, as a person does."""
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {"sound": "alien", "priority": "high", "retry": 90, "expire": 1800},
    )


async def _recipient_title(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_subentry(
        entry, entry.subentries[BOB], title="Robert"
    )


async def _recipient_data(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_subentry(
        entry,
        entry.subentries[BOB],
        data={**entry.subentries[BOB].data, "sound": "bugle"},
    )


async def _recipient_removed(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.config_entries.async_remove_subentry(entry, BOB)


async def _entry_title(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_entry(entry, title="Maison")


async def _recipient_added(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            subentry_type="recipient",
            title="Carol",
            data=MappingProxyType({"user_key": DEMO_USER2, "devices": ["tablet"]}),
            subentry_id="carol",
            unique_id=None,
        ),
    )


@pytest.mark.parametrize(
    ("change", "reloads"),
    [
        (_options, True),
        (_recipient_title, True),
        (_recipient_data, True),
        (_recipient_removed, True),
        (_entry_title, False),
        (_recipient_added, False),
    ],
    ids=[
        "options",
        "recipient_title",
        "recipient_data",
        "recipient_removed",
        "entry_title",
        "recipient_added",
    ],
)
async def test_what_reloads_the_entry(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    change: Callable[[HomeAssistant, MockConfigEntry], Awaitable[None]],
    reloads: bool,
) -> None:
    """Options and changed or removed recipients reload; nothing else flaps."""
    alice = flaps(hass, "notify.alice")
    await change(hass, loaded_entry)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert ("unavailable" in alice) is reloads


async def test_an_added_recipient_can_be_used_at_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its notify entity and legacy action appear; the others do not flap."""
    alice = flaps(hass, "notify.alice")
    await _recipient_added(hass, loaded_entry)
    await hass.async_block_till_done()
    assert hass.states.get("notify.carol") is not None
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.carol", "message": "Welcome"},
        blocking=True,
    )
    await hass.services.async_call("notify", "carol", {"message": "Hi"}, blocking=True)
    assert [(m["users"], m["device"]) for m in sim.messages] == [
        ([DEMO_USER2], "tablet"),
        ([DEMO_USER2], "tablet"),
    ]
    assert alice == []
    assert "update listener" not in caplog.text


async def test_options_apply_without_a_deprecated_listener(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """New options reload the entry and apply; reconfigure warns of nothing."""
    await _options(hass, loaded_entry)
    await hass.async_block_till_done()
    flow = await loaded_entry.start_reconfigure_flow(hass)
    await hass.config_entries.flow.async_configure(flow["flow_id"], {"name": "Maison"})
    await hass.async_block_till_done()
    assert loaded_entry.title == "Maison"
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x"},
        blocking=True,
    )
    assert (sim.messages[-1]["sound"], sim.messages[-1]["priority"]) == ("alien", "1")
    assert "update listener" not in caplog.text


async def test_remove_entry_forgets_stores(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, object],
) -> None:
    """Removing the entry removes its stored alarms and outbox."""
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", "priority": 2},
        blocking=True,
    )
    sim.inject_fault("messages.json", "503")
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "later"},
        blocking=True,
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()
    keys = {
        f"{DOMAIN}.{loaded_entry.entry_id}.{store}" for store in ("alarms", "outbox")
    }
    assert keys <= set(hass_storage)
    await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert not keys & set(hass_storage)


async def test_an_added_open_client_receives_at_once(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Its receiver connects and its entities appear; the recipients do not flap."""
    alice = flaps(hass, "notify.alice")
    device, secret = sim.add_open_client_device(DEMO_USER, "wallpanel")
    raw = open_client_subentry("panel", device, secret)
    hass.config_entries.async_add_subentry(
        loaded_entry,
        ConfigSubentry(
            subentry_type=raw["subentry_type"],
            title=raw["title"],
            data=MappingProxyType(raw["data"]),
            subentry_id=raw["subentry_id"],
            unique_id=None,
        ),
    )
    await hass.async_block_till_done()
    await wait_state(hass, "binary_sensor.wallpanel_push_connection", "on")
    assert hass.states.get("button.wallpanel_acknowledge_alarm") is not None
    assert hass.states.get("event.wallpanel_received_message") is not None
    assert alice == []
