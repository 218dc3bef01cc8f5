"""Sensors: the account's quota and license credits, open emergencies, queued messages."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_USER, PushoverSimulator

from .helpers import fire_later, state_of

LIMIT = "sensor.home_account_monthly_message_limit"
REMAINING = "sensor.home_account_messages_remaining"
RESET = "sensor.home_account_quota_reset"
CREDITS = "sensor.home_license_credits"
QUOTA = [LIMIT, REMAINING, RESET]
# A reset time that stays in the future, so the simulator never rolls it over.
FAR_RESET = 4_102_444_800


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in ``tests/snapshots``, as core keeps them."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


def _plain(value: Any) -> Any:
    """Return an enum's value (names and reprs differ between versions)."""
    return value.value if isinstance(value, Enum) else value


def _sensors(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Describe the entry's sensors the same way on every Home Assistant version."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    described: dict[str, Any] = {}
    for reg in er.async_entries_for_config_entry(entities, entry.entry_id):
        if reg.domain != "sensor":
            continue
        state = hass.states.get(reg.entity_id)
        assert state is not None
        assert reg.device_id is not None
        device = devices.async_get(reg.device_id)
        assert device is not None
        described[reg.entity_id] = {
            "unique_id": reg.unique_id.replace(entry.entry_id, "<entry_id>"),
            "translation_key": reg.translation_key,
            "entity_category": _plain(reg.entity_category),
            "device_class": _plain(reg.original_device_class),
            "disabled_by": _plain(reg.disabled_by),
            "device": [device.name, device.model, _plain(device.entry_type)],
            "state": state.state,
            "attributes": {_plain(k): _plain(v) for k, v in state.attributes.items()},
        }
    return described


async def _send(hass: HomeAssistant, entity_id: str = "notify.alice") -> None:
    """Send one message through a notify entity."""
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": entity_id, "message": "x"},
        blocking=True,
    )


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Advance the frozen clock and run what became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_sensors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every sensor: name, category, classes, device and state."""
    sim.set_quota(limit=10_000, remaining=7_500, reset=FAR_RESET)
    sim.set_license_credits(5)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _sensors(hass, config_entry) == snapshot


async def test_quota_sensors_follow_the_account(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Limit, remaining and reset follow the simulator, whichever way a message goes."""
    sim.set_quota(limit=10_000, remaining=500, reset=FAR_RESET)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert [state_of(hass, e) for e in (LIMIT, REMAINING)] == ["10000", "500"]
    reset = dt_util.parse_datetime(state_of(hass, RESET))
    assert reset == dt_util.utc_from_timestamp(FAR_RESET)
    for _ in range(3):
        await _send(hass)
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "x", "priority": 1},
        blocking=True,
    )
    await _tick(hass, freezer, 1)
    assert state_of(hass, REMAINING) == "496"
    assert sim.accounts["default"].remaining == 496


