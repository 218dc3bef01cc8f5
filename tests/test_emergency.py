"""Emergency alarms: callback, polling, events, restart, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.api import PushoverAPI
from custom_components.pushover_complete.const import (
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_TOKEN, DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import WEBHOOK_ID
from .helpers import EXTERNAL, WEBHOOK, route_callbacks, tick


async def send_emergency(hass: HomeAssistant, **data: Any) -> list[str]:
    """Send an emergency through the action; return the receipts."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": "Water leak", "title": "Basement", "priority": 2, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return [r["receipt"] for r in response["recipients"]]  # type: ignore[index, union-attr]


async def advance(hass: HomeAssistant, seconds: float) -> None:
    """Move Home Assistant's clock on and let the poll run."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done()


def receipt_checks(sim: PushoverSimulator) -> int:
    """Count the receipt reads that reached the simulator (failed ones too)."""
    return sum(
        1
        for r in sim.requests
        if r["path"].startswith("/1/receipts/")
        and not r["path"].endswith("cancel.json")
    )


async def test_polling_sees_acknowledgement(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Without an external URL, polling every 10 s finds the acknowledgement."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(
        hass, entity_id="notify.alice", tags=["leak", "basement"]
    )
    assert "callback" not in sim.messages[0]
    assert sim.messages[0]["tags"] == "leak,basement"
    assert hass.states.get("sensor.home_active_emergencies").state == "1"
    sim.acknowledge(receipt, device="tablet")
    await advance(hass, 11)
    assert len(events) == 1
    data = events[0].data
    assert data["config_entry_id"] == loaded_entry.entry_id
    assert data["receipt"] == receipt
    assert data["acknowledged_by"] == DEMO_USER
    assert data["acknowledged_by_name"] == "Alice"
    assert data["acknowledged_by_device"] == "tablet"
    assert data["title"] == "Basement"
    assert data["message"] == "Water leak"
    assert data["tags"] == ["leak", "basement"]
    assert data["notify_entity_id"] == "notify.alice"
    acknowledged_at = sim.receipts[receipt].acknowledged_at
    assert (
        data["acknowledged_at"]
        == dt_util.utc_from_timestamp(acknowledged_at).isoformat()
    )
    state = hass.states.get("event.home_emergency")
    assert state.attributes["event_type"] == "acknowledged"
    assert state.attributes["receipt"] == receipt
    assert hass.states.get("sensor.home_active_emergencies").state == "0"
    await advance(hass, 120)
    assert len(events) == 1


async def test_polling_not_before_ten_seconds(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Receipts are not polled faster than the contract allows."""
    [receipt] = await send_emergency(hass, entity_id="notify.alice")
    await advance(hass, 4)
    polls = [r for r in sim.requests if receipt in r["path"]]
    assert polls == []
    await advance(hass, 11)
    polls = [r for r in sim.requests if receipt in r["path"]]
    assert len(polls) == 1


