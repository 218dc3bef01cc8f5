"""The "Acknowledge alarm" button of this Home Assistant as a Pushover device.

Alarms are sent through the integration (or another application) to the demo
user, whose account has this Home Assistant as a device; the button is pressed
the way a dashboard does it (``button.press``); the simulator says what reached
Pushover, the application's event says who answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_complete.api import PushoverAPI
from custom_components.pushover_complete.config_flow import token_unique_id
from custom_components.pushover_complete.const import DOMAIN, EVENT_ACKNOWLEDGED
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pushover_simulator import (
    DEMO_TOKEN,
    DEMO_USER,
    OpenDevice,
    PushoverSimulator,
    random_key,
)

from .conftest import ALICE, WEBHOOK_ID, recipient
from .helpers import (
    Capture,
    follow_frozen_clock,
    open_client_subentry,
    send_emergency,
    tick,
)
from .open_client_helpers import BUTTON, DEVICE_NAME
from .snapshots_per_version import assert_platform_snapshots, per_version

# Every wait fails within seconds of real time (helpers.deadline); this is a
# last resort should something else hang under the frozen clock.
pytestmark = pytest.mark.timeout(60)
ENTRY_ID = "01JBUTT0NTESTENTRY00000000"
OPEN_CLIENT = "open_client_subentry"
# Receipts are polled every few seconds: this is past the first poll.
POLL = 11


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in ``tests/snapshots-by-version/ha-<version>``."""
    return per_version(snapshot)


@pytest.fixture(autouse=True)
def frozen(
    freezer: FrozenDateTimeFactory, sim: PushoverSimulator
) -> FrozenDateTimeFactory:
    """Freeze the clock (the simulator's too): only ``tick`` moves time."""
    follow_frozen_clock(sim)
    return freezer


@pytest.fixture
def open_client(sim: PushoverSimulator) -> tuple[OpenDevice, str]:
    """This Home Assistant as a device of the demo user, and its secret."""
    return sim.add_open_client_device(DEMO_USER, DEVICE_NAME)


@pytest.fixture
def config_entry(open_client: tuple[OpenDevice, str]) -> MockConfigEntry:
    """The demo application (a fixed id, for snapshots), Alice and the device."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="Home",
        data={CONF_API_KEY: DEMO_TOKEN, "webhook_id": WEBHOOK_ID},
        unique_id=token_unique_id(DEMO_TOKEN),
        subentries_data=[
            recipient(ALICE, "Alice", DEMO_USER),
            open_client_subentry(OPEN_CLIENT, *open_client),
        ],
    )


async def press(hass: HomeAssistant) -> None:
    """Press the button the way a dashboard's button card does."""
    await hass.services.async_call(
        "button", "press", {"entity_id": BUTTON}, blocking=True
    )


async def received_alarms(
    hass: HomeAssistant, sim: PushoverSimulator, count: int
) -> list[str]:
    """Send ``count`` alarms to Alice; return their receipts once the device has them."""
    received = Capture(hass, f"{DOMAIN}_message_received")
    receipts = [
        await send_emergency(hass, message=f"Alarm {number}") for number in range(count)
    ]
    await received.wait(count)
    assert [data["receipt"] for data in received.data] == receipts
    return receipts


def answered_by(sim: PushoverSimulator, receipts: list[str]) -> list[str]:
    """Who answered each alarm at Pushover: a device name, or "" if nobody."""
    return [sim.receipts[receipt].acknowledged_by_device for receipt in receipts]


