"""The config flow, reauth, reconfigure, options and recipient subentries."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import (
    CONF_DEVICES,
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from custom_components.pushover_complete.helpers import token_unique_id
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigSubentry
from homeassistant.const import CONF_API_KEY, CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pushover_simulator import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)

from .conftest import ALICE

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


async def test_user_flow_creates_entry_and_first_recipient(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """A valid token and key make an entry titled by name, plus a recipient."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Family", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Family"
    entry = result["result"]
    assert entry.data[CONF_API_KEY] == DEMO_TOKEN
    assert len(entry.data["webhook_id"]) >= 32
    assert entry.unique_id == token_unique_id(DEMO_TOKEN)
    assert DEMO_TOKEN not in entry.unique_id
    subentries = list(entry.subentries.values())
    assert [(s.title, s.subentry_type) for s in subentries] == [
        ("Family", SUBENTRY_RECIPIENT)
    ]
    assert subentries[0].data == {CONF_USER_KEY: DEMO_USER, CONF_DEVICES: []}
    paths = [r["path"] for r in sim.requests]
    assert "/1/sounds.json" in paths
    assert "/1/users/validate.json" in paths


@pytest.mark.parametrize(
    ("token", "user_key", "fault", "errors"),
    [
        (random_key(), DEMO_USER, None, {CONF_API_KEY: "invalid_api_key"}),
        ("short", DEMO_USER, None, {CONF_API_KEY: "invalid_api_key"}),
        (DEMO_TOKEN, random_key(), None, {CONF_USER_KEY: "invalid_user_key"}),
        (DEMO_TOKEN, "not-a-key", None, {CONF_USER_KEY: "invalid_user_key"}),
        (DEMO_TOKEN, DEMO_USER, "sounds.json", {"base": "cannot_connect"}),
        (DEMO_TOKEN, DEMO_USER, "validate.json", {"base": "cannot_connect"}),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    token: str,
    user_key: str,
    fault: str | None,
    errors: dict[str, str],
) -> None:
    """Each failure shows its error; correct input then succeeds."""
    if fault:
        sim.inject_fault(fault, "503")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Pushover", CONF_API_KEY: token, CONF_USER_KEY: user_key},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Pushover", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_token_rejected_at_validate(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """A token refused while validating the key is a token error."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(
        "custom_components.pushover_complete.api.PushoverAPI.get_sounds",
        return_value={"pushover": "Pushover"},
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: "P", CONF_API_KEY: random_key(), CONF_USER_KEY: DEMO_USER},
        )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}


async def test_user_flow_bad_request_on_sounds(
    hass: HomeAssistant, sim: PushoverSimulator
) -> None:
    """Any other refusal of the token is shown as a token error."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    sim.set_quota(limit=10, remaining=0)
    with patch(
        "custom_components.pushover_complete.api.PushoverAPI.get_sounds",
        side_effect=__import__(
            "custom_components.pushover_complete.api", fromlist=["x"]
        ).BadAPIRequestError(400, ["something odd"]),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: "P", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
        )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}


@pytest.mark.parametrize("method", ["get_sounds", "validate"])
async def test_user_flow_unknown_error(
    hass: HomeAssistant, sim: PushoverSimulator, method: str
) -> None:
    """An unexpected exception is logged and shown as unknown."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(
        f"custom_components.pushover_complete.api.PushoverAPI.{method}",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_NAME: "P", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_already_configured(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """The same token twice aborts."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Again", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER2},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A new token replaces the old one and the unique id follows it."""
    new_token = random_key()
    sim.add_app(new_token)
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: random_key()}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: new_token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.data[CONF_API_KEY] == new_token
    assert loaded_entry.unique_id == token_unique_id(new_token)


async def test_reauth_token_of_other_entry(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A token another entry uses is refused."""
    other_token = random_key()
    MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: other_token, "webhook_id": "x"},
        unique_id=token_unique_id(other_token),
    ).add_to_hass(hass)
    result = await loaded_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: other_token}
    )
    assert result["errors"] == {"base": "already_configured"}


async def test_reconfigure(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Name and token can change without removing the entry."""
    new_token = random_key()
    sim.add_app(new_token)
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    sim.inject_fault("sounds.json", "503")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Cottage", CONF_API_KEY: new_token}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Cottage", CONF_API_KEY: new_token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.title == "Cottage"
    assert loaded_entry.data[CONF_API_KEY] == new_token


async def test_options(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The options offer the account's sounds, custom ones included."""
    sim.add_sound(DEMO_TOKEN, "doorbell", "Door bell")
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    sound_field = next(key for key in result["data_schema"].schema if key == CONF_SOUND)
    selector = result["data_schema"].schema[sound_field]
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
    assert loaded_entry.options == {
        CONF_SOUND: "doorbell",
        CONF_PRIORITY: 1,
        CONF_RETRY: 90,
        CONF_EXPIRE: 600,
    }


async def test_add_recipient_with_devices(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Adding a recipient validates the key and offers its devices."""
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Carol", CONF_USER_KEY: random_key()},
    )
    assert result["errors"] == {CONF_USER_KEY: "invalid_user_key"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Carol", CONF_USER_KEY: DEMO_USER, CONF_ENCRYPTION_KEY: "zz"},
    )
    assert result["errors"] == {CONF_ENCRYPTION_KEY: "invalid_encryption_key"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Carol", CONF_USER_KEY: DEMO_USER, CONF_ENCRYPTION_KEY: KEY_HEX},
    )
    assert result["step_id"] == "defaults"
    devices = result["data_schema"].schema[CONF_DEVICES].config["options"]
    assert devices == ["phone", "tablet"]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_DEVICES: ["tablet"], CONF_SOUND: "siren", CONF_PRIORITY: "high"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    carol = next(s for s in loaded_entry.subentries.values() if s.title == "Carol")
    assert carol.data == {
        CONF_USER_KEY: DEMO_USER,
        CONF_DEVICES: ["tablet"],
        CONF_SOUND: "siren",
        CONF_PRIORITY: 1,
        CONF_ENCRYPTION_KEY: KEY_HEX,
    }
    assert hass.states.get("notify.carol") is not None


async def test_add_group_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A group key is accepted; it has no device list to offer."""
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Household", CONF_USER_KEY: DEMO_GROUP}
    )
    assert result["step_id"] == "defaults"
    assert CONF_DEVICES not in result["data_schema"].schema
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_SOUND: "user_default", CONF_PRIORITY: "default"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    group = next(s for s in loaded_entry.subentries.values() if s.title == "Household")
    assert group.data == {CONF_USER_KEY: DEMO_GROUP, CONF_DEVICES: []}


async def test_reconfigure_recipient(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A recipient's key, name and defaults can change."""
    result = await hass.config_entries.subentries.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": ALICE},
    )
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Alice B", CONF_USER_KEY: DEMO_USER}
    )
    assert result["step_id"] == "defaults"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_DEVICES: ["phone"], CONF_SOUND: "user_default", CONF_PRIORITY: "low"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    alice: ConfigSubentry = loaded_entry.subentries[ALICE]
    assert alice.title == "Alice B"
    assert alice.data == {
        CONF_USER_KEY: DEMO_USER,
        CONF_DEVICES: ["phone"],
        CONF_PRIORITY: -1,
    }


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
