"""A message's ``timestamp`` as a user writes it, as Pushover receives it.

Unix seconds as a number or as digits, a time with its offset, or a time
without one (read in Home Assistant's time zone): Pushover gets Unix seconds.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import HomeAssistant
from pushover_simulator import PushoverSimulator

# 2026-01-01 09:00 UTC.
NINE_UTC = 1_767_258_000


@pytest.mark.parametrize(
    "timestamp",
    [
        NINE_UTC,
        str(NINE_UTC),
        "2026-01-01T09:00:00+00:00",
        "2026-01-01T10:00:00+01:00",
        "2026-01-01 10:00:00",  # Home Assistant's zone: Amsterdam, UTC+1 in winter
    ],
    ids=["number", "digits", "utc", "offset", "local"],
)
async def test_timestamp_reaches_pushover_as_unix_seconds(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    timestamp: Any,
) -> None:
    """Every way of writing 09:00 UTC reaches Pushover as the same second."""
    await hass.config.async_set_time_zone("Europe/Amsterdam")
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "Hi", "timestamp": timestamp},
        blocking=True,
    )
    [msg] = sim.messages
    assert msg["timestamp"] == str(NINE_UTC)
