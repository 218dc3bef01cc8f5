"""The send_message description offers the account's sounds and devices."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import ALICE, BOB, recipient


async def test_devices_and_sounds_suggested(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """The device field suggests the recipients' devices; sound the app's sounds."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        data=dict(config_entry.data),
        unique_id=config_entry.unique_id,
        subentries_data=[
            recipient(ALICE, "Alice", DEMO_USER, devices=["tablet", "phone"]),
            recipient(BOB, "Bob", DEMO_USER2, devices=["laptop"]),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    fields = (await async_get_all_descriptions(hass))[DOMAIN]["send_message"]["fields"]
    device = fields["device"]["selector"]["select"]
    assert device["options"] == ["laptop", "phone", "tablet"]
    assert device["multiple"] is True
    assert device["custom_value"] is True
    sounds = {
        option["value"] for option in fields["sound"]["selector"]["select"]["options"]
    }
    assert {"pushover", "siren"} <= sounds
    assert fields["priority"]["selector"]["select"]["options"] == [
        "lowest",
        "low",
        "normal",
        "high",
        "emergency",
    ]
    assert "default" not in fields["html"]
    assert "default" not in fields["monospace"]


async def test_form_priority_names_reach_the_wire(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The action form sends a priority by name; Pushover gets the number."""
    for name in ("lowest", "high", "-1"):
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": "notify.alice", "message": name, "priority": name},
            blocking=True,
        )
    assert [m["priority"] for m in sim.messages] == ["-2", "1", "-1"]
