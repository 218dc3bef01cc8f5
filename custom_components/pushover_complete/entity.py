"""Base entities of Pushover Complete."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_EMAIL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .data import PushoverCompleteConfigEntry
from .subentries import signal_subentry_added

MANUFACTURER = "Pushover"
CONFIGURATION_URL = "https://pushover.net/apps"
NOTIFY_KEY = "notify"
# The key of the application's event entity that fires what alarms and links do.
EMERGENCY_EVENT_KEY = "emergency"


def application_unique_id(entry_id: str, key: str) -> str:
    """Return the unique id of an entity of the application as a whole."""
    return f"{entry_id}_{key}"


@callback
def async_emergency_event_id(hass: HomeAssistant, entry_id: str) -> str | None:
    """Return the entity id of an entry's emergency event entity, if registered."""
    return er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, application_unique_id(entry_id, EMERGENCY_EVENT_KEY)
    )


def recipient_unique_id(entry_id: str, subentry_id: str, key: str) -> str:
    """Return the unique id of a subentry's entity: room for several per subentry."""
    return f"{entry_id}_{subentry_id}_{key}"


@callback
def async_migrate_unique_ids(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Move notify entities from ``{subentry}`` to ``{entry}_{subentry}_notify``."""

    registry = er.async_get(hass)
    for reg in er.async_entries_for_config_entry(registry, entry.entry_id):
        if reg.domain == "notify" and reg.unique_id in entry.subentries:
            registry.async_update_entity(
                reg.entity_id,
                new_unique_id=recipient_unique_id(
                    entry.entry_id, reg.unique_id, NOTIFY_KEY
                ),
            )


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
        self._attr_unique_id = application_unique_id(entry.entry_id, key)
        self._attr_device_info = application_device(entry)


class PushoverRecipientEntity(Entity):
    """An entity of one recipient (a subentry) on its own device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    # Tells this entity from the subentry's others in the unique id.
    unique_key: str
    # What the subentry's device is, shown as its model.
    device_model = "Recipient"

    def __init__(
        self, entry: PushoverCompleteConfigEntry, subentry: ConfigSubentry
    ) -> None:
        """Put the entity on the recipient's device."""
        self.entry = entry
        self.subentry = subentry
        self._attr_unique_id = recipient_unique_id(
            entry.entry_id, subentry.subentry_id, self.unique_key
        )
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}")},
            name=subentry.title,
            manufacturer=MANUFACTURER,
            model=self.device_model,
            entry_type=DeviceEntryType.SERVICE,
        )


def open_client_model(email: str | None) -> str:
    """Say what an Open Client's device does, and for which account if known."""
    return f"Receives messages for {email}" if email else "Receives messages"


class PushoverOpenClientEntity(PushoverRecipientEntity):
    """An entity of one Open Client (a device subentry) on the device it names.

    The device is named like the Pushover device; its model says that it
    receives the account's messages, naming the account's e-mail address
    (stored at login; never a key).
    """

    def __init__(
        self, entry: PushoverCompleteConfigEntry, subentry: ConfigSubentry
    ) -> None:
        """Put the entity on the Open Client's device."""
        self.device_model = open_client_model(subentry.data.get(CONF_EMAIL))
        super().__init__(entry, subentry)


@callback
def async_add_per_subentry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    subentry_type: str,
    build: Callable[[ConfigSubentry], list[Entity]],
) -> None:
    """Add a platform's entities of each subentry of a type, now and as they join."""

    @callback
    def _add(subentry: ConfigSubentry) -> None:
        if subentry.subentry_type == subentry_type:
            async_add_entities(build(subentry), config_subentry_id=subentry.subentry_id)

    for subentry in list(entry.subentries.values()):
        _add(subentry)
    entry.async_on_unload(
        async_dispatcher_connect(hass, signal_subentry_added(entry.entry_id), _add)
    )
