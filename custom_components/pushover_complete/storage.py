"""Where an entry keeps its data, and how a removed entry's data goes.

Each kind of data is one private ``Store`` per entry
(``pushover_complete.<entry id>.<kind>``); the attachments that wait with
queued messages and alarms are files beside them (``files.py``). Removing
the entry removes all of it, in one place.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .files import async_remove_kept

ALARMS: Final = "alarms"
OUTBOX: Final = "outbox"
RECEIVED: Final = "received"
ACTIONS: Final = "actions"
# Receipts were stored apart before alarms kept them (read once, then removed).
OLD_RECEIPTS: Final = "receipts"
KINDS: Final = (ALARMS, OUTBOX, RECEIVED, ACTIONS, OLD_RECEIPTS)
# The kinds with attachment files beside their store.
KINDS_WITH_FILES: Final = (ALARMS, OUTBOX)


def store_key(entry_id: str, kind: str) -> str:
    """Return the storage key of one kind of an entry's data."""
    return f"{DOMAIN}.{entry_id}.{kind}"


async def async_remove_entry_data(hass: HomeAssistant, entry_id: str) -> None:
    """Remove every store and kept file of a removed entry."""
    for kind in KINDS:
        await Store[dict[str, Any]](hass, 1, store_key(entry_id, kind)).async_remove()
    for kind in KINDS_WITH_FILES:
        await async_remove_kept(hass, kind, entry_id)
