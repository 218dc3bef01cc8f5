"""The legacy ``notify.<recipient>`` actions of automations made for the built-in integration.

Their data keys, their names (one per recipient, kept across restarts whatever
order entries load in, see ``legacy_names.py``), their unloading, and their
form's words. Every message goes over real HTTP to the simulator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.pushover_complete.config_flow import token_unique_id
from custom_components.pushover_complete.const import DOMAIN
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator, random_key

from .conftest import recipient

THIRD_USER: Final = "uThirdPersonKey00000000000000x"
STORE_KEY: Final = "pushover_complete.legacy_names"
STRINGS: Final = json.loads(
    (
        Path(__file__).parents[1]
        / "custom_components/pushover_complete/translations/en.json"
    ).read_text(encoding="utf-8")
)
# The names three recipients called "Pushover" get, in the order they first load.
NAMES: Final = [
    "pushover",
    "pushover_complete_pushover",
    "pushover_complete_pushover_2",
]
PEOPLE: Final = [DEMO_USER, DEMO_USER2, THIRD_USER]


async def test_legacy_service_with_builtin_data_keys(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """notify.<recipient> takes the built-in integration's data keys."""
    await hass.services.async_call(
        "notify",
        "alice",
        {"message": "Hello TTL", "data": {"ttl": 900}},
        blocking=True,
    )
    await hass.services.async_call(
        "notify",
        "bob",
        {
            "message": "Hi",
            "title": "T",
            "target": ["laptop"],
            "data": {
                "url": "https://example.org",
                "url_title": "Ex",
                "priority": 1,
                "sound": "siren",
                "html": 1,
                "timestamp": 1_700_000_000,
            },
        },
        blocking=True,
    )
    first, second = sim.messages
    assert first["users"] == [DEMO_USER]
    assert first["ttl"] == "900"
    assert "title" not in first
    assert "device" not in first
    assert second["device"] == "laptop"
    assert (second["priority"], second["sound"], second["html"]) == ("1", "siren", "1")
    assert second["title"] == "T"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"callback_url": "not a url"}, "invalid_data"),
        ({"priority": 7}, "value_out_of_range"),
    ],
)
async def test_legacy_service_bad_data(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad data is a translated error; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify", "alice", {"message": "x", "data": data}, blocking=True
        )
    assert err.value.translation_key == key
    assert sim.messages == []


async def test_legacy_service_refuses_unknown_keys_by_name(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A typo in data (``priorty: 2``) is refused, naming it; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify",
            "alice",
            {"message": "Leak", "data": {"priorty": 2, "sound": "siren", "zz": 1}},
            blocking=True,
        )
    assert err.value.translation_key == "unknown_data_keys"
    assert err.value.translation_placeholders == {"keys": "priorty, zz"}
    assert "priorty, zz" in str(err.value)
    assert sim.messages == []


