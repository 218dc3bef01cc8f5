"""The logbook's words for each way an alarm is answered, ended or acted on.

Beside ``test_logbook.py``'s night: an answer without a device, by another
recipient's key or by a stranger's; an alarm resolved by an automation; a
link chosen in a message without a title; a recipient or device removed, or
the whole application, after its events were recorded (their lines stay,
on no entity).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import DOMAIN, EVENT_ACKNOWLEDGED
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator, random_key

from .conftest import ALICE, BOB, recipient
from .helpers import (
    EXTERNAL,
    Capture,
    follow_frozen_clock,
    open_client_subentry,
    receipt_sent_to,
    tick,
)

EMERGENCY: Final = "event.home_emergency"
RECEIVED: Final = "event.wallpanel_received_message"
PANEL: Final = "panel"

type Line = tuple[str, str, str | None]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """The recorder comes before Home Assistant (the logbook reads from it)."""


@pytest.fixture
def recipients(sim: PushoverSimulator) -> list[dict[str, Any]]:
    """Alice, Bob, and this Home Assistant as a device on Bob's account."""
    device, secret = sim.add_open_client_device(DEMO_USER2, "wallpanel")
    return [
        recipient(ALICE, "Alice", DEMO_USER),
        recipient(BOB, "Bob", DEMO_USER2),
        open_client_subentry(PANEL, device, secret),
    ]


@dataclass
class Night:
    """What a scenario works with."""

    hass: HomeAssistant
    sim: PushoverSimulator
    entry: MockConfigEntry
    freezer: FrozenDateTimeFactory
    client: ClientSessionGenerator


async def lines_since(night: Night, since: Any) -> list[Line]:
    """The integration's logbook lines since ``since``: name, message, entity."""
    await async_wait_recording_done(night.hass)
    http = await night.client()
    response = await http.get(f"/api/logbook/{since.isoformat()}")
    assert response.status == 200
    return [
        (entry["name"], entry["message"], entry.get("entity_id"))
        for entry in await response.json()
        if entry.get("domain") == DOMAIN
    ]


async def alarm_to_alice(night: Night, title: str) -> str:
    """Start an alarm to Alice; return its receipt."""
    await night.hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {
            "message": "Water",
            "title": title,
            "steps": [{"targets": ["notify.alice"]}],
            "key": "leak",
        },
        blocking=True,
        return_response=True,
    )
    return receipt_sent_to(night.sim, DEMO_USER)


async def answered(night: Night, receipt: str, user: str, device: str) -> None:
    """Pushover has the receipt acknowledged; the next poll hears it."""
    acknowledged = Capture(night.hass, EVENT_ACKNOWLEDGED)
    night.sim.acknowledge(receipt, user=user, device=device)
    await tick(night.hass, night.freezer, 11)
    await acknowledged.wait(1)


async def answered_without_a_device(night: Night) -> Line:
    """Alice answers on the web: no device named."""
    await answered(night, await alarm_to_alice(night, "Leak"), DEMO_USER, "")
    return ("Leak", "“Leak” acknowledged by Alice", EMERGENCY)


async def answered_by_another_recipient(night: Night) -> Line:
    """Bob answers Alice's alarm (a shared account): named by his key."""
    await answered(night, await alarm_to_alice(night, "Leak"), DEMO_USER2, "tablet")
    return ("Leak", "“Leak” acknowledged by Bob on tablet", EMERGENCY)


async def answered_by_a_stranger(night: Night) -> Line:
    """A key no recipient has answers, on no device: nobody to name."""
    await answered(night, await alarm_to_alice(night, "Leak"), random_key(), "")
    return ("Leak", "“Leak” acknowledged", EMERGENCY)


async def answered_after_the_recipient_was_removed(night: Night) -> Line:
    """Alice is removed while her alarm rings; she answers: her name is kept."""
    receipt = await alarm_to_alice(night, "Leak")
    assert night.hass.config_entries.async_remove_subentry(night.entry, ALICE)
    await night.hass.async_block_till_done()
    await answered(night, receipt, DEMO_USER, "phone")
    return ("Leak", "“Leak” acknowledged by Alice on phone", EMERGENCY)


