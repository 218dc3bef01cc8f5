"""Cancels owed to Pushover when an alarm is resolved, as Pushover answers them.

A resolved alarm's ringing receipts are canceled at Pushover. One Pushover
cannot answer now (429, 408, 503) is asked again after 10 s, then 20 s, 40 s...
until it is; one Pushover refuses (a receipt it no longer knows) is not asked
again, and the next one is; a rejected token stops the asking until reauth.
What a user sees: the simulator's receipts stop ringing (or not), the requests
that reached Pushover, the reauth flow.
"""

from __future__ import annotations

from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .helpers import follow_frozen_clock, receipt_sent_to, state_of, tick

ACTIVE: Final = "sensor.home_active_emergencies"


@pytest.fixture(autouse=True)
def frozen(
    freezer: FrozenDateTimeFactory, sim: PushoverSimulator
) -> FrozenDateTimeFactory:
    """Freeze the clock (the simulator's too): only ``tick`` moves time."""
    follow_frozen_clock(sim)
    return freezer


async def ringing_alarm(hass: HomeAssistant, sim: PushoverSimulator) -> list[str]:
    """An alarm ringing at Alice and Bob (key "leak"); return their receipts."""
    await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {
            "message": "Water leak",
            "key": "leak",
            "steps": [{"targets": ["notify.alice", "notify.bob"]}],
        },
        blocking=True,
        return_response=True,
    )
    return [receipt_sent_to(sim, DEMO_USER), receipt_sent_to(sim, DEMO_USER2)]


async def resolve(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Resolve the alarm "leak" as an automation."""
    return await hass.services.async_call(
        DOMAIN,
        "resolve_alarm",
        {"config_entry_id": entry.entry_id, "key": "leak"},
        blocking=True,
        return_response=True,
    )


def cancels(sim: PushoverSimulator, receipt: str) -> list[int | None]:
    """The answer status of each cancel of ``receipt`` that reached Pushover."""
    path = f"/1/receipts/{receipt}/cancel.json"
    return [r["status"] for r in sim.requests if r["path"] == path]


@pytest.mark.parametrize(("kind", "status"), [("quota", 429), ("503", 503)])
async def test_a_cancel_pushover_cannot_answer_is_asked_again_with_back_off(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    kind: str,
    status: int,
) -> None:
    """Refused "for now": asked again after 10 s, then 20 s, then 40 s, then paid."""
    alice, bob = await ringing_alarm(hass, sim)
    sim.inject_fault("cancel.json", kind, count=1000)
    assert await resolve(hass, loaded_entry) == {"resolved": 1}
    assert state_of(hass, ACTIVE) == "0"
    assert cancels(sim, alice) == [status]  # asked once, not again at once
    at_once = 1
    assert cancels(sim, bob) == []
    for wait in (10, 20, 40):
        await tick(hass, freezer, wait - 1)
        assert len(cancels(sim, alice)) == at_once
        await tick(hass, freezer, 1)
        at_once += 1
        assert cancels(sim, alice) == [status] * at_once
    sim.faults.clear()
    await tick(hass, freezer, 79)
    assert not sim.receipts[alice].canceled
    await tick(hass, freezer, 1)
    assert cancels(sim, alice) == [*[status] * at_once, 200]
    assert cancels(sim, bob) == [200]
    assert sim.receipts[alice].canceled
    assert sim.receipts[bob].canceled
    await tick(hass, freezer, 600)
    assert len(cancels(sim, alice)) == at_once + 1


async def test_a_cancel_pushover_refuses_is_not_asked_again(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Pushover no longer knows Alice's receipt: Bob's is canceled all the same."""
    alice, bob = await ringing_alarm(hass, sim)
    sim.inject_fault(f"{alice}/cancel.json", "not_found")
    assert await resolve(hass, loaded_entry) == {"resolved": 1}
    assert cancels(sim, alice) == [404]
    assert cancels(sim, bob) == [200]
    assert sim.receipts[bob].canceled
    await tick(hass, freezer, 600)
    assert cancels(sim, alice) == [404]


async def test_a_rejected_token_stops_the_cancels_until_reauth(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The token is rejected at the first cancel: reauth starts, nothing more is asked."""
    alice, bob = await ringing_alarm(hass, sim)
    sim.inject_fault("cancel.json", "invalid_token", count=1000)
    assert await resolve(hass, loaded_entry) == {"resolved": 1}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    seen = len(sim.requests)
    assert cancels(sim, alice) == [400]
    for _ in range(12):
        await tick(hass, freezer, 60)
    assert sim.requests[seen:] == []
    assert cancels(sim, bob) == []
