"""Setting up and unloading an entry."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pushover_simulator import PushoverSimulator


async def test_setup_and_unload(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Setup fetches sounds and limits; entities and services appear."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    paths = [r["path"] for r in sim.requests]
    assert any(p.endswith("sounds.json") for p in paths)
    assert hass.services.has_service(DOMAIN, "send_message")
    assert hass.services.has_service("notify", "alice")
    assert hass.states.get("notify.alice") is not None
    assert hass.states.get("sensor.home_messages_remaining") is not None

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert not hass.services.has_service("notify", "alice")
