"""Snapshots kept per Home Assistant version, and one platform's entities in them.

Registry entries and states gain fields and change their reprs between the
versions the integration supports (2025.4 and 2026.10), so these snapshots live
in ``tests/snapshots-by-version/ha-<year>.<month>``, one file per version, apart
from ``tests/snapshots`` (whose extension would take the other version's file
for unused snapshots).

``assert_platform_snapshots`` is core's ``snapshot_platform`` for one platform
of an entry: each of the entry's entities of that domain, its registry entry
and its state.
"""

from __future__ import annotations

from pathlib import Path

from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er


class PerVersionSnapshots(HomeAssistantSnapshotExtension):
    """Snapshots in ``tests/snapshots-by-version/ha-<year>.<month>``."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """The directory of this Home Assistant release's snapshots."""
        release = ".".join(HA_VERSION.split(".")[:2])
        tests = Path(test_location.filepath).parent
        return str(tests / "snapshots-by-version" / f"ha-{release}")


def per_version(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """The ``snapshot`` fixture, kept per Home Assistant version."""
    return snapshot.use_extension(PerVersionSnapshots)


def assert_platform_snapshots(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entry_id: str,
    domain: str,
) -> list[str]:
    """Match each ``domain`` entity of the entry against its snapshots.

    Each entity is enabled, has a state, and matches ``<entity_id>-entry`` (its
    registry entry) and ``<entity_id>-state``. Returns the entity ids, sorted.
    """
    registry = er.async_get(hass)
    entries = [
        entry
        for entry in er.async_entries_for_config_entry(registry, entry_id)
        if entry.domain == domain
    ]
    for entry in entries:
        assert entry.disabled_by is None, entry.entity_id
        assert entry == snapshot(name=f"{entry.entity_id}-entry")
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        assert state == snapshot(name=f"{entry.entity_id}-state")
    return sorted(entry.entity_id for entry in entries)
