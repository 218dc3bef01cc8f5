"""Incidents (CONTRACT §9): one per key, acknowledged then resolved, paged again, repeated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .helpers import follow_frozen_clock, receipt_sent_to, sent_to, state_of, tick

STEPS: Final = [
    {"targets": ["notify.alice"]},
    {"targets": ["notify.bob"], "after": 300},
]
LEAK: Final = "basement_leak"


@pytest.fixture(autouse=True)
def simulator_follows_the_frozen_clock(sim: PushoverSimulator) -> None:
    """Let receipts expire in the tests' frozen time."""
    follow_frozen_clock(sim)


@pytest.fixture
def events(hass: HomeAssistant) -> dict[str, list[Event]]:
    """The acknowledged, expired and resolved events fired."""
    return {
        name: async_capture_events(hass, f"{DOMAIN}_{name}")
        for name in ("acknowledged", "expired", "resolved")
    }


async def send_alarm(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call send_alarm (Alice, then Bob at 300 s) and return its answer."""
    data.setdefault("message", "Water leak")
    data.setdefault("title", "Basement")
    data.setdefault("steps", STEPS)
    response = await hass.services.async_call(
        DOMAIN, "send_alarm", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def end(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    action: str,
    context: Context | None = None,
    **data: Any,
) -> Any:
    """Call resolve_alarm or cancel_emergency and return the answer."""
    return await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
        context=context,
    )


def listed(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the open alarms the active emergencies sensor lists."""
    state = hass.states.get("sensor.home_active_emergencies")
    assert state is not None
    return list(state.attributes["alarms"])


def ringing(sim: PushoverSimulator) -> list[list[str]]:
    """Return the users whose emergency still rings at the simulator."""
    now = sim.clock()
    return [rec.users for rec in sim.receipts.values() if rec.active(now)]


async def test_one_incident_per_key_while_it_is_open(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A flapping sensor pages once: the second call answers the open alarm."""
    first = await send_alarm(hass, key=LEAK)
    second = await send_alarm(hass, key=LEAK, message="Water leak again")
    assert first["deduplicated"] is False
    assert second == {
        "alarm_id": first["alarm_id"],
        "deduplicated": True,
        "recipients": [],
    }
    assert sent_to(sim) == [[DEMO_USER]]
    other = await send_alarm(hass, key="garage_door")
    assert other["deduplicated"] is False
    assert [a["key"] for a in listed(hass)] == [LEAK, "garage_door"]
    without = await send_alarm(hass)
    assert without["deduplicated"] is False


@pytest.mark.parametrize("ending", ["acknowledged", "expired", "resolved", "canceled"])
async def test_a_key_starts_a_new_alarm_once_the_last_ended(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    ending: str,
) -> None:
    """After any end, the key pages again."""
    first = await send_alarm(
        hass, key=LEAK, expire=120, steps=[{"targets": ["notify.alice"]}]
    )
    if ending == "acknowledged":
        sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
        await tick(hass, freezer, 11)
    elif ending == "expired":
        for _ in range(15):
            await tick(hass, freezer, 10)
    else:
        action = "resolve_alarm" if ending == "resolved" else "cancel_emergency"
        await end(hass, loaded_entry, action, key=LEAK)
    assert listed(hass) == []
    second = await send_alarm(hass, key=LEAK, steps=[{"targets": ["notify.bob"]}])
    assert second["deduplicated"] is False
    assert second["alarm_id"] != first["alarm_id"]
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]


async def test_acknowledged_then_paged_again_then_resolved(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    events: dict[str, list[Event]],
) -> None:
    """Alice answers at 3 am and sleeps on: it pages again; resolving ends it."""
    started = dt_util.utcnow().replace(microsecond=0)
    response = await send_alarm(hass, key=LEAK, repage_after=1800, tags=["leak"])
    await tick(hass, freezer, 301)
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    [acknowledged] = events["acknowledged"]
    assert (acknowledged.data["round"], acknowledged.data["alarm_id"]) == (
        1,
        response["alarm_id"],
    )
    assert ringing(sim) == []
    [alarm] = listed(hass)
    assert (alarm["state"], alarm["round"], alarm["acknowledged_by_name"]) == (
        "acknowledged",
        1,
        "Alice",
    )
    assert state_of(hass, "sensor.home_active_emergencies") == "1"
    await tick(hass, freezer, 1790)
    assert len(sent_to(sim)) == 2
    await tick(hass, freezer, 10)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2], [DEMO_USER]]
    [alarm] = listed(hass)
    assert (alarm["state"], alarm["round"]) == ("paging", 2)
    answer = await end(hass, loaded_entry, "resolve_alarm", key=LEAK)
    assert answer == {"resolved": 1}
    [resolved] = events["resolved"]
    assert resolved.data == {
        "config_entry_id": loaded_entry.entry_id,
        "alarm_id": response["alarm_id"],
        "key": LEAK,
        "title": "Basement",
        "message": "Water leak",
        "tags": ["leak"],
        "round": 2,
        "acknowledged_by_name": "Alice",
        "resolved_by": None,
        "started": started.isoformat(),
        "resolved_at": resolved.data["resolved_at"],
    }
    assert dt_util.parse_datetime(resolved.data["resolved_at"]) >= started
    assert ringing(sim) == []
    await tick(hass, freezer, 4000)
    assert len(sent_to(sim)) == 3
    assert len(events["acknowledged"]) == 1
    assert events["expired"] == []
    assert listed(hass) == []


async def test_resolved_before_the_re_page_sends_nothing_more(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    events: dict[str, list[Event]],
) -> None:
    """Acknowledged, then resolved: no second round, one resolved event."""
    response = await send_alarm(hass, repage_after=600)
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    assert await end(
        hass, loaded_entry, "resolve_alarm", alarm_id=response["alarm_id"]
    ) == {"resolved": 1}
    for _ in range(10):
        await tick(hass, freezer, 300)
    assert sent_to(sim) == [[DEMO_USER]]
    assert len(events["resolved"]) == 1
    assert events["resolved"][0].data["round"] == 1


async def test_repeat_starts_over_and_expires_once_at_the_end(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    events: dict[str, list[Event]],
) -> None:
    """Nobody answers: two more rounds, then one expired event (round 3)."""
    response = await send_alarm(
        hass,
        repeat=2,
        expire=600,
        steps=[{"targets": ["notify.alice"]}, {"targets": ["notify.bob"], "after": 60}],
    )
    for _ in range(200):
        await tick(hass, freezer, 10)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]] * 3
    [expired] = events["expired"]
    assert (expired.data["alarm_id"], expired.data["round"]) == (
        response["alarm_id"],
        3,
    )
    assert events["acknowledged"] == []
    assert listed(hass) == []


@pytest.mark.parametrize("by", ["alarm_id", "key", "tag"])
async def test_resolve_by_id_key_or_tag_names_who_resolved(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_admin_user: MockUser,
    events: dict[str, list[Event]],
    by: str,
) -> None:
    """The resolved event names the person who resolved it, and the alarm."""
    response = await send_alarm(hass, key=LEAK, tags=["leak"])
    selector = {"alarm_id": response["alarm_id"], "key": LEAK, "tag": "leak"}[by]
    answer = await end(
        hass,
        loaded_entry,
        "resolve_alarm",
        context=Context(user_id=hass_admin_user.id),
        **{by: selector},
    )
    assert answer == {"resolved": 1}
    [resolved] = events["resolved"]
    assert resolved.data["alarm_id"] == response["alarm_id"]
    assert resolved.data["resolved_by"] == hass_admin_user.name
    assert resolved.data["acknowledged_by_name"] is None
    assert ringing(sim) == []
    event_entity = hass.states.get("event.home_emergency")
    assert event_entity is not None
    assert event_entity.attributes["event_type"] == "resolved"
    again = await end(hass, loaded_entry, "resolve_alarm", **{by: selector})
    assert again == {"resolved": 0}


async def test_resolve_leaves_send_message_emergencies_alone(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A single send_message emergency is canceled, not resolved."""
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", "priority": 2, "tags": ["leak"]},
        blocking=True,
    )
    assert await end(hass, loaded_entry, "resolve_alarm", tag="leak") == {"resolved": 0}
    assert ringing(sim) == [[DEMO_USER]]


async def test_cancel_by_key_fires_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    events: dict[str, list[Event]],
) -> None:
    """cancel_emergency by key ends the incident without any event."""
    await send_alarm(hass, key=LEAK, repage_after=600)
    await tick(hass, freezer, 301)
    assert await end(hass, loaded_entry, "cancel_emergency", key=LEAK) == {
        "canceled": 2
    }
    await tick(hass, freezer, 4000)
    assert events == {"acknowledged": [], "expired": [], "resolved": []}
    assert ringing(sim) == []


