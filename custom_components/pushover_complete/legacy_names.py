"""The name of each recipient's legacy ``notify.<name>`` action, kept for good.

A recipient's legacy action is named after its title: ``notify.<slug>``, or
``notify.pushover_complete_<slug>`` when that is taken (by the built-in
Pushover integration, say, or by another recipient of the same name), then
``..._2``, ``..._3`` as Home Assistant numbers entity ids.

Which recipient gets which name must not depend on the order entries happen to
load in, or messages would go to another person after a restart. So the name
is given once, the first time the recipient's action is registered, and
remembered in a small ``Store`` (subentry id → the slug it was made from and
the name). Afterwards the recipient keeps its name, and the name stays
reserved while the recipient exists, loaded or not; a new recipient takes the
first name that is neither registered nor reserved. A recipient renamed gets a
new name from its new title. Names of recipients and entries that no longer
exist are forgotten when an entry loads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import itertools
from typing import Any, Final, TypedDict

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import slugify
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry

NOTIFY_DOMAIN: Final = Platform.NOTIFY.value
STORAGE_KEY: Final = f"{DOMAIN}.legacy_names"
STORAGE_VERSION: Final = 1
DATA_NAMES: HassKey[LegacyNames] = HassKey(f"{DOMAIN}_legacy_names")


class GivenName(TypedDict):
    """The legacy action name given to one recipient."""

    entry_id: str
    slug: str
    name: str


def candidates(slug: str) -> Iterator[str]:
    """Yield the names a recipient called ``slug`` may get, in order."""
    yield slug
    prefixed = slugify(f"{DOMAIN}_{slug}")
    yield prefixed
    for number in itertools.count(2):
        yield f"{prefixed}_{number}"


class LegacyNames:
    """The names given to the recipients of every entry, loaded once."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing read from the store."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._given: dict[str, GivenName] = {}
        self._lock = asyncio.Lock()
        self._loaded = False
        self._changed = False

    async def async_load(self) -> None:
        """Read the names given so far (once, however many entries ask)."""
        async with self._lock:
            if self._loaded:
                return
            stored = await self._store.async_load() or {}
            self._given = dict(stored.get("names", {}))
            self._loaded = True

    @callback
    def async_forget_gone(self, entry: PushoverCompleteConfigEntry) -> None:
        """Forget the names of removed entries and of ``entry``'s removed recipients."""
        entries = self._hass.config_entries
        for subentry_id, given in list(self._given.items()):
            if entries.async_get_entry(given["entry_id"]) is None or (
                given["entry_id"] == entry.entry_id
                and subentry_id not in entry.subentries
            ):
                del self._given[subentry_id]
                self._changed = True

    @callback
    def async_name(self, entry: PushoverCompleteConfigEntry, subentry_id: str) -> str:
        """Return the recipient's action name, giving it one the first time."""
        slug = slugify(entry.subentries[subentry_id].title) or DOMAIN
        given = self._given.get(subentry_id)
        if given and given["slug"] == slug and not self._registered(given["name"]):
            return given["name"]
        name = self._free_name(subentry_id, slug)
        self._given[subentry_id] = GivenName(
            entry_id=entry.entry_id, slug=slug, name=name
        )
        self._changed = True
        if name != slug:
            LOGGER.warning(
                "The action notify.%s is already taken; "
                "this recipient's legacy action is notify.%s",
                slug,
                name,
            )
        return name

    def _registered(self, name: str) -> bool:
        return self._hass.services.has_service(NOTIFY_DOMAIN, name)

    def _free_name(self, subentry_id: str, slug: str) -> str:
        """Return the first name neither registered nor given to another recipient."""
        reserved = {
            given["name"]
            for other, given in self._given.items()
            if other != subentry_id
        }
        return next(
            name
            for name in candidates(slug)
            if name not in reserved and not self._registered(name)
        )

    async def async_save(self) -> None:
        """Write the names down if they changed (rarely: a new recipient)."""
        if self._changed:
            self._changed = False
            await self._store.async_save({"names": self._given})


async def async_legacy_names(hass: HomeAssistant) -> LegacyNames:
    """Return the shared names, read from the store the first time."""
    names = hass.data.get(DATA_NAMES)
    if names is None:
        names = hass.data[DATA_NAMES] = LegacyNames(hass)
    await names.async_load()
    return names
