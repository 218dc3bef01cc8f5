"""Setup failures, reloads and removal of an entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_TOKEN, PushoverSimulator

from .conftest import BOB


@pytest.mark.parametrize(
    ("break_it", "state"),
    [
        (lambda sim: sim.apps.pop(DEMO_TOKEN), ConfigEntryState.SETUP_ERROR),
        (
            lambda sim: sim.inject_fault("sounds.json", "503"),
            ConfigEntryState.SETUP_RETRY,
        ),
    ],
)
async def test_setup_failures(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    break_it: Callable[[PushoverSimulator], object],
    state: ConfigEntryState,
) -> None:
    """A rejected token asks for reauth; an outage retries."""
    break_it(sim)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is state
    flows = [f["context"]["source"] for f in hass.config_entries.flow.async_progress()]
    assert ("reauth" in flows) is (state is ConfigEntryState.SETUP_ERROR)


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


@pytest.mark.parametrize(
    ("change", "reloads"),
    [
        (
            lambda hass, entry: hass.config_entries.async_update_entry(
                entry, options={**entry.options, "retry": 90}
            ),
            True,
        ),
        (
            lambda hass, entry: hass.config_entries.async_update_subentry(
                entry, entry.subentries[BOB], title="Robert"
            ),
            True,
        ),
        (
            lambda hass, entry: hass.config_entries.async_update_subentry(
                entry,
                entry.subentries[BOB],
                data={**entry.subentries[BOB].data, "sound": "bugle"},
            ),
            True,
        ),
        (
            lambda hass, entry: hass.config_entries.async_update_entry(
                entry, title="Maison"
            ),
            False,
        ),
    ],
    ids=["options", "recipient_title", "recipient_data", "entry_title"],
)
async def test_reload_follows_options_and_recipients(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    change: Callable[[HomeAssistant, MockConfigEntry], object],
    reloads: bool,
) -> None:
    """Options and recipients reload the entry; other updates do not."""
    before = loaded_entry.runtime_data
    change(hass, loaded_entry)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert (loaded_entry.runtime_data is not before) is reloads


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
