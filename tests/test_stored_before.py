"""What an update finds on disk: stores the previous versions wrote, some damaged.

Before alarm records, escalating alarms were stored with steps of notify
entity ids and every receipt lived in a store of its own; queued emergencies
named no owner, and queued attachments no size. Each test lets the integration
write its stores, unloads it, turns them into an older version's (as the
previous version wrote them, or damaged by hand), and sets it up again: what
was pending still rings, is answered and ends as it would have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN, EVENT_ACKNOWLEDGED
from homeassistant.core import HomeAssistant
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import BOB
from .helpers import (
    Capture,
    follow_frozen_clock,
    receipt_sent_to,
    send_emergency,
    sent_to,
    state_of,
    tick,
)
from .open_client_helpers import warnings_in

PNG: Final = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ACTIVE: Final = "sensor.home_active_emergencies"


@pytest.fixture(autouse=True)
def frozen(
    freezer: FrozenDateTimeFactory, sim: PushoverSimulator
) -> FrozenDateTimeFactory:
    """Freeze the clock (the simulator's too): only ``tick`` moves time."""
    follow_frozen_clock(sim)
    return freezer


def stored(hass_storage: dict[str, Any], entry: MockConfigEntry, kind: str) -> Any:
    """The data of one of the entry's stores."""
    return hass_storage[f"{DOMAIN}.{entry.entry_id}.{kind}"]["data"]


def write_store(
    hass_storage: dict[str, Any],
    entry: MockConfigEntry,
    kind: str,
    data: dict[str, Any],
    minor_version: int = 1,
) -> None:
    """Write one of the entry's stores as a version before this one did."""
    key = f"{DOMAIN}.{entry.entry_id}.{kind}"
    hass_storage[key] = {
        "version": 1,
        "minor_version": minor_version,
        "key": key,
        "data": data,
    }


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the (unloaded) entry up again, reading what is stored."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def send_alarm(hass: HomeAssistant, target: str, **data: Any) -> dict[str, Any]:
    """Start an alarm of one step to ``target``; return its answer."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"message": "Water leak", "steps": [{"targets": [target]}], **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def old_receipt(receipt: str, now: float, **changes: Any) -> dict[str, Any]:
    """A receipt as the receipts store before records kept it: Alice's."""
    return {
        "receipt": receipt,
        "title": None,
        "message": "old",
        "tags": [],
        "notify_entity_id": "notify.alice",
        "expires_at": now + 3600,
        "callback_expected": False,
        "sent_at": now,
        "user_key": DEMO_USER,
        "recipient_name": "Alice",
        "alarm_id": None,
        **changes,
    }


async def test_an_old_alarm_keeps_its_receipts_and_a_damaged_one_is_named(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An escalating alarm of the previous version, its receipt stored apart.

    The receipt names a notify entity that is gone: it is Alice's by her key.
    A damaged receipt beside it is skipped with a warning naming its place (the
    log is all a user can learn of it); the old receipts store goes.
    """
    receipt = await send_emergency(hass, message="old alarm")
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    now = sim.clock()
    write_store(
        hass_storage,
        loaded_entry,
        "alarms",
        {
            "alarms": [
                {
                    "alarm_id": "old-alarm",
                    "started": now,
                    "steps": [
                        {"targets": ["notify.alice"], "after": 0, "sent": True},
                        # A step that already names its recipients is kept.
                        {"recipients": [BOB], "after": 300, "sent": False},
                    ],
                    "message": {"message": "old alarm", "title": "Old", "tags": []},
                    "attachment": None,
                }
            ]
        },
    )
    write_store(
        hass_storage,
        loaded_entry,
        "receipts",
        {
            "receipts": [
                old_receipt(
                    receipt,
                    now,
                    alarm_id="old-alarm",
                    notify_entity_id="notify.renamed_long_ago",
                ),
                {"receipt": "damaged", "sent_at": now},
            ]
        },
        minor_version=2,
    )
    acknowledged = Capture(hass, EVENT_ACKNOWLEDGED)
    await restart(hass, loaded_entry)
    assert state_of(hass, ACTIVE) == "1"
    assert f"{DOMAIN}.{loaded_entry.entry_id}.receipts" not in hass_storage
    assert [r.getMessage() for r in warnings_in(caplog)] == [
        "Skipped stored receipt 2: it cannot be read (KeyError)"
    ]
    sim.acknowledge(receipt, device="phone")
    await tick(hass, freezer, 11)
    await acknowledged.wait(1)
    [event] = acknowledged.data
    assert (event["alarm_id"], event["title"], event["notify_entity_id"]) == (
        "old-alarm",
        "Old",
        "notify.alice",
    )
    assert event["acknowledged_by_name"] == "Alice"
    await tick(hass, freezer, 300)
    assert sent_to(sim) == [[DEMO_USER]]
    assert state_of(hass, ACTIVE) == "0"


async def test_a_lone_receipt_and_an_old_alarm_are_both_tracked(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A send_message emergency's receipt and an alarm with a step still to go."""
    receipt = await send_emergency(hass, message="old")
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    now = sim.clock()
    steps = [
        {"targets": ["notify.alice"], "after": 0, "sent": True},
        {"targets": ["notify.bob"], "after": 300, "sent": False},
    ]
    alarm = {
        "alarm_id": "old-alarm",
        "started": now,
        "steps": steps,
        "message": {"message": "old alarm", "title": "Old", "tags": []},
        "attachment": None,
    }
    write_store(hass_storage, loaded_entry, "alarms", {"alarms": [alarm]})
    receipts = {"receipts": [old_receipt(receipt, now)]}
    write_store(hass_storage, loaded_entry, "receipts", receipts, minor_version=2)
    acknowledged = Capture(hass, EVENT_ACKNOWLEDGED)
    await restart(hass, loaded_entry)
    assert state_of(hass, ACTIVE) == "2"
    assert f"{DOMAIN}.{loaded_entry.entry_id}.receipts" not in hass_storage
    sim.acknowledge(receipt)
    await tick(hass, freezer, 11)
    await acknowledged.wait(1)
    [event] = acknowledged.data
    assert (event["receipt"], event["alarm_id"]) == (receipt, None)
    await tick(hass, freezer, 300)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    assert sim.messages[-1]["message"] == "old alarm"


async def test_emergencies_queued_before_records_ring_once_delivered(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Queued in an outage by the previous version, delivered after the update.

    Alice's emergency (``send_message``) was queued naming no owner: it becomes
    an alarm of its own. Bob's alarm had not noted its queued send, and noted
    one whose item is gone: it takes its queued send and forgets the gone one.
    """
    sim.inject_fault("messages.json", "503", count=1000, method="POST")
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "Smoke", "priority": 2},
        blocking=True,
    )
    alarm = await send_alarm(hass, "notify.bob", key="door", title="Door")
    assert state_of(hass, "sensor.home_queued_messages") == "2"
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    items = stored(hass_storage, loaded_entry, "outbox")["items"]
    [smoke] = [item for item in items if item["fields"]["message"] == "Smoke"]
    del smoke["ref"]
    alarms = stored(hass_storage, loaded_entry, "alarms")["alarms"]
    [door] = [record for record in alarms if record["alarm_id"] == alarm["alarm_id"]]
    door["queued"] = {"gone": {"recipient": BOB, "round": 1}}
    alarms.remove(next(record for record in alarms if record is not door))
    acknowledged = Capture(hass, EVENT_ACKNOWLEDGED)
    sim.faults.clear()
    await restart(hass, loaded_entry)
    assert state_of(hass, ACTIVE) == "2"
    for _ in range(3):
        await tick(hass, freezer, 6)
    assert sorted(sent_to(sim)) == sorted([[DEMO_USER], [DEMO_USER2]])
    assert {m["priority"] for m in sim.messages} == {"2"}
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER), device="phone")
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER2), device="tablet")
    await tick(hass, freezer, 11)
    await acknowledged.wait(2)
    assert sorted(
        (event["notify_entity_id"], event["alarm_id"]) for event in acknowledged.data
    ) == [("notify.alice", None), ("notify.bob", alarm["alarm_id"])]
    assert state_of(hass, ACTIVE) == "0"
    assert state_of(hass, "sensor.home_queued_messages") == "0"


async def test_a_queued_picture_stored_without_its_size_whose_file_is_gone(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    tmp_path: Path,
) -> None:
    """The outbox of version 1.1 (no attachment size) is read; a lost file sends text."""
    picture = tmp_path / "snap.png"
    picture.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    sim.inject_fault("messages.json", "503", count=1000, method="POST")
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "Door", "attachment": str(picture)},
        blocking=True,
    )
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    outbox = stored(hass_storage, loaded_entry, "outbox")
    [item] = outbox["items"]
    del item["attachment"]["size"]
    kept = Path(item["attachment"]["file"])
    assert kept.read_bytes() == PNG
    kept.unlink()
    write_store(hass_storage, loaded_entry, "outbox", outbox)
    sim.faults.clear()
    await restart(hass, loaded_entry)
    assert state_of(hass, "sensor.home_queued_messages") == "1"
    await tick(hass, freezer, 6)
    [msg] = sim.messages
    assert msg["message"] == "Door"
    assert msg["attachment"] is None
    assert state_of(hass, "sensor.home_queued_messages") == "0"
