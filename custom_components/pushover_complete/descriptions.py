"""Action descriptions worded by the translations and filled with what is known.

``send_message``'s description is rewritten to offer the sounds of every
loaded application and the devices of their recipients' accounts (see
:mod:`.account_devices`). Texts come from the translations in Home Assistant's
language, English where a text is missing.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.yaml import load_yaml_dict

from .account_devices import async_start_device_refresh, known_devices
from .const import CONF_RECIPIENT_DEVICES, DOMAIN, SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry

SERVICE_SEND_MESSAGE = "send_message"
TEXT_KEYS = ("name", "description")


@functools.cache
def _send_message_description() -> dict[str, Any]:
    """Read the ``send_message`` description from services.yaml (once)."""
    path = Path(__file__).parent / "services.yaml"
    return dict(load_yaml_dict(str(path))[SERVICE_SEND_MESSAGE])


async def async_service_strings(hass: HomeAssistant, service: str) -> dict[str, str]:
    """Return the texts of one of our actions (``name``, ``fields.x.name``...).

    They are in Home Assistant's language; Home Assistant fills in English
    where that language lacks a text.
    """
    translations = await async_get_translations(
        hass, hass.config.language, "services", [DOMAIN]
    )
    prefix = f"component.{DOMAIN}.services.{service}."
    return {
        key.removeprefix(prefix): text
        for key, text in translations.items()
        if key.startswith(prefix)
    }


def describe(
    description: dict[str, Any], strings: dict[str, str], **placeholders: str
) -> dict[str, Any]:
    """Return a copy of ``description`` worded by ``strings``, placeholders filled."""

    def _text(key: str) -> str:
        text = strings.get(key, "")
        for name, value in placeholders.items():
            text = text.replace(f"{{{name}}}", value)
        return text

    worded = copy.deepcopy(description)
    for key in TEXT_KEYS:
        worded[key] = _text(key)
    for field_name, field in worded["fields"].items():
        for key in TEXT_KEYS:
            field[key] = _text(f"fields.{field_name}.{key}")
    return worded


def _loaded_entries(
    hass: HomeAssistant, starting: PushoverCompleteConfigEntry | None
) -> list[PushoverCompleteConfigEntry]:
    return [
        cast(PushoverCompleteConfigEntry, entry)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED or entry is starting
    ]


def _devices(
    hass: HomeAssistant, entries: list[PushoverCompleteConfigEntry]
) -> list[str]:
    """Return the devices of the recipients: their accounts' and those they keep to."""
    recipients = [
        subentry
        for entry in entries
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
    ]
    kept = {
        str(device)
        for subentry in recipients
        for device in subentry.data.get(CONF_RECIPIENT_DEVICES) or ()
    }
    return sorted(kept | known_devices(hass, recipients))


async def async_update_descriptions(
    hass: HomeAssistant, starting: PushoverCompleteConfigEntry | None = None
) -> None:
    """Suggest the sounds and devices of every loaded application in ``send_message``.

    ``starting`` is an entry being set up: it counts as loaded.
    """
    strings = await async_service_strings(hass, SERVICE_SEND_MESSAGE)
    description = describe(
        await hass.async_add_executor_job(_send_message_description), strings
    )
    entries = _loaded_entries(hass, starting)
    description["fields"]["device"]["selector"]["select"]["options"] = _devices(
        hass, entries
    )
    sounds: dict[str, str] = {}
    for entry in entries:
        sounds.update(entry.runtime_data.sounds)
    if sounds:
        description["fields"]["sound"]["selector"]["select"]["options"] = [
            {"value": sound_id, "label": name}
            for sound_id, name in sorted(sounds.items(), key=lambda item: item[1])
        ]
    async_set_service_schema(hass, DOMAIN, SERVICE_SEND_MESSAGE, description)


async def async_update_sound_suggestions(
    hass: HomeAssistant, starting: PushoverCompleteConfigEntry | None = None
) -> None:
    """Rewrite ``send_message``'s description; a starting entry asks for devices.

    The devices of ``starting``'s recipients are asked for now and daily (see
    :mod:`.account_devices`); the description is rewritten when they change.
    """
    await async_update_descriptions(hass, starting)
    if starting is None:
        return
    entry = starting

    async def _async_devices_changed() -> None:
        await async_update_descriptions(hass, entry)

    async_start_device_refresh(hass, entry, _async_devices_changed)
