"""What an entry's Open Clients handed over: the highest message id, recent alarms.

One private store per entry holds a record per Open Client (device subentry):
the highest message id handed to Home Assistant, so that a message fires once
also across restarts, and the receipts of the latest emergencies it received,
newest last, so that the right device acknowledges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .storage import RECEIVED, store_key

STORE_VERSION: Final = 1
MAX_RECEIPTS: Final = 100


class OpenClientRecord(TypedDict):
    """What one Open Client handed over: the highest message id, recent receipts."""

    highest: int
    receipts: list[str]


def remember_receipt(record: OpenClientRecord, receipt: str) -> None:
    """Remember an emergency the Open Client received (the latest few, newest last)."""
    forget_receipt(record, receipt)
    record["receipts"] = [*record["receipts"], receipt][-MAX_RECEIPTS:]


def forget_receipt(record: OpenClientRecord, receipt: str) -> None:
    """Forget an emergency that is answered, canceled or gone."""
    record["receipts"] = [known for known in record["receipts"] if known != receipt]


class OpenClientStore:
    """The records of an entry's Open Clients, kept in one private store."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Name the entry's store; nothing is read yet."""
        self._store: Store[dict[str, OpenClientRecord]] = Store(
            hass, STORE_VERSION, store_key(entry_id, RECEIVED), private=True
        )
        self.records: dict[str, OpenClientRecord] = {}

    async def async_load(self, subentry_ids: Iterable[str]) -> None:
        """Read the records of these Open Clients (removed ones are forgotten)."""
        stored = await self._store.async_load() or {}
        self.records = {
            subentry_id: stored.get(subentry_id) or {"highest": 0, "receipts": []}
            for subentry_id in subentry_ids
        }
        if set(stored) - set(self.records):
            await self.async_save()

    def add(self, subentry_id: str) -> None:
        """Start the record of an Open Client added while the entry runs."""
        self.records.setdefault(subentry_id, {"highest": 0, "receipts": []})

    async def async_save(self) -> None:
        """Write the records now."""
        await self._store.async_save(self.records)
