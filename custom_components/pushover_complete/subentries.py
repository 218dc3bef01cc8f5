"""What a change of an entry's subentries means while it runs.

A recipient or an Open Client added joins at once: its entities appear, its
legacy action is registered, its receiver starts, and nothing else of the
entry flaps. A subentry changed or removed reloads the entry (its entities,
names and connections are rebuilt). Options reload the entry through their
flow (``compat.OPTIONS_FLOW_RELOADS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigSubentry,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)

from .data import PushoverCompleteConfigEntry

type Snapshot = dict[str, tuple[str, str, tuple[tuple[str, Any], ...]]]


def signal_subentry_added(entry_id: str) -> str:
    """Dispatcher signal: a subentry joined the running entry (the subentry)."""
    return f"pushover_complete_{entry_id}_subentry_added"


def snapshot(subentries: Mapping[str, ConfigSubentry]) -> Snapshot:
    """Return what a change is told by: type, title and data of each subentry.

    A copy of the values, not the subentries: Home Assistant updates a
    subentry in place, so the object itself always looks unchanged.
    """
    return {
        sid: (sub.subentry_type, sub.title, tuple(sorted(sub.data.items())))
        for sid, sub in subentries.items()
    }


@callback
def async_follow_subentries(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> CALLBACK_TYPE:
    """Follow the entry's subentries until the returned callback is called."""
    known = snapshot(entry.subentries)

    @callback
    def _changed(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        nonlocal known
        if (
            changed.entry_id != entry.entry_id
            or change is not ConfigEntryChange.UPDATED
        ):
            return
        now = snapshot(entry.subentries)
        gone_or_changed = any(now.get(sid) != old for sid, old in known.items())
        added = [entry.subentries[sid] for sid in now if sid not in known]
        known = now
        if gone_or_changed:
            hass.config_entries.async_schedule_reload(entry.entry_id)
        elif added:
            entry.async_create_task(
                hass, _async_add(hass, entry, added), "pushover_complete subentries"
            )

    return async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, _changed)


async def _async_add(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    subentries: list[ConfigSubentry],
) -> None:
    """Start what the new subentries need, then let the platforms add entities."""
    runtime = entry.runtime_data
    for subentry in subentries:
        await runtime.receivers.async_add(subentry)
        await runtime.legacy.async_add(subentry)
        async_dispatcher_send(hass, signal_subentry_added(entry.entry_id), subentry)