async def test_legacy_name_taken(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A taken name becomes notify.pushover_complete_<slug>, logged once."""

    async def _other(call: ServiceCall) -> None:
        return None

    hass.services.async_register("notify", "alice", _other)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service("notify", "pushover_complete_alice")
    assert "notify.pushover_complete_alice" in caplog.text
    await hass.services.async_call(
        "notify", "pushover_complete_alice", {"message": "x"}, blocking=True
    )
    assert sim.messages[0]["users"] == [DEMO_USER]


async def test_unload_keeps_other_entries_services(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Unloading one entry leaves the other entry's legacy services."""
    other = office_entry
    assert hass.services.has_service("notify", "carol")
    assert await hass.config_entries.async_unload(other.entry_id)
    assert not hass.services.has_service("notify", "carol")
    assert hass.services.has_service("notify", "alice")
    assert hass.services.has_service("notify", "bob")


def pushover_entry(
    sim: PushoverSimulator, number: int, user_key: str
) -> MockConfigEntry:
    """An application left at the default name, its one recipient too."""
    token = random_key()
    sim.add_app(token)
    return MockConfigEntry(
        domain=DOMAIN,
        title="Pushover",
        data={CONF_API_KEY: token, "webhook_id": f"{number}" * 64},
        unique_id=token_unique_id(token),
        subentries_data=[recipient(f"person{number}", "Pushover", user_key)],
    )


@pytest.fixture
def three(hass: HomeAssistant, sim: PushoverSimulator) -> list[MockConfigEntry]:
    """Three applications named "Pushover", each sending to another person."""
    sim.add_user(THIRD_USER, devices=["phone"])
    return [
        pushover_entry(sim, number, user_key) for number, user_key in enumerate(PEOPLE)
    ]


async def load(hass: HomeAssistant, entries: list[MockConfigEntry]) -> None:
    """Set the entries up one after the other, in this order.

    All of them are configured first, as after a restart.
    """
    assert await async_setup_component(hass, DOMAIN, {})
    for entry in entries:
        entry.add_to_hass(hass)
    for entry in entries:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


async def notify(hass: HomeAssistant, name: str, message: str) -> None:
    """Call a legacy action."""
    await hass.services.async_call("notify", name, {"message": message}, blocking=True)


def received(sim: PushoverSimulator) -> dict[str, str]:
    """Which user got which message."""
    return {msg["message"]: msg["user"] for msg in sim.messages}


async def test_three_entries_of_one_name_reach_their_own_person(
    hass: HomeAssistant, sim: PushoverSimulator, three: list[MockConfigEntry]
) -> None:
    """Each recipient gets an action of its own; unloading one leaves the others."""
    await load(hass, three)
    for name in NAMES:
        await notify(hass, name, name)
    assert received(sim) == dict(zip(NAMES, PEOPLE, strict=True))
    assert await hass.config_entries.async_unload(three[2].entry_id)
    assert not hass.services.has_service("notify", NAMES[2])
    sim.messages.clear()
    for name in NAMES[:2]:
        await notify(hass, name, name)
    assert received(sim) == dict(zip(NAMES[:2], PEOPLE[:2], strict=True))
    assert await hass.config_entries.async_unload(three[0].entry_id)
    assert hass.services.has_service("notify", NAMES[1])
    assert not hass.services.has_service("notify", NAMES[0])


async def test_names_are_stored(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    three: list[MockConfigEntry],
    hass_storage: dict[str, Any],
) -> None:
    """The names given are written down, for the next start."""
    await load(hass, three)
    stored = hass_storage[STORE_KEY]["data"]["names"]
    assert {sid: given["name"] for sid, given in stored.items()} == {
        f"person{number}": name for number, name in enumerate(NAMES)
    }


async def test_names_survive_a_restart_in_any_order(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    three: list[MockConfigEntry],
    hass_storage: dict[str, Any],
) -> None:
    """Loaded the other way round after a restart, each keeps its name."""
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {
            "names": {
                f"person{number}": {
                    "entry_id": entry.entry_id,
                    "slug": "pushover",
                    "name": NAMES[number],
                }
                for number, entry in enumerate(three)
            }
        },
    }
    await load(hass, three[::-1])
    for name in NAMES:
        await notify(hass, name, name)
    assert received(sim) == dict(zip(NAMES, PEOPLE, strict=True))


async def test_a_removed_entry_frees_its_name(
    hass: HomeAssistant, sim: PushoverSimulator, three: list[MockConfigEntry]
) -> None:
    """A name is reserved while its recipient exists, and free again after."""
    await load(hass, three[:2])
    assert await hass.config_entries.async_remove(three[0].entry_id)
    three[2].add_to_hass(hass)
    assert await hass.config_entries.async_setup(three[2].entry_id)
    await hass.async_block_till_done()
    await notify(hass, NAMES[0], "third")
    await notify(hass, NAMES[1], "second")
    assert received(sim) == {"third": THIRD_USER, "second": DEMO_USER2}


async def test_a_renamed_recipient_takes_its_new_name(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """After a rename the action follows the recipient's new title."""
    alice = loaded_entry.subentries["alice_subentry"]
    hass.config_entries.async_update_subentry(loaded_entry, alice, title="Alicia")
    await hass.async_block_till_done()
    assert not hass.services.has_service("notify", "alice")
    await notify(hass, "alicia", "renamed")
    assert received(sim) == {"renamed": DEMO_USER}


async def test_the_form_is_worded_by_the_translations(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Name, description and every field come from translations/en.json."""
    description = (await async_get_all_descriptions(hass))["notify"]["alice"]
    texts = STRINGS["services"]["legacy_notify"]
    assert description["name"] == texts["name"].replace("{recipient}", "Alice")
    assert description["name"] == "Send a Pushover notification to Alice"
    assert "Alice" in description["description"]
    assert description["description"] == texts["description"].replace(
        "{recipient}", "Alice"
    )
    assert set(description["fields"]) == set(texts["fields"])
    for name, field in description["fields"].items():
        assert field["name"] == texts["fields"][name]["name"]
        assert field["description"] == texts["fields"][name]["description"]
