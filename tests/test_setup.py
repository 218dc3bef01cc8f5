"""Setup failures, sensors, diagnostics and the sound list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.pushover_complete.const import DOMAIN
from custom_components.pushover_complete.diagnostics import (
    async_get_config_entry_diagnostics,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import service as service_helper
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_GROUP, DEMO_TOKEN, DEMO_USER, PushoverSimulator

from .conftest import WEBHOOK_ID


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
    break_it: object,
    state: ConfigEntryState,
) -> None:
    """A rejected token asks for reauth; an outage retries."""
    break_it(sim)  # type: ignore[operator]
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is state
    flows = [f["context"]["source"] for f in hass.config_entries.flow.async_progress()]
    assert ("reauth" in flows) is (state is ConfigEntryState.SETUP_ERROR)


async def test_quota_sensors_follow_simulator(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """Limit, remaining and reset match the simulator's counters."""
    sim.set_quota(limit=10_000, remaining=500, reset=1_798_761_600)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_monthly_message_limit").state == "10000"
    assert hass.states.get("sensor.home_messages_remaining").state == "500"
    reset = hass.states.get("sensor.home_quota_reset").state
    assert dt_util.parse_datetime(reset) == dt_util.utc_from_timestamp(1_798_761_600)
    for _ in range(3):
        await hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": "notify.alice", "message": "x"},
            blocking=True,
        )
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "x", "priority": 1},
        blocking=True,
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_messages_remaining").state == "496"


async def test_quota_sensors_unavailable_while_unreachable(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Sensors are unavailable, not wrong, when Pushover is down."""
    sim.inject_fault("limits.json", "503")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1, seconds=5))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.home_messages_remaining").state == "unavailable"
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=2, seconds=10))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.home_messages_remaining").state != "unavailable"


async def test_quota_sensors_recover_from_a_send(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """After an outage, the headers of the next send make the sensors right again."""
    sim.inject_fault("limits.json", "503")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1, seconds=5))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.home_messages_remaining").state == "unavailable"
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.alice", "message": "x"},
        blocking=True,
    )
    # Recovery from an outage shows at once, not a second later.
    assert hass.states.get("sensor.home_messages_remaining").state == "9999"


async def test_sound_list_refreshed_and_suggested(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The action's sound field offers the account's sounds, refreshed daily."""
    descriptions = await service_helper.async_get_all_descriptions(hass)
    options = descriptions[DOMAIN]["send_message"]["fields"]["sound"]["selector"][
        "select"
    ]["options"]
    assert {"value": "bugle", "label": "Bugle"} in options
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "doorbell" in loaded_entry.runtime_data.sounds
    descriptions = await service_helper.async_get_all_descriptions(hass)
    options = descriptions[DOMAIN]["send_message"]["fields"]["sound"]["selector"][
        "select"
    ]["options"]
    assert {"value": "doorbell", "label": "Door bell"} in options
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "ding", "sound": "doorbell"},
        blocking=True,
    )
    assert sim.messages[-1]["sound"] == "doorbell"


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Diagnostics never show the token, user keys or webhook id."""
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    text = repr(diagnostics)
    assert DEMO_TOKEN not in text
    assert DEMO_USER not in text
    assert WEBHOOK_ID not in text
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert [r["title"] for r in diagnostics["recipients"]] == ["Alice", "Bob"]
    assert "bugle" in diagnostics["sounds"]
    assert diagnostics["open_receipts"] == 0


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


async def test_remove_entry_forgets_stores(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, object],
) -> None:
    """Removing the entry removes its stored receipts and outbox."""
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", "priority": 2},
        blocking=True,
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{loaded_entry.entry_id}.receipts"
    assert key in hass_storage
    await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_diagnostics_show_current_group_members(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """A group recipient's members in diagnostics follow group actions."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_subentry(
        config_entry,
        config_entry.subentries["bob_subentry"],
        title="Household",
        data={"user_key": DEMO_GROUP, "devices": []},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    group = diagnostics["recipients"][1]["group"]
    assert group["name"] == "Household"
    assert len(group["members"]) == 2
    assert diagnostics["recipients"][0]["group"] is None
    await hass.services.async_call(
        DOMAIN,
        "group_disable_user",
        {
            "config_entry_id": config_entry.entry_id,
            "group_key": DEMO_GROUP,
            "user_key": DEMO_USER,
        },
        blocking=True,
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    members = diagnostics["recipients"][1]["group"]["members"]
    assert [m["disabled"] for m in members] == [True, False]
    assert DEMO_USER not in repr(diagnostics)


async def test_license_credits_sensor(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """Accounts with licence credits get a sensor that follows assignments."""
    sim.set_license_credits(5)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_licence_credits").state == "5"
    await hass.services.async_call(
        DOMAIN,
        "assign_license",
        {"config_entry_id": config_entry.entry_id, "user_key": DEMO_USER},
        blocking=True,
    )
    assert hass.states.get("sensor.home_licence_credits").state == "4"


async def test_no_license_credits_no_sensor(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """Without credits there is no licence sensor."""
    sim.set_license_credits(0)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_messages_remaining") is not None
    assert hass.states.get("sensor.home_licence_credits") is None
