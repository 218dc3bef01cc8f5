"""The one place an entry's events fire: on the bus and on its event entity."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import DOMAIN
from .data import signal_event

# The entry's event types; the bus event is ``pushover_complete_<type>``.
ACKNOWLEDGED: Final = "acknowledged"
EXPIRED: Final = "expired"
RESOLVED: Final = "resolved"
ACTION: Final = "action"
EVENT_TYPES: Final = (ACKNOWLEDGED, EXPIRED, RESOLVED, ACTION)


def bus_event(event_type: str) -> str:
    """Return the bus event of an entry event type."""
    return f"{DOMAIN}_{event_type}"


@callback
def async_fire(
    hass: HomeAssistant, entry_id: str, event_type: str, data: dict[str, Any]
) -> None:
    """Fire ``pushover_complete_<event_type>`` and the entry's event entity."""
    hass.bus.async_fire(bus_event(event_type), data)
    async_dispatcher_send(hass, signal_event(entry_id), event_type, dict(data))