async def test_button_platform(
    hass: HomeAssistant,
    connected: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """One button per device: its registry entry and state (``snapshot_platform``)."""
    assert assert_platform_snapshots(hass, snapshot, ENTRY_ID, "button") == [BUTTON]
    entry = entity_registry.async_get(BUTTON)
    assert entry is not None
    assert entry.config_subentry_id == OPEN_CLIENT


async def test_press_acknowledges_the_newest_open_alarm(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The newest alarm first, then the one before; the application hears who."""
    older, newer = await received_alarms(hass, sim, 2)
    acknowledged = Capture(hass, EVENT_ACKNOWLEDGED)
    await press(hass)
    assert answered_by(sim, [older, newer]) == ["", DEVICE_NAME]
    await press(hass)
    assert answered_by(sim, [older, newer]) == [DEVICE_NAME, DEVICE_NAME]
    await tick(hass, freezer, POLL)
    await acknowledged.wait(2)
    assert sorted(
        (event["receipt"], event["acknowledged_by"], event["acknowledged_by_device"])
        for event in acknowledged.data
    ) == sorted([(older, DEMO_USER, DEVICE_NAME), (newer, DEMO_USER, DEVICE_NAME)])
    assert {event["config_entry_id"] for event in acknowledged.data} == {ENTRY_ID}


async def test_alarm_answered_on_a_phone_is_skipped(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The newest alarm was answered on a phone: the button answers the one before."""
    older, newer = await received_alarms(hass, sim, 2)
    sim.acknowledge(newer, user=DEMO_USER, device="phone")
    await press(hass)
    assert answered_by(sim, [older, newer]) == [DEVICE_NAME, "phone"]
    assert params_of(sim, f"receipts/{newer}/acknowledge.json") == []


async def test_canceled_alarm_is_skipped(
    hass: HomeAssistant, sim: PushoverSimulator, connected: MockConfigEntry
) -> None:
    """A canceled alarm (Pushover refuses it) is passed over for the one before."""
    older, newer = await received_alarms(hass, sim, 2)
    await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": ENTRY_ID, "receipt": newer},
        blocking=True,
    )
    await press(hass)
    assert answered_by(sim, [older, newer]) == [DEVICE_NAME, ""]
    assert sim.receipts[newer].canceled


async def test_alarm_of_another_application_is_acknowledged(
    hass: HomeAssistant, sim: PushoverSimulator, connected: MockConfigEntry
) -> None:
    """An alarm this application cannot look up (another one sent it) is answered."""
    token = random_key()
    sim.add_app(token)
    received = Capture(hass, f"{DOMAIN}_message_received")
    assert sim.base_url
    async with PushoverAPI(token, base_url=sim.base_url) as other:
        sent = await other.send_message(
            DEMO_USER, "Smoke", priority=2, retry=30, expire=600
        )
    await received.wait(1)
    await press(hass)
    assert answered_by(sim, [sent["receipt"]]) == [DEVICE_NAME]


@pytest.mark.parametrize("answered", [0, 1, 2], ids=["no alarm", "one", "two"])
async def test_nothing_open_is_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    connected: MockConfigEntry,
    answered: int,
) -> None:
    """No alarm received, or all answered elsewhere: ``no_open_emergency``."""
    for receipt in await received_alarms(hass, sim, answered):
        sim.acknowledge(receipt, user=DEMO_USER, device="phone")
    before = len(sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await press(hass)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "no_open_emergency"
    assert err.value.translation_placeholders == {"name": DEVICE_NAME}
    assert [r for r in sim.requests[before:] if "acknowledge" in r["path"]] == []


async def test_pushover_unreachable(
    hass: HomeAssistant, sim: PushoverSimulator, connected: MockConfigEntry
) -> None:
    """Pushover out of reach: a translated error, and the alarm is tried next time."""
    [receipt] = await received_alarms(hass, sim, 1)
    sim.inject_fault(f"receipts/{receipt}/acknowledge.json", "503")
    with pytest.raises(HomeAssistantError) as err:
        await press(hass)
    assert err.value.translation_key == "cannot_connect"
    await press(hass)
    assert answered_by(sim, [receipt]) == [DEVICE_NAME]


def reject_token(sim: PushoverSimulator, receipt: str, _secret: str) -> None:
    """Pushover rejects the application's token when the alarm is looked up."""
    sim.inject_fault(f"receipts/{receipt}.json", "invalid_token", method="GET")


def end_session(sim: PushoverSimulator, _receipt: str, secret: str) -> None:
    """Pushover forgot the device's session: its acknowledgement is refused."""
    del sim.open_client.sessions[secret]


@pytest.mark.parametrize(
    ("refuse", "key"),
    [(reject_token, "token_rejected"), (end_session, "pushover_error")],
    ids=["token", "session"],
)
async def test_refusals_not_about_the_alarm_are_said(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    open_client: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    refuse: Callable[[PushoverSimulator, str, str], None],
    key: str,
) -> None:
    """A refusal of the token or the session is an error, never "nothing open"."""
    [receipt] = await received_alarms(hass, sim, 1)
    refuse(sim, receipt, open_client[1])
    with pytest.raises(HomeAssistantError) as err:
        await press(hass)
    assert err.value.translation_key == key
    assert answered_by(sim, [receipt]) == [""]


def params_of(sim: PushoverSimulator, path: str) -> list[dict[str, Any]]:
    """The parameters of each request to ``path``."""
    return [r["params"] for r in sim.requests if r["path"] == f"/1/{path}"]
