"""Coordinators: the account's quota and license credits (hourly), the sounds (daily).

Pushover pools the monthly messages per account (since May 2026), so every
application of one account reports the same quota; the headers of each send
keep it current between the hourly reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    Limits,
    PushoverAPI,
    PushoverAuthError,
    PushoverCompleteError,
)
from .const import DOMAIN, LIMITS_REFRESH, LOGGER, SOUNDS_REFRESH
from .descriptions import async_update_sound_suggestions

# Sensors hear of new quota headers at most this often (seconds).
PUBLISH_DELAY: Final = 1.0

if TYPE_CHECKING:
    from .data import PushoverCompleteConfigEntry


@dataclass(frozen=True, slots=True)
class AccountData:
    """The account's monthly quota and its license credits."""

    limits: Limits
    license_credits: int | None


def _update_failed(key: str, **placeholders: str) -> UpdateFailed:
    """Build a refresh failure that keeps the data and says why."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _auth_failed(err: PushoverAuthError) -> ConfigEntryAuthFailed:
    """Ask for a new token: Pushover rejected this one."""
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN,
        translation_key="invalid_token",
        translation_placeholders={"error": str(err)},
    )


class AccountCoordinator(DataUpdateCoordinator[AccountData]):
    """Read the quota and license credits hourly; every send's headers update it too."""

    config_entry: PushoverCompleteConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
    ) -> None:
        """Poll slowly: the headers of each send keep the quota current."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} quota",
            update_interval=LIMITS_REFRESH,
        )
        self.client = client
        self._unsub_publish: Callable[[], None] | None = None
        self._publish_job = HassJob(self._async_publish, cancel_on_shutdown=True)

    async def _async_update_data(self) -> AccountData:
        """Read ``apps/limits.json`` and ``licenses/credits.json``."""
        try:
            await self.client.get_limits()
            credits = await self.client.get_license_credits()
        except PushoverAuthError as err:
            raise _auth_failed(err) from err
        except PushoverCompleteError as err:
            raise _update_failed("limits_failed", error=str(err)) from err
        assert self.client.limits is not None  # get_limits() sets them
        return AccountData(self.client.limits, int(credits["credits"]))

    @callback
    def async_credits_seen(self, credits: int | None) -> None:
        """Take the license credits from an answer (``assign_license``)."""
        data = self.data
        if credits is None or data is None or credits == data.license_credits:
            return
        self.data = AccountData(data.limits, int(credits))
        self.async_update_listeners()

    @callback
    def async_headers_seen(self) -> None:
        """Take the quota from the last answer's headers (after every send)."""
        limits = self.client.limits
        data = self.data
        if limits is None or (data is not None and limits == data.limits):
            return
        if data is None or not self.last_update_success:
            # Pushover answers again: recover at once (and reschedule the poll).
            credits = None if data is None else data.license_credits
            self.async_set_updated_data(AccountData(limits, credits))
            return
        # Hot path: keep the hourly schedule, and tell the sensors at most
        # once a second (a burst of sends makes one state change).
        self.data = AccountData(limits, data.license_credits)
        if self._unsub_publish is None:
            self._unsub_publish = async_call_later(
                self.hass, PUBLISH_DELAY, self._publish_job
            )

    @callback
    def _async_publish(self, _now: datetime) -> None:
        """Tell the sensors the quota the headers brought."""
        self._unsub_publish = None
        self.async_update_listeners()

    @callback
    def async_stop(self) -> None:
        """Cancel a pending publication (unload)."""
        if self._unsub_publish is not None:
            self._unsub_publish()
            self._unsub_publish = None


class SoundsCoordinator(DataUpdateCoordinator[dict[str, str]]):
    """Read the application's sounds daily; a failed read keeps the known ones."""

    config_entry: PushoverCompleteConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
        sounds: dict[str, str],
    ) -> None:
        """Start from the sounds read while checking the token at setup."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} sounds",
            update_interval=SOUNDS_REFRESH,
            always_update=False,
        )
        self.client = client
        self.data = sounds
        self._offered = sounds

    async def _async_update_data(self) -> dict[str, str]:
        """Read ``sounds.json`` (custom sounds of the account included)."""
        try:
            return await self.client.get_sounds()
        except PushoverAuthError as err:
            raise _auth_failed(err) from err
        except PushoverCompleteError as err:
            raise _update_failed("sounds_failed", error=str(err)) from err

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Refresh daily until the returned callback is called."""
        return self.async_add_listener(self._async_sounds_seen)

    @callback
    def _async_sounds_seen(self) -> None:
        """Offer a changed list in ``send_message``'s sound field."""
        if self.data == self._offered:
            return
        self._offered = self.data
        self.config_entry.async_create_background_task(
            self.hass,
            async_update_sound_suggestions(self.hass),
            f"{DOMAIN} sound suggestions",
        )
