"""Each platform's entities as a user finds them: registry entries and states.

Core's ``snapshot_platform`` for each platform of one entry: the demo
application with Alice and Bob as recipients and this Home Assistant as a
Pushover device of Alice's account, its push connection up, the account's quota
and license credits known. The entry's id and the clock are fixed, so the
snapshots (one file per Home Assistant version, ``snapshots_per_version.py``)
hold no moving part. The button has its own in ``test_button.py``.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_complete.config_flow import token_unique_id
from custom_components.pushover_complete.const import DOMAIN
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from pushover_simulator import DEMO_TOKEN, DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import ALICE, BOB, WEBHOOK_ID, recipient
from .helpers import follow_frozen_clock, open_client_subentry, wait_state
from .open_client_helpers import DEVICE_NAME, EVENT_ENTITY, SENSOR
from .snapshots_per_version import assert_platform_snapshots, per_version

ENTRY_ID = "01JPLATF0RMSTESTENTRY00000"
NOW = "2026-11-28 08:00:00+00:00"
# 2030-01-01: a reset the simulator never rolls over during a test.
RESET = 1_893_456_000

ENTITIES = {
    "binary_sensor": [SENSOR],
    "event": ["event.home_emergency", EVENT_ENTITY],
    "notify": ["notify.alice", "notify.bob"],
    "sensor": [
        "sensor.home_account_messages_remaining",
        "sensor.home_account_monthly_message_limit",
        "sensor.home_account_quota_reset",
        "sensor.home_active_emergencies",
        "sensor.home_license_credits",
        "sensor.home_queued_messages",
    ],
}


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in ``tests/snapshots-by-version/ha-<version>``."""
    return per_version(snapshot)


@pytest.fixture
def config_entry(
    sim: PushoverSimulator, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """The demo application: a fixed id, two recipients and a device; a fixed clock."""
    freezer.move_to(NOW)
    follow_frozen_clock(sim)
    sim.set_quota(limit=10_000, remaining=7_500, reset=RESET)
    sim.set_license_credits(5)
    device, secret = sim.add_open_client_device(DEMO_USER, DEVICE_NAME)
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="Home",
        data={CONF_API_KEY: DEMO_TOKEN, "webhook_id": WEBHOOK_ID},
        unique_id=token_unique_id(DEMO_TOKEN),
        subentries_data=[
            recipient(ALICE, "Alice", DEMO_USER),
            recipient(BOB, "Bob", DEMO_USER2),
            open_client_subentry("device_subentry", device, secret),
        ],
    )


@pytest.mark.parametrize("domain", sorted(ENTITIES))
async def test_platform(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
    domain: str,
) -> None:
    """Every entity of the platform: its registry entry and its state."""
    await wait_state(hass, SENSOR, "on")
    entities = assert_platform_snapshots(hass, snapshot, ENTRY_ID, domain)
    assert entities == ENTITIES[domain]
