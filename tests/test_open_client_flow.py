"""The "Receive messages in Home Assistant" flow: this Home Assistant as a device.

Every case logs in and registers over HTTP against the simulator; Pushover's
refusals and outages are the simulator's injected faults. What the browser gets
is the form as Home Assistant serializes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.pushover_complete.const import (
    CONF_OPEN_CLIENT_ID,
    CONF_SECRET,
    CONF_TWOFA,
    CONF_USER_KEY,
    SUBENTRY_OPEN_CLIENT,
)
from custom_components.pushover_complete.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.pushover_complete.open_client_account import async_login
from homeassistant.config_entries import SOURCE_USER, ConfigSubentry, SubentryFlowResult
from homeassistant.const import CONF_EMAIL, CONF_NAME, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pushover_simulator import (
    DEMO_2FA_CODE,
    DEMO_2FA_EMAIL,
    DEMO_2FA_PASSWORD,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
)

from .helpers import form_sent, inject_fault

STRINGS = json.loads(
    (
        Path(__file__).parent.parent
        / "custom_components/pushover_complete/translations/en.json"
    ).read_text(encoding="utf-8")
)
FLOW_STRINGS = STRINGS["config_subentries"]["device"]
GOOD_INPUT = {
    CONF_EMAIL: DEMO_EMAIL,
    CONF_PASSWORD: DEMO_PASSWORD,
    CONF_NAME: "homeassistant",
}
TWO_FACTOR = {CONF_EMAIL: DEMO_2FA_EMAIL, CONF_PASSWORD: DEMO_2FA_PASSWORD}


async def start(hass: HomeAssistant, entry: MockConfigEntry) -> SubentryFlowResult:
    """Open the flow's login form."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_OPEN_CLIENT), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def submit(
    hass: HomeAssistant, result: SubentryFlowResult, user_input: dict[str, Any]
) -> SubentryFlowResult:
    """Submit one step of the flow."""
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], user_input
    )


def shown(result: SubentryFlowResult) -> dict[str, Any]:
    """The value each field of the browser's form shows (suggested, else default)."""
    values: dict[str, Any] = {}
    for marker in result["data_schema"].schema:
        suggested = (marker.description or {}).get("suggested_value")
        default = marker.default() if marker.default is not vol.UNDEFINED else None
        values[str(marker)] = suggested if suggested is not None else default
    return values


def open_clients(entry: MockConfigEntry) -> list[ConfigSubentry]:
    """Return the entry's Open Clients."""
    return [
        subentry
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_OPEN_CLIENT
    ]


def requests_to(sim: PushoverSimulator, endpoint: str) -> list[dict[str, Any]]:
    """Return the parameters of each request to ``endpoint``."""
    return [r["params"] for r in sim.requests if r["path"] == f"/1/{endpoint}"]


