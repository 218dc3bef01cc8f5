"""The action forms: words from the translations, sounds and devices of the accounts.

The send_message description offers every loaded application's sounds and the
devices of the recipients' accounts (as users/validate.json tells, asked at
most daily); its texts, and the legacy action's, are in Home Assistant's
language.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import translation
from homeassistant.helpers.service import async_get_all_descriptions
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import ALICE, BOB, recipient
from .helpers import fire_later

SERVICES_YAML: Final = yaml.safe_load(
    (
        Path(__file__).parents[1] / "custom_components/pushover_complete/services.yaml"
    ).read_text(encoding="utf-8")
)
# A few German words, as a translations/de.json would hold them.
GERMAN: Final = {
    "services": {
        "send_message": {
            "name": "Nachricht senden",
            "fields": {"message": {"name": "Nachricht"}},
        },
        "legacy_notify": {
            "name": "Pushover-Nachricht an {recipient} senden",
            "fields": {"message": {"name": "Nachricht"}},
        },
    }
}


async def fields_of(hass: HomeAssistant, action: str = "send_message") -> Any:
    """Return the fields of one of our actions as the action form gets them."""
    return (await async_get_all_descriptions(hass))[DOMAIN][action]["fields"]


def validated(sim: PushoverSimulator) -> list[str]:
    """Return the user key of each users/validate.json request, in order."""
    return [
        request["params"]["user"]
        for request in sim.requests
        if request["path"].endswith("/users/validate.json")
    ]


async def test_devices_and_sounds_suggested(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """The device field suggests the recipients' devices; sound the app's sounds."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        data=dict(config_entry.data),
        unique_id=config_entry.unique_id,
        subentries_data=[
            recipient(ALICE, "Alice", DEMO_USER, devices=["tablet", "phone"]),
            recipient(BOB, "Bob", DEMO_USER2, devices=["laptop"]),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    fields = (await async_get_all_descriptions(hass))[DOMAIN]["send_message"]["fields"]
    device = fields["device"]["selector"]["select"]
    assert device["options"] == ["laptop", "phone", "tablet"]
    assert device["multiple"] is True
    assert device["custom_value"] is True
    sounds = {
        option["value"] for option in fields["sound"]["selector"]["select"]["options"]
    }
    assert {"pushover", "siren"} <= sounds
    assert fields["priority"]["selector"]["select"]["options"] == [
        "lowest",
        "low",
        "normal",
        "high",
        "emergency",
    ]
    assert "default" not in fields["html"]
    assert "default" not in fields["monospace"]


async def test_form_priority_names_reach_the_wire(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The action form sends a priority by name; Pushover gets the number."""
    for name in ("lowest", "high", "-1"):
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": "notify.alice", "message": name, "priority": name},
            blocking=True,
        )
    assert [m["priority"] for m in sim.messages] == ["-2", "1", "-1"]


async def test_devices_of_the_recipients_accounts_suggested(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Recipients kept to no device: their accounts' devices are suggested."""
    fields = await fields_of(hass)
    assert fields["device"]["selector"]["select"]["options"] == [
        "laptop",
        "phone",
        "tablet",
    ]
    assert sorted(validated(sim)) == sorted([DEMO_USER, DEMO_USER2])


async def next_day(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Move the clock a day on; wait for the daily questions."""
    freezer.tick(timedelta(days=1, seconds=1))
    await fire_later(hass)


async def test_devices_are_asked_at_most_daily(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload asks nothing again; a day later a new device shows up."""
    asked = len(validated(sim))
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert len(validated(sim)) == asked
    sim.users[DEMO_USER2].devices.append("watch")
    await next_day(hass, freezer)
    assert len(validated(sim)) == asked + 2
    options = (await fields_of(hass))["device"]["selector"]["select"]["options"]
    assert options == ["laptop", "phone", "tablet", "watch"]


async def test_devices_kept_when_pushover_cannot_say(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failed daily question keeps what was known; no device is an answer."""
    sim.inject_fault("users/validate.json", "503", count=2)
    await next_day(hass, freezer)
    options = (await fields_of(hass))["device"]["selector"]["select"]["options"]
    assert options == ["laptop", "phone", "tablet"]
    sim.users[DEMO_USER2].devices.clear()
    await next_day(hass, freezer)
    options = (await fields_of(hass))["device"]["selector"]["select"]["options"]
    assert options == ["phone", "tablet"]


@pytest.mark.parametrize("action", ["send_message", "send_alarm"])
async def test_media_is_picked_without_a_media_player(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    action: str,
) -> None:
    """The media field browses images; it never takes a target as its player."""
    media = (await fields_of(hass, action))["media"]["selector"]["media"]
    assert media["accept"] == ["image/*"]


async def test_sounds_are_a_dropdown_with_labels(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Picked, a sound keeps its label: a dropdown, not a free text box."""
    sound = (await fields_of(hass))["sound"]["selector"]["select"]
    assert "custom_value" not in sound
    assert sound["translation_key"] == "sound"
    assert {"value": "pianobar", "label": "Piano Bar"} in sound["options"]
    for action, spec in SERVICES_YAML.items():
        select = spec.get("fields", {}).get("sound", {}).get("selector", {})
        assert "custom_value" not in select.get("select", {}), action


def test_alarm_steps_show_their_delays() -> None:
    """The steps list shows each step's delay under its targets, in words."""
    steps = SERVICES_YAML["send_alarm"]["fields"]["steps"]["selector"]["object"]
    assert (steps["label_field"], steps["description_field"]) == ("targets", "after")
    assert steps["translation_key"] == "alarm_step"
    assert steps["fields"]["after"]["selector"]["number"]["unit_of_measurement"] == "s"


@pytest.fixture
def german(
    hass: HomeAssistant,
    disable_translations_once: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Home Assistant in German, with a few German words for this integration."""
    load = translation._load_translations_files_by_language

    def with_german(files: dict[str, dict[str, Path]]) -> dict[str, dict[str, Any]]:
        loaded = load(files)
        if DOMAIN in files.get("de", {}):
            loaded["de"][DOMAIN] = GERMAN
        return loaded

    monkeypatch.setattr(
        translation, "_load_translations_files_by_language", with_german
    )
    hass.config.language = "de"
    yield


async def test_forms_speak_the_configured_language(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    german: None,
    loaded_entry: MockConfigEntry,
) -> None:
    """German where German is known, English for the rest."""
    descriptions = await async_get_all_descriptions(hass)
    send = descriptions[DOMAIN]["send_message"]
    assert send["name"] == "Nachricht senden"
    assert send["fields"]["message"]["name"] == "Nachricht"
    assert send["fields"]["title"]["name"] == "Title"
    legacy = descriptions["notify"]["alice"]
    assert legacy["name"] == "Pushover-Nachricht an Alice senden"
    assert legacy["fields"]["message"]["name"] == "Nachricht"
    assert legacy["fields"]["title"]["name"] == "Title"