async def test_a_burst_of_sends_makes_one_state_change(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Twenty sends write the quota sensors once, a second after the first."""
    writes: list[str] = []

    @callback
    def _record(event: Event[Any]) -> None:
        writes.append(event.data["entity_id"])

    async_track_state_change_event(hass, QUOTA, _record)
    async_track_state_report_event(hass, QUOTA, _record)
    for _ in range(20):
        await _send(hass)
    assert sim.accounts["default"].remaining == 9_980
    await hass.async_block_till_done()
    assert writes == []
    await _tick(hass, freezer, 1)
    assert writes == [REMAINING]
    assert state_of(hass, REMAINING) == "9980"
    await _tick(hass, freezer, 60)
    assert writes == [REMAINING]
    await _send(hass)
    await _tick(hass, freezer, 1)
    assert writes == [REMAINING, REMAINING]
    assert state_of(hass, REMAINING) == "9979"


async def test_quota_sensors_unavailable_while_unreachable(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Sensors are unavailable, not wrong, while Pushover is down; the next poll heals."""
    sim.inject_fault("limits.json", "503")
    await fire_later(hass, hours=1, seconds=5)
    assert [state_of(hass, e) for e in QUOTA] == [STATE_UNAVAILABLE] * 3
    sim.set_quota(limit=10_000, remaining=1_234)
    await fire_later(hass, hours=2, seconds=10)
    assert state_of(hass, REMAINING) == "1234"


async def test_quota_sensors_recover_from_a_send(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """After an outage, the headers of the next send make the sensors right at once."""
    sim.inject_fault("limits.json", "503")
    await fire_later(hass, hours=1, seconds=5)
    assert state_of(hass, REMAINING) == STATE_UNAVAILABLE
    await _send(hass)
    assert state_of(hass, REMAINING) == "9999"


async def test_rejected_token_on_the_hourly_refresh_starts_reauth(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pushover rejecting the token when the quota is read asks for a new one."""
    sim.inject_fault("apps/limits.json", "invalid_token")
    await fire_later(hass, hours=1, seconds=5)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (SOURCE_REAUTH, loaded_entry.entry_id)
    ]
    assert state_of(hass, REMAINING) == STATE_UNAVAILABLE


async def test_two_entries_of_one_account_show_the_same_quota(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    sim: PushoverSimulator,
    office_entry: MockConfigEntry,
) -> None:
    """The quota is the account's: what one application sends, the other shows."""
    office_remaining = "sensor.office_account_messages_remaining"
    for _ in range(3):
        await _send(hass, "notify.alice")
    await _send(hass, "notify.carol")
    await _tick(hass, freezer, 1)
    # Each entry shows what its own last answer said ...
    assert [state_of(hass, REMAINING), state_of(hass, office_remaining)] == [
        "9997",
        "9996",
    ]
    # ... and both agree once both have read the account's figures.
    await _tick(hass, freezer, 3_600)
    for suffix in ("monthly_message_limit", "messages_remaining", "quota_reset"):
        home, office = (
            state_of(hass, f"sensor.{name}_account_{suffix}")
            for name in ("home", "office")
        )
        assert home == office != STATE_UNAVAILABLE
    assert state_of(hass, REMAINING) == "9996"


async def test_license_credits_sensor_follows_assignments(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """Accounts with license credits get a sensor that follows ``assign_license``."""
    sim.set_license_credits(5)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, CREDITS) == "5"
    remaining = state_of(hass, REMAINING)
    response = await hass.services.async_call(
        DOMAIN,
        "assign_license",
        {"config_entry_id": config_entry.entry_id, "user_key": DEMO_USER},
        blocking=True,
        return_response=True,
    )
    assert response == {"credits": 4}
    assert state_of(hass, CREDITS) == "4"
    assert state_of(hass, REMAINING) == remaining


async def test_no_license_credits_no_sensor(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """Without credits there is no license sensor."""
    sim.set_license_credits(0)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(REMAINING) is not None
    assert hass.states.get(CREDITS) is None


async def test_quota_unknown_at_setup_comes_with_the_first_send(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
) -> None:
    """Quota unreadable at setup: sensors unavailable until a send's headers tell it.

    Credits that ``assign_license`` reports make no quota up meanwhile.
    """
    sim.inject_fault("limits.json", "503")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert [state_of(hass, e) for e in QUOTA] == [STATE_UNAVAILABLE] * 3
    assert hass.states.get(CREDITS) is None
    await hass.services.async_call(
        DOMAIN,
        "assign_license",
        {"config_entry_id": config_entry.entry_id, "user_key": DEMO_USER},
        blocking=True,
    )
    assert [state_of(hass, e) for e in QUOTA] == [STATE_UNAVAILABLE] * 3
    account = (await get_diagnostics_for_config_entry(hass, hass_client, config_entry))[
        "account"
    ]
    assert (account["limit"], account["license_credits"]) == (None, None)
    await _send(hass)
    assert [state_of(hass, e) for e in (LIMIT, REMAINING)] == ["10000", "9999"]
    account = (await get_diagnostics_for_config_entry(hass, hass_client, config_entry))[
        "account"
    ]
    assert (account["limit"], account["license_credits"]) == (10_000, None)
    assert hass.states.get(CREDITS) is None
