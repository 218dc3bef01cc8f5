"""Event entity of an Open Client: ``received`` for every message it receives."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import PushoverCompleteConfigEntry
from .entity import PushoverOpenClientEntity
from .receiver import signal_received

RECEIVED = "received"


@callback
def async_add_open_client_events(
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the ``received`` event entity of each Open Client."""
    for subentry_id, receiver in entry.runtime_data.receivers.items():
        async_add_entities(
            [PushoverReceivedEvent(entry, receiver.subentry)],
            config_subentry_id=subentry_id,
        )


class PushoverReceivedEvent(PushoverOpenClientEntity, EventEntity):
    """Fires ``received`` with the data of ``pushover_complete_message_received``."""

    unique_key = RECEIVED
    _attr_translation_key = RECEIVED
    _attr_event_types = [RECEIVED]  # noqa: RUF012 (HA pattern)

    async def async_added_to_hass(self) -> None:
        """Listen for the Open Client's messages."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_received(self.entry.entry_id, self.subentry.subentry_id),
                self._async_fire,
            )
        )

    @callback
    def _async_fire(self, data: dict[str, Any]) -> None:
        self._trigger_event(RECEIVED, data)
        self.async_write_ha_state()
