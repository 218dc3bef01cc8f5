"""The outbox: nothing lost when Pushover is down, nothing stuck when it flickers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import os
from pathlib import Path
import stat
import time
from typing import Any
import uuid

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.pushover_complete.const import DOMAIN
from custom_components.pushover_complete.outbox import (
    FIRST_RETRY,
    MAX_ATTACHMENT_BYTES,
    MAX_RETRY,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from pushover_simulator import DEMO_TOKEN, DEMO_USER, PushoverSimulator

from .helpers import state_of, tick

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
START = "2026-11-28 08:00:00+00:00"
# The seed's storm fails 68 of the 188 sends the backlog takes (503s and drops),
# up to five in a row: with the back-off reset on each delivery that is about 10
# minutes of waiting; reset only on an empty queue, most would be dropped after
# an hour (issue 14).
STORM_SEED = 14


async def send(
    hass: HomeAssistant, message: str, entity_id: str = "notify.alice", **data: Any
) -> dict[str, Any]:
    """Send through the action and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": entity_id, "message": message, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


def posts(sim: PushoverSimulator) -> int:
    """How many sends reached the simulator (delivered or not)."""
    return sum(1 for r in sim.requests if r["path"].endswith("/messages.json"))


async def attempt_times(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: PushoverSimulator,
    seconds: int,
    done: Callable[[], bool] = lambda: False,
) -> list[int]:
    """Tick one second at a time; return when (in s from now) each send was made."""
    times: list[int] = []
    for second in range(1, seconds + 1):
        before = posts(sim)
        await tick(hass, freezer, 1)
        times += [second] * (posts(sim) - before)
        if done():
            break
    return times


def kept_files(hass: HomeAssistant, entry: MockConfigEntry) -> list[Path]:
    """The attachment files the outbox keeps for an entry."""
    folder = Path(hass.config.path(".storage", f"{DOMAIN}_outbox", entry.entry_id))
    return sorted(folder.iterdir()) if folder.exists() else []


def queued(hass: HomeAssistant) -> str:
    """The queued-messages sensor's state."""
    return state_of(hass, "sensor.home_queued_messages")


def delivered(sim: PushoverSimulator) -> list[str]:
    """Messages the simulator accepted, in order."""
    return [m["message"] for m in sim.messages]


