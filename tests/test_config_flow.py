"""The config flow, reauth, reconfigure, options and recipient subentries.

Every case runs the real client over HTTP against the simulator; Pushover's
refusals and outages are the simulator's injected faults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
import voluptuous as vol

from custom_components.pushover_complete.config_flow import token_unique_id
from custom_components.pushover_complete.const import (
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RECIPIENT_DEVICES,
    CONF_RETRY,
    CONF_SOUND,
    CONF_USER_KEY,
    DOMAIN,
    ENV_API_URL,
    SUBENTRY_RECIPIENT,
)
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
    ConfigSubentry,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from pushover_simulator import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)

from .conftest import ALICE, BOB, recipient
from .helpers import inject_fault

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
CONF_RECIPIENT_NAME = "recipient_name"
STRINGS = json.loads(
    (
        Path(__file__).parent.parent
        / "custom_components/pushover_complete/translations/en.json"
    ).read_text(encoding="utf-8")
)
INACTIVE_USER = "uInactive0000000000000000000x1"
# The options' emergency durations by default.
DURATIONS = {CONF_RETRY: 60, CONF_EXPIRE: 3600}
# Flow input that succeeds against the simulator's demo account.
GOOD_INPUT = {CONF_NAME: "Pushover", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER}


def tokens_sent(sim: PushoverSimulator, endpoint: str, since: int = 0) -> list[str]:
    """Return the token of each request to ``endpoint`` the simulator saw."""
    return [
        request["params"].get("token", "")
        for request in sim.requests[since:]
        if request["path"].endswith(endpoint)
    ]


def field(result: ConfigFlowResult | SubentryFlowResult, name: str) -> vol.Marker:
    """Return the schema marker of the form field ``name``."""
    return next(key for key in result["data_schema"].schema if key == name)


def suggested(result: ConfigFlowResult | SubentryFlowResult, name: str) -> Any:
    """Return the value the form suggests for ``name`` (None when it suggests none)."""
    return (field(result, name).description or {}).get("suggested_value")


async def start_user_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Open the first flow's form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return result


async def finish_user_flow(
    hass: HomeAssistant,
    result: ConfigFlowResult,
    defaults: dict[str, Any] | None = None,
) -> ConfigFlowResult:
    """Answer the first recipient's defaults step (its defaults when not given)."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "defaults"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], defaults or {}
    )


async def start_recipient_flow(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str | None = None
) -> SubentryFlowResult:
    """Open the add-recipient form, or the reconfigure form of ``subentry_id``."""
    context: dict[str, Any] = {"source": SOURCE_USER}
    if subentry_id:
        context = {"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id}
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT), context=context
    )


async def configure_recipient(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]
) -> SubentryFlowResult:
    """Submit one step of a recipient flow; the reload it may start has finished."""
    result = await hass.config_entries.subentries.async_configure(flow_id, user_input)
    await hass.async_block_till_done()
    return result


def recipients_of(entry: MockConfigEntry) -> list[tuple[str, dict[str, Any]]]:
    """Return each recipient's title and data."""
    return [
        (subentry.title, dict(subentry.data))
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
    ]


# ----------------------------------------------------------------- first flow


async def test_user_flow_creates_entry_and_first_recipient(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """A valid token and key make an entry titled by name, plus a recipient."""
    result = await start_user_flow(hass)
    assert suggested(result, CONF_RECIPIENT_NAME) is None
    assert isinstance(field(result, CONF_RECIPIENT_NAME), vol.Optional)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Family", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
    )
    result = await finish_user_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Family"
    assert result["description"] is None
    entry = result["result"]
    assert entry.data[CONF_API_KEY] == DEMO_TOKEN
    assert len(entry.data["webhook_id"]) >= 32
    assert entry.unique_id == token_unique_id(DEMO_TOKEN)
    assert DEMO_TOKEN not in entry.unique_id
    assert recipients_of(entry) == [
        ("Family", {CONF_USER_KEY: DEMO_USER, CONF_RECIPIENT_DEVICES: []})
    ]
    assert tokens_sent(sim, "/1/sounds.json")[:1] == [DEMO_TOKEN]
    validate = next(r for r in sim.requests if r["path"] == "/1/users/validate.json")
    assert validate["params"]["user"] == DEMO_USER


