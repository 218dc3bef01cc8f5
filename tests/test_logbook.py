"""The logbook (CONTRACT §11): what happened, in words, on the right entity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import ALICE, BOB, recipient
from .helpers import (
    EXTERNAL,
    follow_frozen_clock,
    open_client_subentry,
    receipt_sent_to,
    route_callbacks,
    tick,
)


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
        open_client_subentry("panel", device, secret),
    ]


async def entries(
    hass: HomeAssistant, client: ClientSessionGenerator, since: Any
) -> list[dict[str, Any]]:
    """Return what the logbook shows of this integration since ``since``."""
    await async_wait_recording_done(hass)
    http = await client()
    response = await http.get(f"/api/logbook/{since.isoformat()}")
    assert response.status == 200
    return [entry for entry in await response.json() if entry.get("domain") == DOMAIN]


async def test_the_night_in_words(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_admin_user: MockUser,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acknowledged by whom on what, expired, resolved by whom, an action, received."""
    assert await async_setup_component(hass, "logbook", {})
    follow_frozen_clock(sim)
    await route_callbacks(hass, sim, hass_client)
    http = await hass_client()
    since = dt_util.utcnow() - timedelta(seconds=1)
    steps = [{"targets": ["notify.alice"]}]
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": "Water", "title": "Leak", "steps": steps, "key": "leak"},
        blocking=True,
        return_response=True,
    )
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": "Smoke", "title": "Smoke", "steps": steps, "expire": 60},
        blocking=True,
        return_response=True,
    )
    for _ in range(10):
        await tick(hass, freezer, 10)
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": "Door", "title": "Door", "steps": steps, "key": "door"},
        blocking=True,
        return_response=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "resolve_alarm",
        {"config_entry_id": loaded_entry.entry_id, "key": "door"},
        blocking=True,
        return_response=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.bob",
            "message": "Parcel",
            "title": "Gate",
            "actions": [{"action": "open_gate", "title": "Open the gate"}],
        },
        blocking=True,
    )
    link = sim.sent_messages(DEMO_USER2)[-1].links[0].href
    response = await http.post(link.removeprefix(EXTERNAL))
    assert response.status == 200
    await tick(hass, freezer, 5)
    shown = await entries(hass, hass_client, since)
    lines = [(e["name"], e["message"], e.get("entity_id")) for e in shown]
    assert (
        "Leak",
        "“Leak” acknowledged by Alice on phone",
        "event.home_emergency",
    ) in lines
    assert (
        "Smoke",
        "“Smoke” expired: nobody answered",
        "event.home_emergency",
    ) in lines
    assert (
        "Door",
        f"“Door” resolved by {hass_admin_user.name}",
        "event.home_emergency",
    ) in lines
    assert (
        "Bob",
        "Bob chose “Open the gate” in “Gate”",
        "event.home_emergency",
    ) in lines
    received = [line for line in lines if line[2] == "event.wallpanel_received_message"]
    assert (
        "Gate",
        "“Gate” from Demo",
        "event.wallpanel_received_message",
    ) in received
    text = str(shown)
    for secret in (DEMO_USER, DEMO_USER2, *sim.receipts, link):
        assert secret not in text
    sim.callback_sender = None


@pytest.mark.parametrize(
    ("message", "line"),
    [
        ("Water in the basement", "“Water in the basement” resolved"),
        (
            "Water in the basement, the sump pump has stopped and the alarm rings",
            "“Water in the basement, the sump pump ha…” resolved",
        ),
    ],
)
async def test_an_untitled_alarm_is_named_by_its_text(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    message: str,
    line: str,
) -> None:
    """Without a title, the start of the message names it (Activity shows no name)."""
    assert await async_setup_component(hass, "logbook", {})
    since = dt_util.utcnow() - timedelta(seconds=1)
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": message, "steps": [{"targets": ["notify.alice"]}], "key": "k"},
        blocking=True,
        return_response=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "resolve_alarm",
        {"config_entry_id": loaded_entry.entry_id, "key": "k"},
        blocking=True,
        return_response=True,
    )
    shown = await entries(hass, hass_client, since)
    assert [(e["message"], e["entity_id"]) for e in shown] == [
        (line, "event.home_emergency")
    ]