async def test_callback_and_poll_give_one_event(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """With an external URL, Pushover calls back; the poll adds no second event."""
    await route_callbacks(hass, sim, hass_client_no_auth)
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(hass, entity_id="notify.bob")
    assert sim.messages[0]["callback"] == EXTERNAL + WEBHOOK
    sim.acknowledge(receipt)
    await sim.wait_callbacks()
    await hass.async_block_till_done()
    assert len(events) == 1
    assert events[0].data["acknowledged_by"] == DEMO_USER2
    assert events[0].data["acknowledged_by_name"] == "Bob"
    assert sim.receipts[receipt].called_back
    await advance(hass, 61)
    assert len(events) == 1


async def test_safety_net_poll_every_minute_with_callback(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """When a callback is expected, polling slows to once a minute."""
    hass.config.external_url = EXTERNAL
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(hass, entity_id="notify.alice")
    sim.callback_sender = None
    sim.receipts[receipt].callback = None  # the callback never arrives
    sim.acknowledge(receipt)
    await advance(hass, 30)
    assert events == []
    await advance(hass, 61)
    assert len(events) == 1


async def test_explicit_callback_url_passed_through(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A caller's callback_url is sent unchanged and the receipt still polled."""
    hass.config.external_url = EXTERNAL
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(
        hass, entity_id="notify.alice", callback_url="https://elsewhere.example/cb"
    )
    assert sim.messages[0]["callback"] == "https://elsewhere.example/cb"
    sim.receipts[receipt].callback = None
    sim.acknowledge(receipt)
    await advance(hass, 61)
    assert len(events) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"receipt": "r" * 30, "acknowledged": "1", "acknowledged_by": DEMO_USER},
        {"receipt": "../../etc", "acknowledged": "1"},
        {},
        b"\xff\xfe\x00garbage",
        b"receipt=" + b"a" * 10_000,
    ],
)
async def test_webhook_ignores_forged_and_garbage(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    body: Any,
) -> None:
    """Unknown receipts and garbage get a bare 200 and no event."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    await send_emergency(hass, entity_id="notify.alice")
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK, data=body)
    assert response.status == 200
    assert await response.text() == ""
    await hass.async_block_till_done()
    assert events == []
    assert hass.states.get("sensor.home_active_emergencies").state == "1"


async def test_webhook_get_without_a_link_is_not_found(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A GET is for action links only: without one it finds nothing, fires nothing."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    client = await hass_client_no_auth()
    for method in ("get", "put"):
        response = await getattr(client, method)(WEBHOOK)
        assert response.status == {"get": 404, "put": 405}[method]
    assert events == []


async def test_expired_event(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An emergency nobody answered fires one expired event."""
    events = async_capture_events(hass, EVENT_EXPIRED)
    acks = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(hass, entity_id="notify.alice", tags=["t"])
    sim.receipts[receipt].expires_at = 0
    await advance(hass, 11)
    assert len(events) == 1
    assert events[0].data == {
        "config_entry_id": loaded_entry.entry_id,
        "receipt": receipt,
        "title": "Basement",
        "message": "Water leak",
        "tags": ["t"],
        "notify_entity_id": "notify.alice",
        "alarm_id": None,
    }
    assert acks == []
    assert hass.states.get("event.home_emergency").attributes["event_type"] == "expired"


async def test_receipts_survive_restart(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Open receipts are stored and tracked again after a reload."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(hass, entity_id="notify.alice")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.home_active_emergencies").state == "1"
    sim.acknowledge(receipt)
    await advance(hass, 11)
    assert len(events) == 1
    assert events[0].data["notify_entity_id"] == "notify.alice"


async def test_unreachable_while_polling_loses_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Polling failures are logged once and back off; tracking resumes."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    [receipt] = await send_emergency(hass, entity_id="notify.alice")
    sim.acknowledge(receipt)
    sim.inject_fault(f"{receipt}.json", "503", count=2)
    await tick(hass, freezer, 11)  # first failure: the next poll waits 20 s
    assert receipt_checks(sim) == 1
    await tick(hass, freezer, 19)
    assert receipt_checks(sim) == 1
    await tick(hass, freezer, 2)  # second failure: the next poll waits 40 s
    assert receipt_checks(sim) == 2
    assert events == []
    assert caplog.text.count("Cannot check emergency receipts") == 1
    await tick(hass, freezer, 39)
    assert events == []
    await tick(hass, freezer, 2)
    assert len(events) == 1
    assert receipt_checks(sim) == 3


async def test_receipt_gone_stops_tracking(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A receipt Pushover no longer knows is dropped without an event."""
    events = async_capture_events(hass, EVENT_EXPIRED)
    [receipt] = await send_emergency(hass, entity_id="notify.alice")
    del sim.receipts[receipt]
    await advance(hass, 11)
    assert events == []
    assert hass.states.get("sensor.home_active_emergencies").state == "0"


async def test_cancel_by_receipt_and_tag(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Canceled receipts stop being tracked and fire no expired event."""
    expired = async_capture_events(hass, EVENT_EXPIRED)
    [first] = await send_emergency(hass, entity_id="notify.alice")
    receipts = await send_emergency(
        hass, entity_id=["notify.alice", "notify.bob"], tags=["fire alarm/1"]
    )
    response = await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": loaded_entry.entry_id, "receipt": first},
        blocking=True,
        return_response=True,
    )
    assert response == {"canceled": 1}
    assert sim.receipts[first].canceled
    response = await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": loaded_entry.entry_id, "tag": "fire alarm/1"},
        blocking=True,
        return_response=True,
    )
    assert response == {"canceled": 2}
    assert all(sim.receipts[r].canceled for r in receipts)
    assert hass.states.get("sensor.home_active_emergencies").state == "0"
    for receipt in [first, *receipts]:
        sim.receipts[receipt].expires_at = 0
    await advance(hass, 61)
    assert expired == []


