"""Event entity of an Open Client: ``received`` for every message it receives."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SUBENTRY_OPEN_CLIENT
from .data import PushoverCompleteConfigEntry
from .entity import PushoverOpenClientEntity, async_add_per_subentry
from .receiver import signal_received

RECEIVED = "received"


@callback
def async_add_open_client_events(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the ``received`` event entity of each Open Client (also one added later)."""
    async_add_per_subentry(
        hass,
        entry,
        async_add_entities,
        SUBENTRY_OPEN_CLIENT,
        lambda subentry: [PushoverReceivedEvent(entry, subentry)],
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
