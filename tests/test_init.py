"""Setting up and unloading an entry."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pushover_simulator import PushoverSimulator

from .conftest import BOB


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
    assert hass.states.get("sensor.home_account_messages_remaining") is not None

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert not hass.services.has_service("notify", "alice")


async def test_removing_a_recipient_removes_its_entity_device_and_action(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A removed recipient leaves no entity, device or legacy action behind."""
    assert hass.services.has_service("notify", "bob")
    assert hass.config_entries.async_remove_subentry(loaded_entry, BOB)
    await hass.async_block_till_done()
    assert not hass.services.has_service("notify", "bob")
    assert hass.services.has_service("notify", "alice")
    assert er.async_get(hass).async_get("notify.bob") is None
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), loaded_entry.entry_id
    )
    assert sorted(d.name for d in devices) == ["Alice", "Home"]


async def test_notify_unique_ids_migrated(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """An install from before keeps its notify entity under the new unique id."""
    config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    old = registry.async_get_or_create(
        "notify",
        DOMAIN,
        BOB,
        config_entry=config_entry,
        config_subentry_id=BOB,
        suggested_object_id="bob_phone",
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    migrated = registry.async_get(old.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"{config_entry.entry_id}_{BOB}_notify"
    assert registry.async_get_entity_id("notify", DOMAIN, BOB) is None
    assert hass.states.get("notify.bob_phone") is not None