async def test_registers_home_assistant(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Log in, register, store key, device id, secret, name and e-mail: no password."""
    result = await start(hass, loaded_entry)
    assert shown(result) == {
        CONF_EMAIL: None,
        CONF_PASSWORD: None,
        CONF_NAME: "homeassistant",
    }
    result = await submit(
        hass, result, {CONF_EMAIL: f" {DEMO_EMAIL} ", CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "homeassistant"
    [device] = open_clients(loaded_entry)
    registered = sim.open_client.devices[device.data[CONF_OPEN_CLIENT_ID]]
    assert (registered.name, registered.user) == ("homeassistant", DEMO_USER)
    assert dict(device.data) == {
        CONF_USER_KEY: DEMO_USER,
        CONF_OPEN_CLIENT_ID: registered.id,
        CONF_SECRET: device.data[CONF_SECRET],
        CONF_NAME: "homeassistant",
        CONF_EMAIL: DEMO_EMAIL,
    }
    assert sim.open_client.sessions[device.data[CONF_SECRET]] == DEMO_USER
    assert requests_to(sim, "users/login.json") == [
        {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    ]
    assert requests_to(sim, "devices.json") == [
        {"secret": device.data[CONF_SECRET], "name": "homeassistant", "os": "O"}
    ]
    assert DEMO_PASSWORD not in caplog.text
    assert device.data[CONF_SECRET] not in caplog.text


async def test_form_asks_email_first_in_the_menu_entrys_words(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """E-mail, password, device name; the form opens on the e-mail address.

    The frontend focuses the first field it has drawn, and it draws plain text
    fields before selectors: the e-mail address is a plain text field and comes
    first (no field drawn as fast comes before it). The title is the menu entry's.
    """
    result = await start(hass, loaded_entry)
    form = form_sent(result)
    assert [field["name"] for field in form] == [CONF_EMAIL, CONF_PASSWORD, CONF_NAME]
    assert [field.get("type") for field in form] == ["string", None, "string"]
    password = form[1]["selector"]["text"]
    assert (password["type"], password["autocomplete"]) == (
        "password",
        "current-password",
    )
    assert (
        FLOW_STRINGS["step"]["user"]["title"] == FLOW_STRINGS["initiate_flow"]["user"]
    )
    assert FLOW_STRINGS["step"]["user"]["title"] == "Receive messages in Home Assistant"
    assert list(FLOW_STRINGS["step"]["user"]["data"]) == [
        CONF_EMAIL,
        CONF_PASSWORD,
        CONF_NAME,
    ]
    assert "Desktop license" in FLOW_STRINGS["step"]["user"]["description"]


async def test_two_factor(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """HTTP 412 asks for the code; a wrong code is said so; the right one registers."""
    result = await start(hass, loaded_entry)
    result = await submit(hass, result, {**TWO_FACTOR, CONF_NAME: "ha-kitchen"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "twofa"
    assert result["errors"] == {}
    for code in ("000000", "   "):
        result = await submit(hass, result, {CONF_TWOFA: code})
        assert result["step_id"] == "twofa"
        assert result["errors"] == {CONF_TWOFA: "invalid_twofa"}
    sim.inject_fault("users/login.json", "503")
    result = await submit(hass, result, {CONF_TWOFA: DEMO_2FA_CODE})
    assert (result["step_id"], result["errors"]) == (
        "twofa",
        {"base": "cannot_connect"},
    )
    assert open_clients(loaded_entry) == []
    result = await submit(hass, result, {CONF_TWOFA: f" {DEMO_2FA_CODE} "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [device] = open_clients(loaded_entry)
    assert (device.title, device.data[CONF_USER_KEY]) == ("ha-kitchen", DEMO_USER2)
    assert device.data[CONF_EMAIL] == DEMO_2FA_EMAIL
    assert requests_to(sim, "users/login.json")[-1]["twofa"] == DEMO_2FA_CODE


ERRORS = [
    pytest.param(
        {CONF_PASSWORD: "wrong"}, None, {"base": "invalid_auth"}, id="password"
    ),
    pytest.param(
        {CONF_EMAIL: "nobody@example.com"}, None, {"base": "invalid_auth"}, id="email"
    ),
    pytest.param(
        {CONF_NAME: "home assistant"}, None, {CONF_NAME: "invalid_name"}, id="space"
    ),
    pytest.param({CONF_NAME: "h" * 26}, None, {CONF_NAME: "invalid_name"}, id="long"),
    pytest.param({CONF_NAME: "phone"}, None, {CONF_NAME: "name_taken"}, id="taken"),
    pytest.param(
        {}, ("users/login.json", "503"), {"base": "cannot_connect"}, id="login-503"
    ),
    pytest.param(
        {}, ("users/login.json", "quota"), {"base": "cannot_connect"}, id="login-429"
    ),
    pytest.param(
        {},
        ("users/login.json", "missing_field"),
        {"base": "cannot_connect"},
        id="login-odd",
    ),
    pytest.param(
        {}, ("devices.json", "drop"), {"base": "cannot_connect"}, id="register-drop"
    ),
    pytest.param(
        {}, ("devices.json", "bad_request"), {"base": "unknown"}, id="register-400"
    ),
    pytest.param(
        {},
        ("devices.json", "missing_field"),
        {"base": "cannot_connect"},
        id="register-odd",
    ),
]


@pytest.mark.parametrize(("change", "fault", "errors"), ERRORS)
async def test_errors_ask_the_password_again(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, str],
    fault: tuple[str, Any] | None,
    errors: dict[str, str],
) -> None:
    """Each failure shows on the form: e-mail and name kept, the password never."""
    inject_fault(sim, fault)
    typed = {**GOOD_INPUT, **change}
    result = await start(hass, loaded_entry)
    result = await submit(hass, result, typed)
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "user")
    assert result["errors"] == errors
    for error in errors.values():
        assert error in FLOW_STRINGS["error"]
    assert open_clients(loaded_entry) == []
    assert shown(result) == {
        CONF_EMAIL: typed[CONF_EMAIL],
        CONF_PASSWORD: None,
        CONF_NAME: typed[CONF_NAME],
    }
    assert typed[CONF_PASSWORD] not in json.dumps(form_sent(result))
    assert typed[CONF_PASSWORD] not in caplog.text
    result = await submit(hass, result, GOOD_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [device.title for device in open_clients(loaded_entry)] == ["homeassistant"]


async def test_blank_name_is_refused_before_logging_in(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A name Pushover would refuse is said so without a login."""
    result = await start(hass, loaded_entry)
    result = await submit(hass, result, {**GOOD_INPUT, CONF_NAME: " "})
    assert result["errors"] == {CONF_NAME: "invalid_name"}
    assert requests_to(sim, "users/login.json") == []


async def test_taken_name_needs_no_second_login(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A taken name is changed without logging in, or a code, again."""
    result = await start(hass, loaded_entry)
    result = await submit(hass, result, {**TWO_FACTOR, CONF_NAME: "laptop"})
    result = await submit(hass, result, {CONF_TWOFA: DEMO_2FA_CODE})
    assert (result["step_id"], result["errors"]) == ("user", {CONF_NAME: "name_taken"})
    assert shown(result) == {
        CONF_EMAIL: DEMO_2FA_EMAIL,
        CONF_PASSWORD: None,
        CONF_NAME: "laptop",
    }
    assert DEMO_2FA_PASSWORD not in json.dumps(form_sent(result))
    result = await submit(hass, result, {**TWO_FACTOR, CONF_NAME: "ha2"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [p.get("twofa") for p in requests_to(sim, "users/login.json")] == [
        None,
        DEMO_2FA_CODE,
    ]
    assert [p["name"] for p in requests_to(sim, "devices.json")] == ["laptop", "ha2"]


async def test_other_account_logs_in_again(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """After a refused name, another e-mail address is a new login."""
    result = await start(hass, loaded_entry)
    result = await submit(hass, result, {**GOOD_INPUT, CONF_NAME: "phone"})
    assert result["errors"] == {CONF_NAME: "name_taken"}
    result = await submit(hass, result, {**TWO_FACTOR, CONF_NAME: "ha"})
    assert result["step_id"] == "twofa"
    result = await submit(hass, result, {CONF_TWOFA: DEMO_2FA_CODE})
    [device] = open_clients(loaded_entry)
    assert device.data[CONF_USER_KEY] == DEMO_USER2


async def test_diagnostics_leave_out_the_account(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The e-mail address stored at login is redacted like the secret."""
    result = await start(hass, loaded_entry)
    await submit(hass, result, GOOD_INPUT)
    await hass.async_block_till_done()
    [device] = open_clients(loaded_entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    assert DEMO_EMAIL not in repr(diagnostics)
    assert device.data[CONF_SECRET] not in repr(diagnostics)


async def test_login_for_a_new_secret(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """``async_login`` (for a repair flow) gives a fresh session, asking for a code."""
    first = await async_login(hass, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    second = await async_login(hass, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert first.login is not None
    assert second.login is not None
    assert first.login.id == second.login.id == DEMO_USER
    assert first.login.secret != second.login.secret
    assert sim.open_client.sessions[second.login.secret] == DEMO_USER
    pending = await async_login(hass, email=DEMO_2FA_EMAIL, password=DEMO_2FA_PASSWORD)
    assert (pending.login, pending.errors, pending.twofa_required) == (None, {}, True)
    wrong = await async_login(
        hass, email=DEMO_2FA_EMAIL, password=DEMO_2FA_PASSWORD, twofa="999999"
    )
    assert (wrong.login, wrong.errors) == (None, {CONF_TWOFA: "invalid_twofa"})
    done = await async_login(
        hass, email=DEMO_2FA_EMAIL, password=DEMO_2FA_PASSWORD, twofa=DEMO_2FA_CODE
    )
    assert done.login is not None
    assert done.login.id == DEMO_USER2
    assert DEMO_2FA_PASSWORD not in repr(done)
    assert done.login.secret not in repr(done)
