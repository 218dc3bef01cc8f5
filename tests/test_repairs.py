"""The repair of a device whose session Pushover ended: log in again, reconnect."""

from __future__ import annotations

from collections.abc import Iterator
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import (
    CONF_SECRET,
    DOMAIN,
    EVENT_MESSAGE_RECEIVED,
)
from custom_components.pushover_complete.open_client_issues import session_issue_id
from custom_components.pushover_complete.repairs import async_create_fix_flow
from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlowManager,
    repairs_flow_manager,
)
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pushover_simulator import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_USER,
    DEMO_USER2,
    OpenDevice,
    PushoverSimulator,
)

from .conftest import ALICE, BOB, recipient
from .helpers import (
    Capture,
    form_sent,
    open_client_subentry,
    wait_session_issue,
    wait_sim,
    wait_state,
)
from .open_client_helpers import DEVICE, DEVICE_NAME, SENSOR

# Every wait fails within seconds of real time (helpers.deadline); this is a
# last resort should something else hang under the frozen clock.
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def frozen(freezer: FrozenDateTimeFactory) -> Iterator[FrozenDateTimeFactory]:
    """Freeze the clock before anything starts: nothing reconnects by itself."""
    yield freezer


@pytest.fixture
def account() -> str:
    """The user key of the account the device is on."""
    return DEMO_USER


@pytest.fixture
def device(sim: PushoverSimulator, account: str) -> tuple[OpenDevice, str]:
    """The Open Client device and its secret."""
    return sim.add_open_client_device(account, DEVICE_NAME)


@pytest.fixture
def stored() -> dict[str, str]:
    """What the device's subentry holds besides its session (nothing: added early)."""
    return {}


@pytest.fixture
def recipients(
    device: tuple[OpenDevice, str], stored: dict[str, str]
) -> list[dict[str, Any]]:
    """Alice, Bob and the device."""
    open_client = open_client_subentry(DEVICE, *device)
    open_client["data"].update(stored)
    return [
        recipient(ALICE, "Alice", DEMO_USER),
        recipient(BOB, "Bob", DEMO_USER2),
        open_client,
    ]


@pytest.fixture
async def manager(hass: HomeAssistant) -> RepairsFlowManager:
    """Home Assistant's repairs, set up."""
    assert await async_setup_component(hass, "repairs", {})
    flows = repairs_flow_manager(hass)
    assert flows is not None
    return flows


@pytest.fixture
async def ended(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    loaded_entry: MockConfigEntry,
) -> str:
    """Pushover forgot the device's session and said ``E``; return the issue id."""
    dev, secret = device
    await wait_state(hass, SENSOR, "on")
    del sim.open_client.sessions[secret]
    assert sim.push_frame(dev.id, "E") == 1
    issue_id = await wait_session_issue(hass, loaded_entry.entry_id, DEVICE)
    await wait_sim(sim, lambda: sim.push_connections(dev.id) == 0)
    return issue_id


async def start(manager: RepairsFlowManager, issue_id: str) -> dict[str, Any]:
    """Open the issue's fix flow."""
    return dict(await manager.async_init(DOMAIN, data={"issue_id": issue_id}))


async def submit(
    manager: RepairsFlowManager, result: dict[str, Any], **user_input: str
) -> dict[str, Any]:
    """Submit a form of the fix flow."""
    return dict(await manager.async_configure(result["flow_id"], user_input))


def shown(result: dict[str, Any]) -> dict[str, Any]:
    """The value each field of the form shows, as the browser gets the form."""
    fields = form_sent(result)
    return {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in result["data_schema"].schema
    } | {"sent": json.dumps(fields)}


def secret_of(entry: MockConfigEntry) -> str:
    """The device subentry's stored secret."""
    secret: str = entry.subentries[DEVICE].data[CONF_SECRET]
    return secret