async def test_user_flow_name_defaults_to_pushover(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """Without a name the entry and its first recipient are both "Pushover"."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER}
    )
    result = await finish_user_flow(hass, result)
    assert result["title"] == "Pushover"
    assert [title for title, _ in recipients_of(result["result"])] == ["Pushover"]


@pytest.mark.parametrize(
    ("recipient_name", "title"),
    [(" Sam ", "Sam"), ("", "Family"), ("   ", "Family")],
)
async def test_user_flow_names_the_first_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, recipient_name: str, title: str
) -> None:
    """The first recipient takes its own name; a blank one falls back to the entry's."""
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**GOOD_INPUT, CONF_NAME: "Family", CONF_RECIPIENT_NAME: recipient_name},
    )
    assert result["description_placeholders"] == {"recipient": title}
    result = await finish_user_flow(hass, result)
    assert result["title"] == "Family"
    assert [name for name, _ in recipients_of(result["result"])] == [title]


async def test_user_flow_suggests_the_owner_as_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, hass_owner_user: MockUser
) -> None:
    """The recipient's name is pre-filled with Home Assistant's owner."""
    result = await start_user_flow(hass)
    assert suggested(result, CONF_RECIPIENT_NAME) == hass_owner_user.name == "Mock User"


async def test_user_flow_accepts_a_key_without_active_devices(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """ "Valid but no active devices" sets up, with a note; the devices stay open."""
    sim.add_user(INACTIVE_USER, devices=[])
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GOOD_INPUT, CONF_USER_KEY: INACTIVE_USER}
    )
    assert [r["status"] for r in sim.requests if "validate" in r["path"]] == [400]
    assert CONF_RECIPIENT_DEVICES not in result["data_schema"].schema
    result = await finish_user_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "no_active_devices"
    assert "active again" in STRINGS["config"]["create_entry"]["no_active_devices"]
    assert recipients_of(result["result"]) == [
        ("Pushover", {CONF_USER_KEY: INACTIVE_USER, CONF_RECIPIENT_DEVICES: []})
    ]
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


USER_FLOW_ERRORS = [
    pytest.param(
        {CONF_API_KEY: "uUnknownToken0000000000000000x"},
        None,
        {CONF_API_KEY: "invalid_api_key"},
        id="unknown-token",
    ),
    pytest.param(
        {CONF_API_KEY: "short"}, None, {CONF_API_KEY: "invalid_api_key"}, id="bad-token"
    ),
    pytest.param(
        {CONF_USER_KEY: "uUnknownUser00000000000000000x"},
        None,
        {CONF_USER_KEY: "invalid_user_key"},
        id="unknown-key",
    ),
    pytest.param(
        {CONF_USER_KEY: "not-a-key"},
        None,
        {CONF_USER_KEY: "invalid_user_key"},
        id="bad-key",
    ),
    pytest.param({}, ("sounds.json", "503"), {"base": "cannot_connect"}, id="s-503"),
    pytest.param(
        {}, ("validate.json", "drop"), {"base": "cannot_connect"}, id="v-drop"
    ),
    pytest.param({}, ("sounds.json", "408"), {"base": "cannot_connect"}, id="s-408"),
    pytest.param({}, ("sounds.json", "quota"), {"base": "cannot_connect"}, id="s-429"),
    pytest.param(
        {},
        ("sounds.json", "invalid_token"),
        {CONF_API_KEY: "invalid_api_key"},
        id="s-token",
    ),
    pytest.param(
        {},
        ("sounds.json", "bad_request"),
        {CONF_API_KEY: "invalid_api_key"},
        id="s-400",
    ),
    pytest.param(
        {},
        ("sounds.json", "missing_field"),
        {"base": "cannot_connect"},
        id="s-malformed",
    ),
    pytest.param({}, ("validate.json", "503"), {"base": "cannot_connect"}, id="v-503"),
    pytest.param(
        {}, ("validate.json", "quota"), {"base": "cannot_connect"}, id="v-429"
    ),
    pytest.param(
        {},
        ("validate.json", "invalid_token"),
        {CONF_API_KEY: "invalid_api_key"},
        id="v-token",
    ),
    pytest.param(
        {},
        ("validate.json", "bad_request"),
        {CONF_USER_KEY: "invalid_user_key"},
        id="v-400",
    ),
    pytest.param(
        {},
        ("validate.json", "missing_field"),
        {"base": "cannot_connect"},
        id="v-malformed",
    ),
    pytest.param(
        {}, ("sounds.json", "oversized"), {"base": "cannot_connect"}, id="s-oversized"
    ),
]


