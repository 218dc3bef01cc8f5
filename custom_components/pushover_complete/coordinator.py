"""Quota coordinator: the account's monthly limit, remaining and reset time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Final

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    BadAPIRequestError,
    Limits,
    PushoverAPI,
    PushoverAuthError,
    PushoverConnectionError,
)
from .const import DOMAIN, LIMITS_REFRESH, LOGGER

PUBLISH_DELAY: Final = 1.0

if TYPE_CHECKING:
    from .data import PushoverCompleteConfigEntry


class LimitsCoordinator(DataUpdateCoordinator[Limits]):
    """Reads ``apps/limits.json`` hourly; every send's headers update it too."""

    config_entry: PushoverCompleteConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
    ) -> None:
        """Poll slowly: the headers of each send keep it current."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} quota",
            update_interval=LIMITS_REFRESH,
        )
        self.client = client
        self.credits: int | None = None
        self._unsub_publish: Callable[[], None] | None = None
        self._publish_job = HassJob(self._async_publish, cancel_on_shutdown=True)

    async def _async_update_data(self) -> Limits:
        try:
            await self.client.get_limits()
            self.credits = int((await self.client.get_license_credits())["credits"])
        except PushoverAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_token"
            ) from err
        except (BadAPIRequestError, PushoverConnectionError) as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="limits_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        assert self.client.limits is not None
        return self.client.limits

    def async_credits_seen(self, credits: int | None) -> None:
        """Take the licence credits from an answer."""
        if credits is not None and credits != self.credits:
            self.credits = int(credits)
            self.async_update_listeners()

    def async_headers_seen(self) -> None:
        """Take the limits from the last answer's headers."""
        limits = self.client.limits
        if limits is None or limits == self.data:
            return
        if not self.last_update_success:
            # Pushover answers again: recover fully (and reschedule the poll).
            self.async_set_updated_data(limits)
            return
        # Hot path, once per send: keep the hourly schedule, and tell the
        # sensors at most once a second (a burst makes one state change).
        self.data = limits
        if self._unsub_publish is None:
            self._unsub_publish = async_call_later(
                self.hass, PUBLISH_DELAY, self._publish_job
            )

    @callback
    def _async_publish(self, _now: datetime) -> None:
        self._unsub_publish = None
        self.async_update_listeners()

    @callback
    def async_stop(self) -> None:
        """Cancel a pending publication (unload)."""
        if self._unsub_publish is not None:
            self._unsub_publish()
            self._unsub_publish = None