async def test_every_phone_stops_when_the_alarm_ends(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A step sent at +300 s rings for what remains of the alarm's expire."""
    await send_alarm(hass, expire=1200)
    await tick(hass, freezer, 300)
    assert [m["expire"] for m in sim.messages] == ["1200", "900"]
    await tick(hass, freezer, 899)
    assert ringing(sim) != []
    await tick(hass, freezer, 2)
    assert ringing(sim) == []


async def test_a_restart_keeps_the_acknowledged_state_and_the_re_page(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acknowledged, restart: still acknowledged, and pages again on time."""
    await send_alarm(hass, key=LEAK, repage_after=900)
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    [alarm] = listed(hass)
    assert (alarm["state"], alarm["acknowledged_by_name"]) == ("acknowledged", "Alice")
    await tick(hass, freezer, 880)
    assert sent_to(sim) == [[DEMO_USER]]
    await tick(hass, freezer, 20)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER]]


async def test_a_re_page_due_while_down_goes_out_at_start(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The re-page fell due while Home Assistant was down: round 2 starts at start."""
    await send_alarm(hass, repage_after=600)
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(seconds=1200))
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER]]
    [alarm] = listed(hass)
    assert (alarm["state"], alarm["round"]) == ("paging", 2)


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        ({"key": ""}, "key_length", {"min": "1", "max": "64"}),
        ({"key": "k" * 65}, "key_length", {"min": "1", "max": "64"}),
        (
            {"repage_after": 59},
            "value_out_of_range",
            {
                "field": "repage_after",
                "value": "59",
                "minimum": "60",
                "maximum": "86400",
            },
        ),
        (
            {"repage_after": 86401},
            "value_out_of_range",
            {
                "field": "repage_after",
                "value": "86401",
                "minimum": "60",
                "maximum": "86400",
            },
        ),
        (
            {"repeat": 6},
            "value_out_of_range",
            {"field": "repeat", "value": "6", "minimum": "0", "maximum": "5"},
        ),
        (
            {"repeat": -1},
            "value_out_of_range",
            {"field": "repeat", "value": "-1", "minimum": "0", "maximum": "5"},
        ),
    ],
)
async def test_incident_fields_out_of_bounds_are_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """A translated error naming the bound; nothing sent."""
    with pytest.raises(ServiceValidationError) as err:
        await send_alarm(hass, **data)
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    assert sim.messages == []
