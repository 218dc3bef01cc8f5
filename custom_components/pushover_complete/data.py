"""Runtime data of a Pushover Complete entry, and the signals its parts send."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import PushoverAPI

if TYPE_CHECKING:
    from .action_links import ActionLinks
    from .alarms import AlarmOwner
    from .coordinator import AccountCoordinator, SoundsCoordinator
    from .dispatch import Dispatcher
    from .legacy import LegacyActions
    from .outbox import Outbox
    from .receiver import Receivers
    from .refusals import RefusalGuard
    from .webhook import EntryWebhook


@dataclass(frozen=True, slots=True)
class PushoverCompleteData:
    """What a loaded entry keeps, built whole in ``async_setup_entry``."""

    client: PushoverAPI
    coordinator: AccountCoordinator
    sounds_coordinator: SoundsCoordinator
    guard: RefusalGuard
    outbox: Outbox
    alarms: AlarmOwner
    dispatcher: Dispatcher
    webhook: EntryWebhook
    links: ActionLinks
    # The Open Clients (this Home Assistant as a Pushover device).
    receivers: Receivers
    # The legacy ``notify.<name>`` actions of the recipients.
    legacy: LegacyActions
    # The options the entry was set up with (2025.4 reloads when they change).
    options: dict[str, Any]

    @property
    def sounds(self) -> dict[str, str]:
        """The application's sounds (id → display name), refreshed daily."""
        return self.sounds_coordinator.data


type PushoverCompleteConfigEntry = ConfigEntry[PushoverCompleteData]


def signal_updated(entry_id: str) -> str:
    """Dispatcher signal: counters of this entry changed."""
    return f"pushover_complete_{entry_id}_updated"


def signal_event(entry_id: str) -> str:
    """Dispatcher signal: an event of the entry fired (its event entity follows)."""
    return f"pushover_complete_{entry_id}_event"


def signal_sent(entity_id: str) -> str:
    """Dispatcher signal: a message went out through this notify entity."""
    return f"pushover_complete_sent_{entity_id}"


@callback
def async_record_sent(hass: HomeAssistant, entity_ids: Iterable[str | None]) -> None:
    """Tell notify entities that a message went out through them."""
    for entity_id in set(entity_ids):
        if entity_id:
            async_dispatcher_send(hass, signal_sent(entity_id))