async def resolved_by_an_automation(night: Night) -> Line:
    """An automation resolves the alarm: no one to name."""
    await alarm_to_alice(night, "Leak")
    await night.hass.services.async_call(
        DOMAIN,
        "resolve_alarm",
        {"config_entry_id": night.entry.entry_id, "key": "leak"},
        blocking=True,
        return_response=True,
    )
    return ("Leak", "“Leak” resolved", EMERGENCY)


async def link_chosen_in_a_message_without_title(night: Night) -> Line:
    """Bob taps a link in a message that has no title."""
    night.hass.config.external_url = EXTERNAL
    await night.hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.bob",
            "message": "Parcel at the gate",
            "actions": [{"action": "open_gate", "title": "Open the gate"}],
        },
        blocking=True,
    )
    link = night.sim.sent_messages(DEMO_USER2)[-1].links[0].href
    http = await night.client()
    response = await http.post(link.removeprefix(EXTERNAL))
    assert response.status == 200
    await tick(night.hass, night.freezer, 5)
    return ("Bob", "Bob chose “Open the gate”", EMERGENCY)


async def received_then_device_removed(night: Night) -> Line:
    """The device received a message, then was removed: the line stays, on nothing."""
    received = Capture(night.hass, f"{DOMAIN}_message_received")
    await night.hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "Parcel", "title": "Gate"},
        blocking=True,
    )
    await tick(night.hass, night.freezer, 5)
    await received.wait(1)
    assert night.hass.config_entries.async_remove_subentry(night.entry, PANEL)
    await night.hass.async_block_till_done()
    return ("Gate", "“Gate” from Demo", None)


async def received_then_application_removed(night: Night) -> Line:
    """The whole application is removed after the device received a message."""
    received = Capture(night.hass, f"{DOMAIN}_message_received")
    await night.hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "Parcel", "title": "Gate"},
        blocking=True,
    )
    await tick(night.hass, night.freezer, 5)
    await received.wait(1)
    assert await night.hass.config_entries.async_remove(night.entry.entry_id)
    await night.hass.async_block_till_done()
    return ("Gate", "“Gate” from Demo", None)


async def answered_then_application_removed(night: Night) -> Line:
    """The application is removed after its alarm was answered."""
    await answered(night, await alarm_to_alice(night, "Leak"), DEMO_USER, "phone")
    assert await night.hass.config_entries.async_remove(night.entry.entry_id)
    await night.hass.async_block_till_done()
    return ("Leak", "“Leak” acknowledged by Alice on phone", None)


SCENARIOS: Final[list[Callable[[Night], Awaitable[Line]]]] = [
    answered_without_a_device,
    answered_by_another_recipient,
    answered_by_a_stranger,
    answered_after_the_recipient_was_removed,
    resolved_by_an_automation,
    link_chosen_in_a_message_without_title,
    received_then_device_removed,
    received_then_application_removed,
    answered_then_application_removed,
]


@pytest.mark.parametrize(
    "scenario", SCENARIOS, ids=[scenario.__name__ for scenario in SCENARIOS]
)
async def test_the_logbook_says(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    scenario: Callable[[Night], Awaitable[Line]],
) -> None:
    """Each scenario leaves its line in the logbook; no key, receipt or link in it."""
    assert await async_setup_component(hass, "logbook", {})
    follow_frozen_clock(sim)
    since = dt_util.utcnow() - timedelta(seconds=1)
    night = Night(hass, sim, loaded_entry, freezer, hass_client)
    expected = await scenario(night)
    shown = await lines_since(night, since)
    assert expected in shown
    text = str(shown)
    for secret in (DEMO_USER, DEMO_USER2, *sim.receipts):
        assert secret not in text