@pytest.mark.parametrize(("change", "fault", "errors"), USER_FLOW_ERRORS)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, str],
    fault: tuple[str, Any] | None,
    errors: dict[str, str],
) -> None:
    """Each refusal or outage shows its error, creates nothing, then recovers.

    The form keeps what was typed, but for the token: that is asked again.
    """
    inject_fault(sim, fault)
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GOOD_INPUT, **change}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert ("Unexpected answer or error" in caplog.text) is (
        errors == {"base": "unknown"}
    )
    assert suggested(result, CONF_USER_KEY) == {**GOOD_INPUT, **change}[CONF_USER_KEY]
    assert suggested(result, CONF_NAME) == GOOD_INPUT[CONF_NAME]
    assert suggested(result, CONF_API_KEY) is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], GOOD_INPUT
    )
    result = await finish_user_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_first_flow_asks_the_first_recipients_defaults(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """The first recipient gets the devices, sound and priority step too."""
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**GOOD_INPUT, CONF_RECIPIENT_NAME: "Sam"}
    )
    assert result["step_id"] == "defaults"
    assert result["description_placeholders"] == {"recipient": "Sam"}
    schema = result["data_schema"].schema
    assert schema[CONF_RECIPIENT_DEVICES].config["options"] == ["phone", "tablet"]
    sounds = [option["value"] for option in schema[CONF_SOUND].config["options"]]
    assert sounds[:2] == ["default", "user_default"]
    assert {"doorbell", "siren"} <= set(sounds)
    assert field(result, CONF_SOUND).default() == "default"
    assert field(result, CONF_PRIORITY).default() == "default"
    texts = STRINGS["config"]["step"]["defaults"]
    assert set(texts["data"]) == {CONF_RECIPIENT_DEVICES, CONF_SOUND, CONF_PRIORITY}
    result = await finish_user_flow(
        hass,
        result,
        {
            CONF_RECIPIENT_DEVICES: ["tablet"],
            CONF_SOUND: "doorbell",
            CONF_PRIORITY: "high",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert recipients_of(result["result"]) == [
        (
            "Sam",
            {
                CONF_USER_KEY: DEMO_USER,
                CONF_RECIPIENT_DEVICES: ["tablet"],
                CONF_SOUND: "doorbell",
                CONF_PRIORITY: 1,
            },
        )
    ]


PORTAL_PAGE = "<html><body><h1>Hotel Wi-Fi</h1><form>Room number</form></body></html>"


@pytest.fixture
async def portal() -> AsyncIterator[str]:
    """A captive portal on 127.0.0.1: HTTP 200 and a login page for every request."""

    async def login_page(request: web.Request) -> web.Response:
        return web.Response(text=PORTAL_PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", login_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/1/"
    finally:
        await runner.cleanup()


async def test_user_flow_unexpected_error_is_unknown(
    hass: HomeAssistant, sim: PushoverSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """What nobody expected (here aiohttp itself breaks) is "unknown", and logged."""
    result = await start_user_flow(hass)
    with patch.object(
        aiohttp.ClientSession, "request", side_effect=RuntimeError("broken")
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], GOOD_INPUT
        )
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected answer or error" in caplog.text
    assert sim.requests == []
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], GOOD_INPUT
    )
    result = await finish_user_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_behind_a_captive_portal(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    portal: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A login page answered with HTTP 200 is "cannot connect", not "unknown"."""
    monkeypatch.setenv(ENV_API_URL, portal)
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], GOOD_INPUT
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert "Unexpected" not in caplog.text
    assert sim.requests == []
    assert sim.base_url
    monkeypatch.setenv(ENV_API_URL, sim.base_url)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], GOOD_INPUT
    )
    result = await finish_user_flow(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_add_recipient_behind_a_captive_portal(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    portal: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same for a recipient's key: try again later, in words."""
    monkeypatch.setenv(ENV_API_URL, portal)
    result = await start_recipient_flow(hass, loaded_entry)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Carol", CONF_USER_KEY: DEMO_USER2}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    assert suggested(result, CONF_NAME) == "Carol"


async def test_the_add_button_names_an_application(hass: HomeAssistant) -> None:
    """The integration page's button reads "Add application", not "Add service"."""
    translations = await async_get_translations(hass, "en", "config", [DOMAIN])
    key = f"component.{DOMAIN}.config.initiate_flow.user"
    assert translations[key] == "Add application"


async def test_user_flow_already_configured(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """The same token twice aborts before anything is asked of Pushover."""
    config_entry.add_to_hass(hass)
    result = await start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Again",
            CONF_API_KEY: f" {DEMO_TOKEN} ",
            CONF_USER_KEY: DEMO_USER2,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert sim.requests == []


# ----------------------------------------------------------- reauth, reconfigure


async def test_reauth(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A new token is checked on the wire, replaces the old one and is then used."""
    new_token = random_key()
    sim.add_app(new_token)
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"name": "Home"}
    refused = random_key()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: refused}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    start = len(sim.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: f" {new_token}\n"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.data[CONF_API_KEY] == new_token
    assert loaded_entry.unique_id == token_unique_id(new_token)
    assert loaded_entry.state is ConfigEntryState.LOADED
    # The flow's check, then the reloaded entry: only the new token from now on.
    assert tokens_sent(sim, "/1/sounds.json", start)[0] == new_token
    assert len(tokens_sent(sim, "/1/sounds.json", start)) >= 2
    assert {r["params"].get("token") for r in sim.requests[start:]} == {new_token}


async def test_reauth_token_of_other_entry(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """A token another entry uses is refused; a free one then passes."""
    entry = loaded_entry
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: office_entry.data[CONF_API_KEY]}
    )
    assert result["errors"] == {"base": "already_configured"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: DEMO_TOKEN}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("token_input", [{}, {CONF_API_KEY: ""}, {CONF_API_KEY: "  "}])
async def test_reconfigure_rename_keeps_the_token(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    token_input: dict[str, str],
) -> None:
    """A rename needs no token: the current one is kept and not checked again."""
    start = len(sim.requests)
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    per_reload = len(tokens_sent(sim, "/1/sounds.json", start))
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert isinstance(field(result, CONF_API_KEY), vol.Optional)
    start = len(sim.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Cottage", **token_input}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.title == "Cottage"
    assert loaded_entry.data[CONF_API_KEY] == DEMO_TOKEN
    assert loaded_entry.unique_id == token_unique_id(DEMO_TOKEN)
    assert len(tokens_sent(sim, "/1/sounds.json", start)) == per_reload


async def test_reconfigure_blank_name_keeps_the_title(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A blank name does not blank the entry's title."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "  "}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.title == "Home"


async def test_reconfigure_keeps_the_new_name_after_a_rejected_token(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The form comes back with the name typed; the token is asked again.

    Sent as the form shows it, the rename then happens.
    """
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Cottage", CONF_API_KEY: random_key()}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert suggested(result, CONF_NAME) == "Cottage"
    assert suggested(result, CONF_API_KEY) is None
    shown = {CONF_NAME: suggested(result, CONF_NAME)}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], shown)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.title == "Cottage"
    assert loaded_entry.data[CONF_API_KEY] == DEMO_TOKEN


async def test_reconfigure_new_token(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """A new token is checked; refusals and outages show; then it is used."""
    entry = loaded_entry
    new_token = random_key()
    sim.add_app(new_token)
    result = await entry.start_reconfigure_flow(hass)
    for token, fault, errors in (
        (random_key(), None, {CONF_API_KEY: "invalid_api_key"}),
        (office_entry.data[CONF_API_KEY], None, {"base": "already_configured"}),
        (new_token, ("sounds.json", "503"), {"base": "cannot_connect"}),
    ):
        inject_fault(sim, fault)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_NAME: "Cottage", CONF_API_KEY: token}
        )
        assert result["errors"] == errors
        assert entry.data[CONF_API_KEY] == DEMO_TOKEN
    start = len(sim.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Cottage", CONF_API_KEY: new_token}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.title == "Cottage"
    assert entry.data[CONF_API_KEY] == new_token
    assert entry.unique_id == token_unique_id(new_token)
    assert tokens_sent(sim, "/1/sounds.json", start)[0] == new_token
    assert {r["params"].get("token") for r in sim.requests[start:]} == {new_token}


# -------------------------------------------------------------------- options


async def test_options(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The options offer the account's sounds, custom ones included."""
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    selector = result["data_schema"].schema[CONF_SOUND]
    values = [option["value"] for option in selector.config["options"]]
    assert "doorbell" in values
    assert "user_default" in values
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SOUND: "doorbell",
            CONF_PRIORITY: "high",
            CONF_RETRY: 90,
            CONF_EXPIRE: 600,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        CONF_SOUND: "doorbell",
        CONF_PRIORITY: 1,
        CONF_RETRY: 90,
        CONF_EXPIRE: 600,
    }


async def test_options_form(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Every field shows a value in words; the durations are bounded number boxes.

    Sound and priority are required, so that a cleared dropdown cannot show a
    blank: unset, they read "User's default" and "Normal", what Pushover does
    when it is given none.
    """
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert isinstance(field(result, CONF_SOUND), vol.Required)
    assert isinstance(field(result, CONF_PRIORITY), vol.Required)
    assert suggested(result, CONF_SOUND) == "user_default"
    assert suggested(result, CONF_PRIORITY) == "normal"
    assert result["data_schema"].schema[CONF_SOUND].config["translation_key"] == (
        "sound"
    )
    priority = result["data_schema"].schema[CONF_PRIORITY].config
    assert priority["options"] == ["lowest", "low", "normal", "high", "emergency"]
    assert priority["translation_key"] == "priority"
    for name, default in ((CONF_RETRY, 60), (CONF_EXPIRE, 3600)):
        assert suggested(result, name) == default
        config = result["data_schema"].schema[name].config
        assert {
            k: config[k] for k in ("min", "max", "step", "unit_of_measurement")
        } == {
            "min": 30,
            "max": 10800,
            "step": 1,
            "unit_of_measurement": "seconds",
        }
    descriptions = STRINGS["options"]["step"]["init"]["data_description"]
    assert "Normal is Pushover's own default" in descriptions[CONF_PRIORITY]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SOUND: "user_default", CONF_PRIORITY: "normal", **DURATIONS},
    )
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        CONF_SOUND: "user_default",
        CONF_PRIORITY: 0,
        **DURATIONS,
    }


@pytest.mark.parametrize(
    "options",
    [{CONF_SOUND: "siren", CONF_PRIORITY: -1, CONF_RETRY: 45, CONF_EXPIRE: 90}],
)
async def test_options_suggest_the_current_values(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The form starts from the stored options."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert suggested(result, CONF_SOUND) == "siren"
    assert suggested(result, CONF_PRIORITY) == "low"
    assert suggested(result, CONF_RETRY) == 45
    assert suggested(result, CONF_EXPIRE) == 90


@pytest.mark.parametrize(
    ("durations", "errors"),
    [
        ({CONF_RETRY: 10}, {CONF_RETRY: "retry_out_of_range"}),
        ({CONF_RETRY: 10801}, {CONF_RETRY: "retry_out_of_range"}),
        ({CONF_RETRY: 45.5}, {CONF_RETRY: "retry_out_of_range"}),
        ({CONF_EXPIRE: 29}, {CONF_EXPIRE: "expire_out_of_range"}),
        ({CONF_EXPIRE: 20000}, {CONF_EXPIRE: "expire_out_of_range"}),
        ({CONF_EXPIRE: float("nan")}, {CONF_EXPIRE: "expire_out_of_range"}),
        (
            {CONF_RETRY: 0, CONF_EXPIRE: float("inf")},
            {CONF_RETRY: "retry_out_of_range", CONF_EXPIRE: "expire_out_of_range"},
        ),
    ],
)
async def test_options_durations_out_of_range(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    durations: dict[str, float],
    errors: dict[str, str],
) -> None:
    """Out-of-range durations get translated field errors and store nothing."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    user_input = {CONF_SOUND: "siren", CONF_PRIORITY: "high", **DURATIONS, **durations}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    for key in errors.values():
        assert "10800" in STRINGS["options"]["error"][key]
    assert suggested(result, CONF_PRIORITY) == "high"
    assert suggested(result, CONF_SOUND) == "siren"
    assert loaded_entry.options == {}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**user_input, CONF_RETRY: 30, CONF_EXPIRE: 10800},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options[CONF_RETRY] == 30
    assert loaded_entry.options[CONF_EXPIRE] == 10800


async def test_options_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """Options still offer the account's sounds when the entry is not loaded."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    values = [
        option["value"]
        for option in result["data_schema"].schema[CONF_SOUND].config["options"]
    ]
    assert "bugle" in values
    sim.inject_fault("sounds.json", "503")
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    values = [
        option["value"]
        for option in result["data_schema"].schema[CONF_SOUND].config["options"]
    ]
    assert values == ["user_default"]


# ----------------------------------------------------------------- recipients


async def test_add_recipient_with_devices(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Adding a recipient validates the key and offers its devices."""
    result = await start_recipient_flow(hass, loaded_entry)
    assert result["step_id"] == "user"
    result = await configure_recipient(
        hass,
        result["flow_id"],
        {
            CONF_NAME: "Carol",
            CONF_USER_KEY: DEMO_USER,
            CONF_ENCRYPTION_KEY: KEY_HEX.upper(),
        },
    )
    assert result["step_id"] == "defaults"
    devices = result["data_schema"].schema[CONF_RECIPIENT_DEVICES].config["options"]
    assert devices == ["phone", "tablet"]
    result = await configure_recipient(
        hass,
        result["flow_id"],
        {
            CONF_RECIPIENT_DEVICES: ["tablet"],
            CONF_SOUND: "siren",
            CONF_PRIORITY: "high",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] is None
    await hass.async_block_till_done()
    assert (
        "Carol",
        {
            CONF_USER_KEY: DEMO_USER,
            CONF_RECIPIENT_DEVICES: ["tablet"],
            CONF_SOUND: "siren",
            CONF_PRIORITY: 1,
            CONF_ENCRYPTION_KEY: KEY_HEX,
        },
    ) in recipients_of(loaded_entry)
    assert hass.states.get("notify.carol") is not None


VALIDATE = "users/validate.json"
RECIPIENT_ERRORS = [
    pytest.param(
        {CONF_USER_KEY: "uUnknownUser00000000000000000x"},
        None,
        {CONF_USER_KEY: "invalid_user_key"},
        id="unknown-key",
    ),
    pytest.param(
        {CONF_USER_KEY: "not-a-key"},
        None,
        {CONF_USER_KEY: "invalid_user_key"},
        id="bad-key",
    ),
    pytest.param(
        {CONF_ENCRYPTION_KEY: "zz"},
        None,
        {CONF_ENCRYPTION_KEY: "invalid_encryption_key"},
        id="encryption-key",
    ),
    pytest.param(
        {}, (VALIDATE, "invalid_token"), {"base": "invalid_api_key"}, id="token"
    ),
    pytest.param(
        {}, (VALIDATE, "bad_request"), {CONF_USER_KEY: "invalid_user_key"}, id="400"
    ),
    pytest.param({}, (VALIDATE, "503"), {"base": "cannot_connect"}, id="503"),
    pytest.param({}, (VALIDATE, "drop"), {"base": "cannot_connect"}, id="drop"),
    pytest.param({}, (VALIDATE, "408"), {"base": "cannot_connect"}, id="408"),
    pytest.param(
        {}, (VALIDATE, "missing_field"), {"base": "cannot_connect"}, id="malformed"
    ),
]


@pytest.mark.parametrize(("change", "fault", "errors"), RECIPIENT_ERRORS)
async def test_add_recipient_errors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    change: dict[str, str],
    fault: tuple[str, str] | None,
    errors: dict[str, str],
) -> None:
    """Each refusal or outage shows its error on the key form and adds nothing."""
    before = recipients_of(loaded_entry)
    inject_fault(sim, fault)
    result = await start_recipient_flow(hass, loaded_entry)
    result = await configure_recipient(
        hass,
        result["flow_id"],
        {CONF_NAME: "Carol", CONF_USER_KEY: DEMO_USER2, **change},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert suggested(result, CONF_NAME) == "Carol"
    assert recipients_of(loaded_entry) == before
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Carol", CONF_USER_KEY: DEMO_USER2}
    )
    assert result["step_id"] == "defaults"


async def test_add_group_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A group key is accepted; it has no device list to offer."""
    result = await start_recipient_flow(hass, loaded_entry)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Household", CONF_USER_KEY: DEMO_GROUP}
    )
    assert result["step_id"] == "defaults"
    assert CONF_RECIPIENT_DEVICES not in result["data_schema"].schema
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_SOUND: "default", CONF_PRIORITY: "default"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ("Household", {CONF_USER_KEY: DEMO_GROUP, CONF_RECIPIENT_DEVICES: []}) in (
        recipients_of(loaded_entry)
    )


async def test_add_recipient_without_active_devices(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A key with no active device is added, with a note, for all its devices."""
    sim.add_user(INACTIVE_USER, devices=[])
    result = await start_recipient_flow(hass, loaded_entry)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Dana", CONF_USER_KEY: INACTIVE_USER}
    )
    assert result["step_id"] == "defaults"
    assert CONF_RECIPIENT_DEVICES not in result["data_schema"].schema
    result = await configure_recipient(hass, result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "no_active_devices"
    notes = STRINGS["config_subentries"]["recipient"]["create_entry"]
    assert "active again" in notes["no_active_devices"]
    assert ("Dana", {CONF_USER_KEY: INACTIVE_USER, CONF_RECIPIENT_DEVICES: []}) in (
        recipients_of(loaded_entry)
    )


@pytest.mark.parametrize(
    ("user_key", "chosen"),
    # A group's key has no devices to choose: its form asks nothing.
    [(DEMO_USER, {CONF_RECIPIENT_DEVICES: []}), (DEMO_GROUP, {})],
    ids=["user", "group"],
)
async def test_add_recipient_same_key_and_devices_aborts(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    user_key: str,
    chosen: dict[str, list[str]],
) -> None:
    """A key and device set that a recipient already has aborts; nothing is added."""
    hass.config_entries.async_add_subentry(
        loaded_entry, ConfigSubentry(**recipient("grp", "Household", DEMO_GROUP))
    )
    before = recipients_of(loaded_entry)
    result = await start_recipient_flow(hass, loaded_entry)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Again", CONF_USER_KEY: user_key}
    )
    result = await configure_recipient(hass, result["flow_id"], chosen)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert (
        "same devices"
        in STRINGS["config_subentries"]["recipient"]["abort"]["already_configured"]
    )
    assert recipients_of(loaded_entry) == before


async def test_add_recipient_same_key_other_devices(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The same key with another device set is a recipient of its own."""
    result = await start_recipient_flow(hass, loaded_entry)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Alice's tablet", CONF_USER_KEY: DEMO_USER}
    )
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_RECIPIENT_DEVICES: ["tablet"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    keys = [data[CONF_USER_KEY] for _, data in recipients_of(loaded_entry)]
    assert keys.count(DEMO_USER) == 2


async def test_reconfigure_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A recipient's key, name and defaults can change; its own values are shown."""
    result = await start_recipient_flow(hass, loaded_entry, ALICE)
    assert result["step_id"] == "reconfigure"
    assert suggested(result, CONF_NAME) == "Alice"
    assert suggested(result, CONF_USER_KEY) == DEMO_USER
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Alice B", CONF_USER_KEY: DEMO_USER}
    )
    assert result["step_id"] == "defaults"
    result = await configure_recipient(
        hass,
        result["flow_id"],
        {
            CONF_RECIPIENT_DEVICES: ["phone"],
            CONF_SOUND: "user_default",
            CONF_PRIORITY: "low",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    alice: ConfigSubentry = loaded_entry.subentries[ALICE]
    assert alice.title == "Alice B"
    assert alice.data == {
        CONF_USER_KEY: DEMO_USER,
        CONF_RECIPIENT_DEVICES: ["phone"],
        CONF_SOUND: "user_default",
        CONF_PRIORITY: -1,
    }
    result = await start_recipient_flow(hass, loaded_entry, ALICE)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Alice B", CONF_USER_KEY: DEMO_USER}
    )
    assert field(result, CONF_RECIPIENT_DEVICES).default() == ["phone"]
    assert field(result, CONF_SOUND).default() == "user_default"
    assert field(result, CONF_PRIORITY).default() == "low"


@pytest.mark.parametrize(
    "recipients",
    [
        [
            recipient(ALICE, "Alice", DEMO_USER),
            recipient(BOB, "Bob", DEMO_USER2, sound="siren", encryption_key=KEY_HEX),
        ]
    ],
)
async def test_reconfigure_recipient_errors_then_keeps_its_defaults(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An error keeps the recipient as it was; its sound is offered again."""
    result = await start_recipient_flow(hass, loaded_entry, BOB)
    sim.inject_fault("users/validate.json", "invalid_token")
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Bob", CONF_USER_KEY: DEMO_USER2}
    )
    assert result["errors"] == {"base": "invalid_api_key"}
    assert loaded_entry.subentries[BOB].data[CONF_SOUND] == "siren"
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Bob", CONF_USER_KEY: DEMO_USER2}
    )
    assert field(result, CONF_SOUND).default() == "siren"
    result = await configure_recipient(hass, result["flow_id"], {CONF_SOUND: "siren"})
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.subentries[BOB].data == {
        CONF_USER_KEY: DEMO_USER2,
        CONF_RECIPIENT_DEVICES: [],
        CONF_SOUND: "siren",
    }


async def test_reconfigure_recipient_into_a_duplicate_aborts(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Bob cannot become a second Alice (same key, same devices)."""
    bob = dict(loaded_entry.subentries[BOB].data)
    result = await start_recipient_flow(hass, loaded_entry, BOB)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Bob", CONF_USER_KEY: DEMO_USER}
    )
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_RECIPIENT_DEVICES: []}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert dict(loaded_entry.subentries[BOB].data) == bob
    assert loaded_entry.subentries[BOB].title == "Bob"


async def test_reconfigure_recipient_to_a_key_without_active_devices(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Switching to a key with no active device works, with the same note."""
    sim.add_user(INACTIVE_USER, devices=[])
    result = await start_recipient_flow(hass, loaded_entry, ALICE)
    result = await configure_recipient(
        hass, result["flow_id"], {CONF_NAME: "Alice", CONF_USER_KEY: INACTIVE_USER}
    )
    result = await configure_recipient(hass, result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_no_active_devices"
    assert (
        "active again"
        in STRINGS["config_subentries"]["recipient"]["abort"][
            "reconfigure_no_active_devices"
        ]
    )
    assert loaded_entry.subentries[ALICE].data == {
        CONF_USER_KEY: INACTIVE_USER,
        CONF_RECIPIENT_DEVICES: [],
    }