async def test_get_receipt(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """get_receipt returns the receipt with ISO times."""
    [receipt] = await send_emergency(hass, entity_id="notify.alice")
    sim.acknowledge(receipt, device="phone")
    response = await hass.services.async_call(
        DOMAIN,
        "get_receipt",
        {"config_entry_id": loaded_entry.entry_id, "receipt": receipt},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["acknowledged"] is True
    assert response["acknowledged_by"] == DEMO_USER
    assert response["acknowledged_by_device"] == "phone"
    assert response["expired"] is False
    rec = sim.receipts[receipt]
    assert (
        response["expires_at"] == dt_util.utc_from_timestamp(rec.expires_at).isoformat()
    )
    assert (
        response["acknowledged_at"]
        == dt_util.utc_from_timestamp(rec.acknowledged_at).isoformat()
    )
    assert response["called_back"] is False
    assert response["called_back_at"] is None


async def test_legacy_service_emergency_is_tracked(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An emergency through the legacy service is tracked as well."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    await hass.services.async_call(
        "notify",
        "alice",
        {"message": "Smoke", "data": {"priority": 2, "retry": 30, "expire": 300}},
        blocking=True,
    )
    [msg] = sim.messages
    assert (msg["retry"], msg["expire"]) == ("30", "300")
    sim.acknowledge(msg["receipt"])
    await advance(hass, 11)
    assert len(events) == 1
    assert events[0].data["notify_entity_id"] == "notify.alice"
    assert events[0].data["message"] == "Smoke"


@pytest.mark.parametrize(
    ("subscribed", "cloudhook", "side_effect", "expected"),
    [
        (True, "https://hooks.nabu.casa/abc", None, "https://hooks.nabu.casa/abc"),
        (True, None, RuntimeError("cloud down"), None),
        (False, "https://hooks.nabu.casa/abc", None, None),
    ],
    ids=["cloudhook", "cloud_down", "not_subscribed"],
)
async def test_cloud_webhook_used_when_subscribed(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    subscribed: bool,
    cloudhook: str | None,
    side_effect: Exception | None,
    expected: str | None,
) -> None:
    """With a Home Assistant Cloud subscription the callback is its webhook; else none."""
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=subscribed,
        ),
        patch(
            "homeassistant.components.cloud.async_get_or_create_cloudhook",
            return_value=cloudhook,
            side_effect=side_effect,
        ),
    ):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await send_emergency(hass, entity_id="notify.alice")
    assert sim.messages[0].get("callback") == expected


@pytest.mark.parametrize("cloud_error", [None, RuntimeError("not logged in")])
async def test_removed_entry_deletes_its_cloud_webhook(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    cloud_error: Exception | None,
) -> None:
    """Removing the entry deletes its Home Assistant Cloud webhook (if it can)."""
    hass.config.components.add("cloud")
    with patch(
        "homeassistant.components.cloud.async_delete_cloudhook",
        side_effect=cloud_error,
    ) as delete:
        assert await hass.config_entries.async_remove(loaded_entry.entry_id)
        await hass.async_block_till_done()
    delete.assert_called_once_with(hass, WEBHOOK_ID)
    assert hass.config_entries.async_get_entry(loaded_entry.entry_id) is None


async def test_cancel_a_receipt_this_home_assistant_did_not_send(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An emergency the application sent from elsewhere is canceled at Pushover."""
    assert sim.base_url
    async with PushoverAPI(DEMO_TOKEN, base_url=sim.base_url) as elsewhere:
        sent = await elsewhere.send_message(
            DEMO_USER, "From the old server", priority=2, retry=30, expire=600
        )
    response = await hass.services.async_call(
        DOMAIN,
        "cancel_emergency",
        {"config_entry_id": loaded_entry.entry_id, "receipt": sent["receipt"]},
        blocking=True,
        return_response=True,
    )
    assert response == {"canceled": 1}
    assert sim.receipts[sent["receipt"]].canceled
