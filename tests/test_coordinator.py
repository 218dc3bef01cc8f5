"""Coordinators: the daily sound list and the account data between polls.

What a user sees of them: the sounds ``send_message`` offers and accepts, the
quota and license-credit sensors, and the entry's diagnostics.
"""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import service as service_helper
from pushover_simulator import DEMO_TOKEN, DEMO_USER, PushoverSimulator

from .helpers import fire_later, state_of

LIMIT = "sensor.home_account_monthly_message_limit"
REMAINING = "sensor.home_account_messages_remaining"
RESET = "sensor.home_account_quota_reset"
CREDITS = "sensor.home_license_credits"
DOORBELL = {"value": "doorbell", "label": "Door bell"}


async def _offered_sounds(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the sounds ``send_message``'s sound field offers."""
    descriptions = await service_helper.async_get_all_descriptions(hass)
    field = descriptions[DOMAIN]["send_message"]["fields"]["sound"]
    return list(field["selector"]["select"]["options"])


async def _next_day(hass: HomeAssistant, days: int = 1) -> None:
    """Let ``days`` days pass and the daily refresh run."""
    await fire_later(hass, days=days, seconds=1)


async def _send_with_sound(hass: HomeAssistant, sound: str) -> None:
    """Send to Alice with ``sound``."""
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "ding", "sound": sound},
        blocking=True,
    )


async def test_sound_list_refreshed_daily_and_offered(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A sound added to the account is offered and accepted the next day."""
    assert {"value": "bugle", "label": "Bugle"} in await _offered_sounds(hass)
    assert DOORBELL not in await _offered_sounds(hass)
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    await _next_day(hass)
    assert DOORBELL in await _offered_sounds(hass)
    await _send_with_sound(hass, "doorbell")
    assert sim.messages[-1]["sound"] == "doorbell"


async def test_failed_sound_refresh_keeps_the_known_sounds(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Pushover down at the daily refresh: the known sounds stay, and still work."""
    offered = await _offered_sounds(hass)
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    sim.inject_fault("sounds.json", "503")
    await _next_day(hass)
    assert not sim.faults  # the refresh asked, and was refused
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, loaded_entry
    )
    assert diagnostics["sounds"]["last_update_success"] is False
    assert "doorbell" not in diagnostics["sounds"]["ids"]
    assert await _offered_sounds(hass) == offered
    await _send_with_sound(hass, "bugle")
    assert sim.messages[-1]["sound"] == "bugle"
    await _next_day(hass, days=2)
    assert DOORBELL in await _offered_sounds(hass)


async def test_rejected_token_on_the_sound_refresh_starts_reauth(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pushover rejecting the token at the daily refresh asks for a new one."""
    offered = await _offered_sounds(hass)
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    sim.inject_fault("sounds.json", "invalid_token")
    await _next_day(hass)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert await _offered_sounds(hass) == offered


async def test_credits_seen_keep_the_quota(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Credits from ``assign_license`` replace only the credits."""
    quota = [state_of(hass, entity_id) for entity_id in (LIMIT, REMAINING, RESET)]
    credits = int(state_of(hass, CREDITS))
    response = await hass.services.async_call(
        DOMAIN,
        "assign_license",
        {"config_entry_id": loaded_entry.entry_id, "user_key": DEMO_USER},
        blocking=True,
        return_response=True,
    )
    assert response == {"credits": credits - 1}
    assert sim.accounts["default"].license_credits == credits - 1
    assert state_of(hass, CREDITS) == str(credits - 1)
    assert [state_of(hass, entity_id) for entity_id in (LIMIT, REMAINING, RESET)] == (
        quota
    )
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, loaded_entry
    )
    assert diagnostics["account"]["license_credits"] == credits - 1
