"""The ``send_message`` description, rewritten to offer the account's sounds."""

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

from .const import CONF_DEVICES, DOMAIN, SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry

SERVICE_SEND_MESSAGE = "send_message"


@functools.cache
def _send_message_description() -> dict[str, Any]:
    """Read the ``send_message`` description from services.yaml (once)."""
    path = Path(__file__).parent / "services.yaml"
    return dict(load_yaml_dict(str(path))[SERVICE_SEND_MESSAGE])


async def _async_translated(hass: HomeAssistant) -> dict[str, Any]:
    """Return a copy of the description with its English names filled in."""
    description = copy.deepcopy(
        await hass.async_add_executor_job(_send_message_description)
    )
    translations = await async_get_translations(hass, "en", "services", [DOMAIN])
    prefix = f"component.{DOMAIN}.services.{SERVICE_SEND_MESSAGE}"
    description["name"] = translations.get(f"{prefix}.name", SERVICE_SEND_MESSAGE)
    description["description"] = translations.get(f"{prefix}.description", "")
    for field_name, field in description["fields"].items():
        for key in ("name", "description"):
            field[key] = translations.get(f"{prefix}.fields.{field_name}.{key}", "")
    return description


def _loaded_entries(
    hass: HomeAssistant, starting: PushoverCompleteConfigEntry | None
) -> list[PushoverCompleteConfigEntry]:
    return [
        cast(PushoverCompleteConfigEntry, entry)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED or entry is starting
    ]


def _devices(entries: list[PushoverCompleteConfigEntry]) -> list[str]:
    """Return the device names the recipients of ``entries`` are set up with."""
    return sorted(
        {
            str(device)
            for entry in entries
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_RECIPIENT
            for device in subentry.data.get(CONF_DEVICES) or ()
        }
    )


async def async_update_sound_suggestions(
    hass: HomeAssistant, starting: PushoverCompleteConfigEntry | None = None
) -> None:
    """Suggest the sounds and devices of every loaded application in ``send_message``."""
    description = await _async_translated(hass)
    entries = _loaded_entries(hass, starting)
    description["fields"]["device"]["selector"]["select"]["options"] = _devices(entries)
    sounds: dict[str, str] = {}
    for entry in entries:
        sounds.update(entry.runtime_data.sounds)
    if sounds:
        select = description["fields"]["sound"]["selector"]["select"]
        select.pop("translation_key", None)
        select["options"] = [
            {"value": sound_id, "label": name}
            for sound_id, name in sorted(sounds.items(), key=lambda item: item[1])
        ]
    async_set_service_schema(hass, DOMAIN, SERVICE_SEND_MESSAGE, description)
