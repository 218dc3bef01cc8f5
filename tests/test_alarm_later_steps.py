"""What a later step of an alarm finds when it falls due.

It sends the alarm's picture, kept on disk until the alarm ends. Its
recipient was removed meanwhile: nobody is paged, the rest goes on. Its
links can no longer be made (the external URL is gone): the step is not sent
and the log says why (the only place a user can learn it). Either way the
first step's recipient still answers the alarm.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
from pathlib import Path
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import DOMAIN, EVENT_ACKNOWLEDGED
from homeassistant.core import HomeAssistant
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import BOB
from .helpers import (
    SIREN,
    Capture,
    follow_frozen_clock,
    receipt_sent_to,
    route_callbacks,
    sent_to,
    tick,
)
from .open_client_helpers import PACKAGE

PNG: Final = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
STEPS: Final = [
    {"targets": ["notify.alice"]},
    {"targets": ["notify.bob"], "after": 300},
]


@pytest.fixture
async def called_back(
    hass: HomeAssistant, sim: PushoverSimulator, hass_client: ClientSessionGenerator
) -> AsyncIterator[None]:
    """An external URL; Pushover's callbacks to it reach the webhook here."""
    await route_callbacks(hass, sim, hass_client)
    yield
    sim.callback_sender = None


@pytest.fixture(autouse=True)
def frozen(
    freezer: FrozenDateTimeFactory, sim: PushoverSimulator
) -> FrozenDateTimeFactory:
    """Freeze the clock (the simulator's too): only ``tick`` moves time."""
    follow_frozen_clock(sim)
    return freezer


async def send_alarm(hass: HomeAssistant, **data: Any) -> None:
    """Alice now, Bob after 300 s (unless other steps are given)."""
    data.setdefault("steps", STEPS)
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": "Water leak", "title": "Leak", **data},
        blocking=True,
        return_response=True,
    )


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The errors the integration logged."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name.startswith(PACKAGE)
    ]


async def answer_as_alice(
    hass: HomeAssistant, sim: PushoverSimulator, freezer: FrozenDateTimeFactory
) -> dict[str, Any]:
    """Alice answers; return the acknowledged event's data."""
    acknowledged = Capture(hass, EVENT_ACKNOWLEDGED)
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER), device="phone")
    await tick(hass, freezer, 11)
    await acknowledged.wait(1)
    [event] = acknowledged.data
    return event


async def test_a_step_whose_recipient_was_removed_pages_nobody(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bob is removed before his step: nothing goes out at 300 s; Alice still answers."""
    await send_alarm(hass)
    assert hass.config_entries.async_remove_subentry(loaded_entry, BOB)
    await hass.async_block_till_done()
    await tick(hass, freezer, 301)
    assert sent_to(sim) == [[DEMO_USER]]
    event = await answer_as_alice(hass, sim, freezer)
    assert event["acknowledged_by_name"] == "Alice"


async def test_a_step_whose_links_cannot_be_made_is_not_sent(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    called_back: None,
) -> None:
    """The external URL is removed before Bob's step: the error is logged, no page."""
    await send_alarm(hass, actions=[SIREN])
    assert sent_to(sim) == [[DEMO_USER]]
    hass.config.external_url = None
    await tick(hass, freezer, 301)
    assert sent_to(sim) == [[DEMO_USER]]
    [error] = errors_logged(caplog)
    assert error.startswith("Step 2 of an alarm cannot be sent")
    event = await answer_as_alice(hass, sim, freezer)
    assert event["acknowledged_by_name"] == "Alice"


async def test_the_picture_is_kept_for_later_steps_and_removed_at_the_end(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    """Bob's step carries the picture from disk; once resolved, no file is left."""
    picture = tmp_path / "cellar.png"
    picture.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await send_alarm(hass, attachment=str(picture), key="leak")
    kept = Path(hass.config.path(".storage", f"{DOMAIN}_alarms"))
    assert kept.is_relative_to(tmp_path)
    assert [path.read_bytes() for path in kept.rglob("*") if path.is_file()] == [PNG]
    await tick(hass, freezer, 301)
    assert [(m["users"], m["attachment"]) for m in sim.messages] == [
        ([DEMO_USER], PNG),
        ([DEMO_USER2], PNG),
    ]
    await hass.services.async_call(
        DOMAIN,
        "resolve_alarm",
        {"config_entry_id": loaded_entry.entry_id, "key": "leak"},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    assert [path for path in kept.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize(
    "after", [300, "00:05:00", {"minutes": 5}], ids=["seconds", "text", "period"]
)
async def test_a_steps_wait_written_as_a_time_period(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    after: Any,
) -> None:
    """Five minutes as seconds, as "00:05:00" or as {minutes: 5}: Bob at 300 s."""
    steps = [{"targets": ["notify.alice"]}, {"targets": ["notify.bob"], "after": after}]
    await send_alarm(hass, steps=steps)
    await tick(hass, freezer, 299)
    assert sent_to(sim) == [[DEMO_USER]]
    await tick(hass, freezer, 1)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
