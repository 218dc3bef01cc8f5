"""Event entity of the application: acknowledged, expired, resolved, action."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import PushoverCompleteConfigEntry, signal_event
from .entity import EMERGENCY_EVENT_KEY, PushoverApplicationEntity
from .events import ACKNOWLEDGED, ACTION, EXPIRED, RESOLVED
from .open_client_event import async_add_open_client_events

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the application's emergency event entity and each device's."""
    async_add_entities([PushoverEmergencyEvent(entry, EMERGENCY_EVENT_KEY)])
    async_add_open_client_events(hass, entry, async_add_entities)


class PushoverEmergencyEvent(PushoverApplicationEntity, EventEntity):
    """Fires what the entry's bus events say (``events.py``), with the same data."""

    _attr_event_types = [ACKNOWLEDGED, EXPIRED, RESOLVED, ACTION]  # noqa: RUF012 (HA pattern)

    async def async_added_to_hass(self) -> None:
        """Listen for the receipt tracker's events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_event(self.entry.entry_id), self._async_fire
            )
        )

    @callback
    def _async_fire(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(event_type, data)
        self.async_write_ha_state()
