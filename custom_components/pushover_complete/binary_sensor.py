"""Binary sensor: is an Open Client's push connection up."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import BinarySensorDeviceClass, BinarySensorEntity
from .const import SUBENTRY_OPEN_CLIENT
from .data import PushoverCompleteConfigEntry
from .entity import PushoverOpenClientEntity, async_add_per_subentry
from .receiver import Receiver, signal_connection

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a connectivity sensor for each Open Client (also one added later)."""
    receivers = entry.runtime_data.receivers
    async_add_per_subentry(
        hass,
        entry,
        async_add_entities,
        SUBENTRY_OPEN_CLIENT,
        lambda subentry: [
            PushoverConnectionSensor(
                entry, subentry, receiver=receivers.receiver(subentry)
            )
        ],
    )


class PushoverConnectionSensor(PushoverOpenClientEntity, BinarySensorEntity):
    """On while the Open Client's push connection to Pushover is up."""

    unique_key = "push_connection"
    _attr_translation_key = "push_connection"
    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(
        self,
        entry: PushoverCompleteConfigEntry,
        subentry: ConfigSubentry,
        *,
        receiver: Receiver,
    ) -> None:
        """Follow the Open Client's receiver."""
        super().__init__(entry, subentry)
        self._receiver = receiver

    @property
    def is_on(self) -> bool:
        """Return whether the push connection is up."""
        return self._receiver.connected

    async def async_added_to_hass(self) -> None:
        """Write the state whenever the connection goes up or down."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_connection(self.entry.entry_id, self.subentry.subentry_id),
                self.async_write_ha_state,
            )
        )