async def test_log_in_again_reconnects(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    loaded_entry: MockConfigEntry,
    manager: RepairsFlowManager,
    ended: str,
) -> None:
    """A wrong password is shown; the right one stores a new secret and reconnects."""
    dev, old_secret = device
    result = await start(manager, ended)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "login"
    assert result["description_placeholders"] == {"name": DEVICE_NAME}
    assert shown(result)[CONF_EMAIL] is None

    result = await submit(manager, result, email=DEMO_EMAIL, password="wrong")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    form = shown(result)
    assert (form[CONF_EMAIL], form[CONF_PASSWORD]) == (DEMO_EMAIL, None)
    assert "wrong" not in form["sent"]

    result = await submit(
        manager, result, email=f" {DEMO_EMAIL} ", password=DEMO_PASSWORD
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ir.async_get(hass).async_get_issue(DOMAIN, ended) is None
    new_secret = secret_of(loaded_entry)
    assert new_secret != old_secret
    assert sim.open_client.sessions[new_secret] == DEMO_USER
    assert loaded_entry.subentries[DEVICE].data["device_id"] == dev.id
    assert loaded_entry.subentries[DEVICE].data[CONF_EMAIL] == DEMO_EMAIL
    assert "password" not in loaded_entry.subentries[DEVICE].data

    await hass.async_block_till_done()
    await wait_state(hass, SENSOR, "on")
    assert sim.push_connections(dev.id) == 1
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    message_id = sim.open_client.next_id()
    dev.messages.append({"id": message_id, "message": "Back"})
    assert sim.push_frame(dev.id, "!") == 1
    await received.wait(1)
    assert received.data[0]["message"] == "Back"


@pytest.mark.parametrize("account", [DEMO_USER2])
async def test_two_factor_code_asked(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    manager: RepairsFlowManager,
    ended: str,
) -> None:
    """HTTP 412 asks the code; a wrong code is shown; the right one repairs."""
    result = await start(manager, ended)
    result = await submit(
        manager, result, email=DEMO_2FA_EMAIL, password=DEMO_2FA_PASSWORD
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "twofa"
    assert result["errors"] == {}

    result = await submit(manager, result, twofa="000000")
    assert result["step_id"] == "twofa"
    assert result["errors"] == {"twofa": "invalid_twofa"}

    result = await submit(manager, result, twofa=f"{DEMO_2FA_CODE} ")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert sim.open_client.sessions[secret_of(loaded_entry)] == DEMO_USER2
    await hass.async_block_till_done()
    await wait_state(hass, SENSOR, "on")


@pytest.mark.parametrize("account", [DEMO_USER2])
async def test_other_account_refused(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device: tuple[OpenDevice, str],
    manager: RepairsFlowManager,
    ended: str,
) -> None:
    """Logging in to another account than the device's changes nothing."""
    _dev, old_secret = device
    result = await start(manager, ended)
    result = await submit(manager, result, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "login"
    assert result["errors"] == {"base": "wrong_account"}
    form = shown(result)
    assert (form[CONF_EMAIL], form[CONF_PASSWORD]) == (DEMO_EMAIL, None)
    assert secret_of(loaded_entry) == old_secret
    assert ir.async_get(hass).async_get_issue(DOMAIN, ended) is not None


@pytest.mark.parametrize("stored", [{CONF_EMAIL: DEMO_EMAIL}])
async def test_form_suggests_the_account_never_the_password(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    manager: RepairsFlowManager,
    ended: str,
) -> None:
    """The stored e-mail address is suggested; a password never comes back."""
    result = await start(manager, ended)
    assert shown(result)[CONF_EMAIL] == DEMO_EMAIL
    sim.inject_fault("users/login.json", "503")
    result = await submit(manager, result, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert result["errors"] == {"base": "cannot_connect"}
    form = shown(result)
    assert (form[CONF_EMAIL], form[CONF_PASSWORD]) == (DEMO_EMAIL, None)
    assert DEMO_PASSWORD not in form["sent"]
    result = await submit(manager, result, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await wait_state(hass, SENSOR, "on")


async def test_pushover_unreachable(
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    manager: RepairsFlowManager,
    ended: str,
) -> None:
    """A failed login shows ``cannot_connect`` and the form again."""
    sim.inject_fault("users/login.json", "503")
    result = await start(manager, ended)
    result = await submit(manager, result, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_removed_device_aborts(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    manager: RepairsFlowManager,
    ended: str,
) -> None:
    """A fix flow for a device no longer configured aborts."""
    result = await start(manager, ended)
    assert hass.config_entries.async_remove_subentry(loaded_entry, DEVICE)
    await hass.async_block_till_done()
    result = await submit(manager, result, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_removed"


async def test_device_removed_before_the_flow(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    manager: RepairsFlowManager,
) -> None:
    """An issue left for a device and entry that are gone aborts at once."""
    issue_id = session_issue_id("gone_entry", DEVICE)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="open_client_session_ended",
        translation_placeholders={"name": DEVICE_NAME},
        data={"entry_id": "gone_entry", "subentry_id": DEVICE},
    )
    result = await start(manager, issue_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_removed"


async def test_other_issues_get_a_confirm_flow(hass: HomeAssistant) -> None:
    """Issues other than a device's session get Home Assistant's confirm flow."""
    flow = await async_create_fix_flow(hass, "quota_exceeded_x", None)
    assert isinstance(flow, ConfirmRepairFlow)
