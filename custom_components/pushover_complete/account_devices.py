"""The devices of the recipients' accounts, asked of Pushover at most daily.

The action form's device field suggests them (with the devices a recipient is
kept to). ``users/validate.json`` answers them, through the entry's own
client. A key is asked when its entry is set up, unless it was asked less than
a day ago (a reload does not ask again), then daily. The first question is a
task of the entry, so that Home Assistant's start counts it; the entry's setup
never waits for it. A failed question keeps what was known.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import BadAPIRequestError, PushoverCompleteError
from .const import CONF_USER_KEY, DOMAIN, LOGGER, SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry

DEVICES_REFRESH: Final = timedelta(days=1)
DATA_DEVICES: HassKey[dict[str, KnownDevices]] = HassKey(f"{DOMAIN}_account_devices")

type OnChange = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class KnownDevices:
    """The devices of one user key, and when Pushover said so."""

    devices: tuple[str, ...]
    asked: datetime


def no_active_devices(err: Exception) -> bool:
    """Tell whether Pushover called the key valid but without an active device."""
    return isinstance(err, BadAPIRequestError) and any(
        "no active devices" in reason for reason in err.errors
    )


def known_devices(
    hass: HomeAssistant, recipients: Iterable[ConfigSubentry]
) -> set[str]:
    """Return the devices known of these recipients' accounts."""
    known = hass.data.get(DATA_DEVICES, {})
    return {
        device
        for subentry in recipients
        if (found := known.get(subentry.data[CONF_USER_KEY]))
        for device in found.devices
    }


async def _async_ask(hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> bool:
    """Ask Pushover for the devices of the entry's keys not asked today."""
    known = hass.data.setdefault(DATA_DEVICES, {})
    now = dt_util.utcnow()
    keys = {
        subentry.data[CONF_USER_KEY]
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
    }
    changed = False
    for user_key in sorted(keys):
        if (found := known.get(user_key)) and now - found.asked < DEVICES_REFRESH:
            continue
        try:
            answer = await entry.runtime_data.client.validate(user_key)
            devices = tuple(str(device) for device in answer.get("devices") or ())
        except PushoverCompleteError as err:
            if not no_active_devices(err):
                LOGGER.debug("Could not read a recipient's devices: %s", err)
                continue
            devices = ()
        changed = changed or found is None or found.devices != devices
        known[user_key] = KnownDevices(devices, now)
    return changed


@callback
def async_start_device_refresh(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, on_change: OnChange
) -> None:
    """Ask for the devices of ``entry``'s recipients now and daily."""

    async def _async_refresh() -> None:
        if await _async_ask(hass, entry):
            await on_change()

    @callback
    def _daily(_now: datetime) -> None:
        entry.async_create_background_task(
            hass, _async_refresh(), f"{DOMAIN} devices {entry.entry_id}"
        )

    entry.async_create_task(hass, _async_refresh(), f"{DOMAIN} devices")
    entry.async_on_unload(async_track_time_interval(hass, _daily, DEVICES_REFRESH))
