"""Account actions: groups, subscriptions, licenses, glances, validation."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pushover_simulator import (
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)


async def call(
    hass: HomeAssistant, entry: MockConfigEntry, action: str, **data: Any
) -> Any:
    """Call an action of this integration for ``entry``."""
    return await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=hass.services.supports_response(DOMAIN, action) != "none",
    )


async def test_group_lifecycle(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Create, list, add, disable, enable, rename, remove."""
    created = await call(hass, loaded_entry, "group_create", name="Babysitters")
    key = created["group_key"]
    assert sim.groups[key].name == "Babysitters"
    listed = await call(hass, loaded_entry, "group_list")
    assert {"group_key": key, "name": "Babysitters"} in listed["groups"]
    assert {"group_key": DEMO_GROUP, "name": "Household"} in listed["groups"]

    await call(
        hass,
        loaded_entry,
        "group_add_user",
        group_key=key,
        user_key=DEMO_USER,
        device="phone",
        memo="weekend",
    )
    info = await call(hass, loaded_entry, "group_info", group_key=key)
    assert info == {
        "name": "Babysitters",
        "users": [
            {
                "user_key": DEMO_USER,
                "device": "phone",
                "memo": "weekend",
                "disabled": False,
            }
        ],
    }
    await call(
        hass,
        loaded_entry,
        "group_disable_user",
        group_key=key,
        user_key=DEMO_USER,
        device="phone",
    )
    info = await call(hass, loaded_entry, "group_info", group_key=key)
    assert info["users"][0]["disabled"] is True
    await call(
        hass,
        loaded_entry,
        "group_enable_user",
        group_key=key,
        user_key=DEMO_USER,
        device="phone",
    )
    info = await call(hass, loaded_entry, "group_info", group_key=key)
    assert info["users"][0]["disabled"] is False
    await call(hass, loaded_entry, "group_rename", group_key=key, name="Sitters")
    assert sim.groups[key].name == "Sitters"
    await call(
        hass,
        loaded_entry,
        "group_remove_user",
        group_key=key,
        user_key=DEMO_USER,
        device="phone",
    )
    info = await call(hass, loaded_entry, "group_info", group_key=key)
    assert info["users"] == []
    posts = [r for r in sim.requests if "remove_user" in r["path"]]
    assert posts[0]["params"]["device"] == "phone"


@pytest.mark.parametrize(
    ("action", "data", "words"),
    [
        (
            "group_add_user",
            {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
            "already a member",
        ),
        (
            "group_remove_user",
            {"group_key": DEMO_GROUP, "user_key": random_key()},
            "not a member",
        ),
        ("group_info", {"group_key": random_key()}, "group not found"),
        (
            "migrate_to_subscription",
            {"user_key": DEMO_USER, "subscription_code": "nope"},
            "subscription code is invalid",
        ),
    ],
)
async def test_pushover_refusals_carry_its_words(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    action: str,
    data: dict[str, Any],
    words: str,
) -> None:
    """Pushover's 4xx answers are errors with Pushover's own text."""
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, loaded_entry, action, **data)
    assert err.value.translation_key == "pushover_error"
    assert words in str(err.value)


async def test_subscription_migration(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A user key becomes a subscribed key."""
    result = await call(
        hass,
        loaded_entry,
        "migrate_to_subscription",
        user_key=DEMO_USER,
        subscription_code=DEMO_SUBSCRIPTION,
        device="phone",
        sound="bike",
    )
    key = result["subscribed_user_key"]
    assert len(key) == 30 and key != DEMO_USER
    params = next(r for r in sim.requests if "migrate" in r["path"])["params"]
    assert (params["device_name"], params["sound"]) == ("phone", "bike")


async def test_assign_license(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Licenses go to a user key or an e-mail, spending credits."""
    sim.set_license_credits(2)
    first = await call(
        hass, loaded_entry, "assign_license", user_key=DEMO_USER, os="iOS"
    )
    second = await call(
        hass, loaded_entry, "assign_license", email="sitter@example.org"
    )
    assert (first["credits"], second["credits"]) == (1, 0)
    assert sim.license_assignments[-1]["email"] == "sitter@example.org"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, loaded_entry, "assign_license", user_key=DEMO_USER2)
    assert "license credits" in str(err.value)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, loaded_entry, "assign_license")
    assert err.value.translation_key == "user_key_or_email"


async def test_send_glance(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Glance fields reach Pushover; an empty glance is refused."""
    await call(
        hass,
        loaded_entry,
        "send_glance",
        user_key=DEMO_USER,
        title="Solar",
        text="3.2 kW",
        subtext="today 12 kWh",
        count=12,
        percent=64,
    )
    glance = sim.glances[(DEMO_USER, "")]
    assert glance["text"] == "3.2 kW"
    assert glance["percent"] == "64"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, loaded_entry, "send_glance", user_key=DEMO_USER)
    assert err.value.translation_key == "invalid_field"


async def test_validate_user(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A rejected key is an answer, not an error."""
    valid = await call(hass, loaded_entry, "validate_user", user_key=DEMO_USER)
    assert valid == {
        "valid": True,
        "group": False,
        "devices": ["phone", "tablet"],
        "licenses": ["Android", "iOS"],
    }
    group = await call(hass, loaded_entry, "validate_user", user_key=DEMO_GROUP)
    assert group["group"] is True
    invalid = await call(hass, loaded_entry, "validate_user", user_key=random_key())
    assert invalid["valid"] is False
    assert "invalid" in invalid["reason"]
    malformed = await call(hass, loaded_entry, "validate_user", user_key="abc")
    assert malformed["valid"] is False


async def test_network_failure_is_an_error(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Account actions are not queued: a network failure is an error."""
    sim.inject_fault("groups.json", "503")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, loaded_entry, "group_list")
    assert err.value.translation_key == "cannot_connect"


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("cancel_emergency", {}),
        ("cancel_emergency", {"receipt": "r" * 30, "tag": "leak"}),
        ("cancel_emergency", {"alarm_id": "a", "key": "leak"}),
        ("resolve_alarm", {}),
        ("resolve_alarm", {"key": "leak", "tag": "leak"}),
    ],
)
async def test_end_actions_need_exactly_one_selector(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    action: str,
    fields: dict[str, str],
) -> None:
    """cancel_emergency and resolve_alarm take exactly one of their selectors."""
    before = len(sim.requests)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, loaded_entry, action, **fields)
    assert err.value.translation_key == "one_selector"
    assert len(sim.requests) == before


async def test_entry_must_exist_and_be_loaded(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Unknown or unloaded entries are refused clearly."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "group_list",
            {"config_entry_id": "nope"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "entry_not_found"
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, loaded_entry, "group_list")
    assert err.value.translation_key == "entry_not_loaded"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "config_entry_id": loaded_entry.entry_id,
                "user_key": DEMO_USER,
                "message": "x",
            },
            blocking=True,
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_target_must_be_our_notify_entity(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Only this integration's notify entities are targets."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": "sensor.home_queued_messages", "message": "x"},
            blocking=True,
        )
    assert err.value.translation_key == "invalid_target"


async def test_validate_user_rejected_token_is_an_error(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A rejected token is an error for validate_user, not an invalid key."""
    del sim.apps[DEMO_TOKEN]
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, loaded_entry, "validate_user", user_key=DEMO_USER)
    assert err.value.translation_key == "token_rejected"
    assert "application token is invalid" in str(err.value)
    assert loaded_entry.async_get_active_flows(hass, {"reauth"})
