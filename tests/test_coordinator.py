"""Coordinators: the daily sound list and the account data between polls."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import service as service_helper
from pushover_simulator import DEMO_TOKEN, DEMO_USER, PushoverSimulator

from .helpers import fire_later


async def _offered_sounds(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the sounds ``send_message``'s sound field offers."""
    descriptions = await service_helper.async_get_all_descriptions(hass)
    field = descriptions[DOMAIN]["send_message"]["fields"]["sound"]
    return list(field["selector"]["select"]["options"])


async def _next_day(hass: HomeAssistant, days: int = 1) -> None:
    """Let ``days`` days pass and the daily refresh run."""
    await fire_later(hass, days=days, seconds=1)


async def test_sound_list_refreshed_daily_and_offered(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A sound added to the account is offered and accepted the next day."""
    assert {"value": "bugle", "label": "Bugle"} in await _offered_sounds(hass)
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    await _next_day(hass)
    assert loaded_entry.runtime_data.sounds["doorbell"] == "Door bell"
    assert {"value": "doorbell", "label": "Door bell"} in await _offered_sounds(hass)
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "ding", "sound": "doorbell"},
        blocking=True,
    )
    assert sim.messages[-1]["sound"] == "doorbell"


async def test_failed_sound_refresh_keeps_the_known_sounds(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pushover down at the daily refresh: the known sounds stay, and still work."""
    known = dict(loaded_entry.runtime_data.sounds)
    offered = await _offered_sounds(hass)
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    sim.inject_fault("sounds.json", "503")
    await _next_day(hass)
    assert not sim.faults  # the refresh asked, and was refused
    assert not loaded_entry.runtime_data.sounds_coordinator.last_update_success
    assert loaded_entry.runtime_data.sounds == known
    assert await _offered_sounds(hass) == offered
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", "sound": "bugle"},
        blocking=True,
    )
    assert sim.messages[-1]["sound"] == "bugle"
    await _next_day(hass, days=2)
    assert "doorbell" in loaded_entry.runtime_data.sounds


async def test_rejected_token_on_the_sound_refresh_starts_reauth(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pushover rejecting the token at the daily refresh asks for a new one."""
    known = dict(loaded_entry.runtime_data.sounds)
    sim.inject_fault("sounds.json", "invalid_token")
    await _next_day(hass)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert loaded_entry.runtime_data.sounds == known


async def test_credits_seen_keep_the_quota(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Credits from ``assign_license`` replace only the credits."""
    coordinator = loaded_entry.runtime_data.coordinator
    before = coordinator.data
    await hass.services.async_call(
        DOMAIN,
        "assign_license",
        {"config_entry_id": loaded_entry.entry_id, "user_key": DEMO_USER},
        blocking=True,
    )
    assert coordinator.data.limits == before.limits
    assert coordinator.data.license_credits == before.license_credits - 1
    assert sim.accounts["default"].license_credits == coordinator.data.license_credits
