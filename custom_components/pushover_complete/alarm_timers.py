"""One timer per alarm: when it next acts (its next step, or its next round)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import functools

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util


class AlarmTimers:
    """Call ``due(alarm_id)`` when an alarm's time has come (Home Assistant's clock)."""

    def __init__(self, hass: HomeAssistant, due: Callable[[str], None]) -> None:
        """Time nothing yet."""
        self.hass = hass
        self._due = due
        self._unsubs: dict[str, Callable[[], None]] = {}

    @callback
    def async_set(self, alarm_id: str, when: float | None) -> None:
        """Time an alarm for ``when`` (Unix time), or not at all (``None``)."""
        self.async_cancel(alarm_id)
        if when is None:
            return
        job = HassJob(
            functools.partial(self._async_fire, alarm_id),
            "pushover_complete alarm",
            cancel_on_shutdown=True,
        )
        self._unsubs[alarm_id] = async_track_point_in_utc_time(
            self.hass, job, dt_util.utc_from_timestamp(when)
        )

    @callback
    def async_cancel(self, alarm_id: str) -> None:
        """Stop timing an alarm."""
        if unsub := self._unsubs.pop(alarm_id, None):
            unsub()

    @callback
    def async_cancel_all(self) -> None:
        """Stop timing every alarm."""
        for unsub in self._unsubs.values():
            unsub()
        self._unsubs.clear()

    @callback
    def _async_fire(self, alarm_id: str, _now: datetime) -> None:
        self._unsubs.pop(alarm_id, None)
        self._due(alarm_id)
