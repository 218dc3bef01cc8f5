"""Runtime data of a Pushover Complete entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api import PushoverAPI

if TYPE_CHECKING:
    from .coordinator import LimitsCoordinator
    from .emergency import ReceiptTracker
    from .outbox import Outbox


@dataclass
class PushoverCompleteData:
    """What a loaded entry keeps: client, sounds, trackers."""

    client: PushoverAPI
    sounds: dict[str, str]
    coordinator: LimitsCoordinator
    receipts: ReceiptTracker
    outbox: Outbox
    settings: object = None
    legacy_services: list[str] = field(default_factory=list)


type PushoverCompleteConfigEntry = ConfigEntry[PushoverCompleteData]


def signal_updated(entry_id: str) -> str:
    """Dispatcher signal: counters of this entry changed."""
    return f"pushover_complete_{entry_id}_updated"


def signal_event(entry_id: str) -> str:
    """Dispatcher signal: an emergency was acknowledged or expired."""
    return f"pushover_complete_{entry_id}_event"
