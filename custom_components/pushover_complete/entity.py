"""Base entities of Pushover Complete."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .data import PushoverCompleteConfigEntry

MANUFACTURER = "Pushover"
CONFIGURATION_URL = "https://pushover.net/apps"


def application_device(entry: PushoverCompleteConfigEntry) -> DeviceInfo:
    """The service device of the application."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer=MANUFACTURER,
        model="Application",
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=CONFIGURATION_URL,
    )


class PushoverApplicationEntity(Entity):
    """An entity of the application as a whole."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: PushoverCompleteConfigEntry, key: str) -> None:
        """Name and identify the entity from its key."""
        self.entry = entry
        self._attr_translation_key = key
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = application_device(entry)


class PushoverRecipientEntity(Entity):
    """An entity of one recipient (a subentry) on its own device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: PushoverCompleteConfigEntry, subentry: ConfigSubentry
    ) -> None:
        """Put the entity on the recipient's device."""
        self.entry = entry
        self.subentry = subentry
        self._attr_unique_id = subentry.subentry_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
            name=subentry.title,
            manufacturer=MANUFACTURER,
            model="Recipient",
            entry_type=DeviceEntryType.SERVICE,
        )