async def test_outage_queues_and_delivers_in_order(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """5xx: queued, retried no sooner than 5 s, delivered once, in order."""
    sim.inject_fault("messages.json", "503", count=1)
    first = await send(hass, "one")
    assert first["recipients"][0]["queued"] is True
    await send(hass, "two")
    await send(hass, "three")
    assert delivered(sim) == []
    assert queued(hass) == "3"
    assert posts(sim) == 1  # later sends queued behind without trying
    await tick(hass, freezer, 4)
    assert delivered(sim) == []
    await tick(hass, freezer, 2)
    assert delivered(sim) == ["one", "two", "three"]
    assert queued(hass) == "0"
    await tick(hass, freezer, 600)
    assert delivered(sim) == ["one", "two", "three"]
    assert posts(sim) == 4


async def test_back_off_doubles_to_the_cap(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Failing tries wait 5, 10, 20 … s, never more than 300 s."""
    freezer.move_to(START)
    sim.inject_fault("messages.json", "500", count=9)
    await send(hass, "x")
    assert posts(sim) == 1
    times = await attempt_times(hass, freezer, sim, 1300, lambda: bool(sim.messages))
    assert times == [5, 15, 35, 75, 155, 315, 615, 915, 1215]
    waits = [b - a for a, b in zip([0, *times], times, strict=False)]
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert max(waits) == MAX_RETRY
    assert delivered(sim) == ["x"]


async def test_delivery_resets_the_back_off(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a delivery, the next failing message is tried again 5 s later."""
    freezer.move_to(START)
    sim.inject_fault("messages.json", "503", count=4)
    await send(hass, "a")
    await send(hass, "b")

    async def fail_after_first_delivery() -> None:
        await sim.wait_until(lambda: len(sim.messages) == 1)
        sim.inject_fault("messages.json", "503", count=1)

    watcher = hass.async_create_background_task(
        fail_after_first_delivery(), "fail after the first delivery"
    )
    times = await attempt_times(hass, freezer, sim, 200, lambda: len(sim.messages) > 1)
    await watcher
    # "a" fails at 0 (the call), 5, 15 and 35 s and gets through at 75 s;
    # "b" fails right after it, and is tried again after the first wait.
    assert times == [5, 15, 35, 75, 75, 75 + FIRST_RETRY]
    assert delivered(sim) == ["a", "b"]


async def test_seeded_storm_drains_a_backlog_exactly_once_in_order(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A third of the sends failing: 120 queued messages, all delivered within minutes."""
    freezer.move_to(START)
    names = [f"m{number:03}" for number in range(120)]
    sim.inject_fault("messages.json", "503", count=1)
    for name in names:
        await send(hass, name)
    assert queued(hass) == "120"
    assert posts(sim) == 1
    sim.set_storm(0.33, seed=STORM_SEED)
    sim.peak_in_flight = 0
    started = time.time()
    times = await attempt_times(
        hass, freezer, sim, 3600, lambda: len(sim.messages) == len(names)
    )
    assert delivered(sim) == names
    assert [m["users"] for m in sim.messages] == [[DEMO_USER]] * len(names)
    failures = [r["fault"] for r in sim.requests if r.get("storm")]
    assert len(failures) == sim.storm_failures == 68
    assert {"503", "drop"} <= set(failures)
    assert len(times) == len(names) + sim.storm_failures
    assert sim.peak_in_flight <= 2
    assert time.time() - started <= 12 * 60
    assert queued(hass) == "0"


async def test_dropped_connection_is_queued(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A connection dropped without an answer is queued and delivered."""
    sim.inject_fault("messages.json", "drop", count=1)
    response = await send(hass, "dropped")
    assert response["recipients"][0]["queued"] is True
    await tick(hass, freezer, 6)
    assert delivered(sim) == ["dropped"]


async def test_hanging_pushover_times_out_into_the_outbox(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A send that gets no answer in 30 s is queued, then delivered."""
    sim.inject_fault("messages.json", "hang")
    call = asyncio.get_running_loop().create_task(send(hass, "no answer"))
    async with asyncio.timeout(10):
        await sim.wait_until(lambda: sim.in_flight == 1)
    await tick(hass, freezer, 29)
    assert not call.done()
    await tick(hass, freezer, 2)
    response = await call
    assert response["recipients"][0]["queued"] is True
    assert delivered(sim) == []
    await tick(hass, freezer, 6)
    assert delivered(sim) == ["no answer"]


async def test_outbox_survives_restart(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    """Queued messages (attachments too) are delivered after a reload."""
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "before restart", attachment=str(image), timestamp=1_700_000_000)
    [stored] = kept_files(hass, loaded_entry)
    assert stored.read_bytes() == PNG
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert queued(hass) == "1"
    await tick(hass, freezer, 6)
    [msg] = sim.messages
    assert msg["message"] == "before restart"
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "a.png"
    assert msg["timestamp"] == "1700000000"
    assert not stored.exists()


async def test_queued_attachments_are_private(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """A queued attachment is a 0600 file in a 0700 folder, even a loose one."""
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    os.chmod(image, 0o644)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    folder = Path(
        hass.config.path(".storage", f"{DOMAIN}_outbox", loaded_entry.entry_id)
    )
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "private", attachment=str(image))
    [stored] = kept_files(hass, loaded_entry)
    assert stored.parent == folder
    assert stored.read_bytes() == PNG
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_attachment_bytes_are_bounded(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    """While 50 MB of attachments wait, a new one is refused; text still queues."""
    image = tmp_path / "big.png"
    image.write_bytes(PNG + b"\x00" * (5_000_000 - len(PNG)))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    sim.inject_fault("messages.json", "503", count=1)
    for number in range(10):
        await send(hass, f"picture {number}", attachment=str(image))
    kept = sum(f.stat().st_size for f in kept_files(hass, loaded_entry))
    assert kept == 50_000_000 <= MAX_ATTACHMENT_BYTES
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, "one too many", attachment=str(image))
    assert err.value.translation_key == "outbox_full"
    assert err.value.translation_placeholders == {"limit": "50"}
    alarm = {"message": "Leak", "attachment": str(image), "key": "leak"}
    alarm["steps"] = [{"targets": ["notify.alice"]}]
    with pytest.raises(HomeAssistantError) as err:  # and the alarm is not left open
        await hass.services.async_call(
            DOMAIN, "send_alarm", alarm, blocking=True, return_response=True
        )
    assert err.value.translation_key == "outbox_full"
    assert state_of(hass, "sensor.home_active_emergencies") == "0"
    assert queued(hass) == "10"
    await send(hass, "words only")
    assert queued(hass) == "11"
    await tick(hass, freezer, 6)
    assert delivered(sim) == [f"picture {n}" for n in range(10)] + ["words only"]
    assert all(len(m["attachment"]) == 5_000_000 for m in sim.messages[:10])
    assert kept_files(hass, loaded_entry) == []


async def test_original_time_kept(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A queued message shows when it was sent, not when it got through."""
    freezer.move_to("2026-11-27 12:00:00+00:00")
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "late")
    await tick(hass, freezer, 6)
    [msg] = sim.messages
    assert msg["timestamp"] == str(1_795_780_800)


async def test_given_up_after_an_hour(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A message not delivered within an hour is dropped: the queue empties."""
    sim.inject_fault("messages.json", "503", count=10_000)
    await send(hass, "never")
    for _ in range(11):
        await tick(hass, freezer, 300)
    assert queued(hass) == "1"
    for _ in range(4):
        await tick(hass, freezer, 300)
    assert queued(hass) == "0"
    sim.faults.clear()
    await tick(hass, freezer, 600)
    assert delivered(sim) == []


def stored_item(message: str, **changes: Any) -> dict[str, Any]:
    """A queued message as the store keeps it, for Alice."""
    return {
        "id": uuid.uuid4().hex,
        "created": time.time(),
        "fields": {"message": message, "timestamp": int(time.time())},
        "recipients": [
            {
                "user_key": DEMO_USER,
                "name": "Alice",
                "devices": [],
                "sound": None,
                "priority": None,
                "encryption_key": None,
                "notify_entity_id": "notify.alice",
            }
        ],
        "title": None,
        "message": message,
        "tags": [],
        "attachment": None,
        **changes,
    }


async def test_broken_stored_items_are_skipped_or_dropped(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unreadable entries are skipped; unsendable ones dropped; the rest delivered."""
    surrogate = "bad \ud800 text"
    items = [
        stored_item("first"),
        "not an item",
        {"id": "no fields"},
        stored_item("bad recipient", recipients=[{"nickname": "x"}]),
        stored_item(surrogate, fields={"message": surrogate}),
        stored_item("unknown field", fields={"message": "x", "colour": "red"}),
        stored_item("bad owner", ref=5),
        stored_item("last"),
    ]
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.outbox"] = {
        "version": 1,
        "minor_version": 2,
        "key": f"{DOMAIN}.{config_entry.entry_id}.outbox",
        "data": {"items": items},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    warned = [
        record
        for record in caplog.records
        if record.levelno == logging.WARNING and "Skipped queued" in record.msg
    ]
    assert [record.args[0] for record in warned] == [2, 3, 4, 7]  # type: ignore[index]
    assert queued(hass) == "4"
    await tick(hass, freezer, 6)
    assert delivered(sim) == ["first", "last"]
    assert queued(hass) == "0"
    assert posts(sim) == 2
    await send(hass, "after")
    assert delivered(sim) == ["first", "last", "after"]


async def test_refused_on_retry_is_dropped(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 4xx on retry is not repeated: the message is dropped, the others go."""
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "x")
    await send(hass, "y", entity_id="notify.bob")
    del sim.users[DEMO_USER]
    await tick(hass, freezer, 6)
    assert posts(sim) == 3
    assert queued(hass) == "0"
    assert delivered(sim) == ["y"]
    await tick(hass, freezer, 60)
    assert posts(sim) == 3


async def test_quota_refusal_on_retry_opens_the_repair_issue(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """HTTP 429 on retry: dropped, repair issue opened; a later delivery closes it."""
    issues = ir.async_get(hass)
    issue_id = "quota_exceeded"
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "quota")
    sim.set_quota(limit=10, remaining=0)
    await tick(hass, freezer, 6)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "quota_exceeded"
    assert queued(hass) == "0"
    assert delivered(sim) == []
    sim.set_quota(limit=10, remaining=10)
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "later")
    assert issues.async_get_issue(DOMAIN, issue_id) is not None
    await tick(hass, freezer, 6)
    assert delivered(sim) == ["later"]
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_token_refusal_on_retry_starts_reauth(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A rejected token on retry: dropped, not repeated, reauth for this entry."""
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "token")
    del sim.apps[DEMO_TOKEN]
    await tick(hass, freezer, 6)
    assert queued(hass) == "0"
    flows = hass.config_entries.flow.async_progress()
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        ("reauth", loaded_entry.entry_id)
    ]
    assert delivered(sim) == []
    await tick(hass, freezer, 60)
    assert posts(sim) == 2


async def test_removal_forgets_queue_receipts_and_attachments(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    tmp_path: Path,
) -> None:
    """Removing the entry removes both stores and the attachment folder."""
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await send(hass, "alarm", priority=2)
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "later", attachment=str(image))
    await tick(hass, freezer, 2)
    folder = Path(
        hass.config.path(".storage", f"{DOMAIN}_outbox", loaded_entry.entry_id)
    )
    assert len(kept_files(hass, loaded_entry)) == 1
    keys = {
        f"{DOMAIN}.{loaded_entry.entry_id}.{store}" for store in ("alarms", "outbox")
    }
    assert keys <= set(hass_storage)
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert not keys & set(hass_storage)
    assert not folder.exists()
    assert delivered(sim) == ["alarm"]
