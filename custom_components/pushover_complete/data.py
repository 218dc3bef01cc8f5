"""Runtime data of a Pushover Complete entry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from homeassistant.config_entries import ConfigEntry

from .api import PushoverAPI

if TYPE_CHECKING:
    from .alarms import AlarmManager
    from .coordinator import AccountCoordinator, SoundsCoordinator
    from .emergency import ReceiptTracker
    from .outbox import Outbox
    from .receiver import Receiver


class SentRecorder(Protocol):
    """A notify entity that can record the time it last sent."""

    def async_record_sent(self) -> None:
        """Set the entity's state to now."""


@dataclass(frozen=True, slots=True)
class EntrySettings:
    """What a reload must follow: the options and the recipients."""

    options: tuple[tuple[str, Any], ...]
    # (subentry id, title, data items) per recipient.
    recipients: tuple[tuple[str, str, tuple[tuple[str, Any], ...]], ...]


@dataclass
class PushoverCompleteData:
    """What a loaded entry keeps: client, coordinators, trackers."""

    client: PushoverAPI
    coordinator: AccountCoordinator
    sounds_coordinator: SoundsCoordinator
    receipts: ReceiptTracker
    outbox: Outbox
    alarms: AlarmManager
    settings: EntrySettings
    legacy_services: list[str] = field(default_factory=list)
    notify_entities: dict[str, SentRecorder] = field(default_factory=dict)
    # Open Client devices by subentry id (receiver.py).
    receivers: dict[str, Receiver] = field(default_factory=dict)

    @property
    def sounds(self) -> dict[str, str]:
        """The application's sounds (id → display name), refreshed daily."""
        return self.sounds_coordinator.data

    def async_record_sent(self, entity_ids: Iterable[str | None]) -> None:
        """Record a send on the notify entities it went through."""
        for entity_id in set(entity_ids):
            if entity_id and (entity := self.notify_entities.get(entity_id)):
                entity.async_record_sent()


type PushoverCompleteConfigEntry = ConfigEntry[PushoverCompleteData]


def signal_updated(entry_id: str) -> str:
    """Dispatcher signal: counters of this entry changed."""
    return f"pushover_complete_{entry_id}_updated"


def signal_event(entry_id: str) -> str:
    """Dispatcher signal: an emergency was acknowledged or expired."""
    return f"pushover_complete_{entry_id}_event"
