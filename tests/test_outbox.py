"""The outbox: nothing lost when Pushover is down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp import ClientTimeout
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.pushover_complete.const import DOMAIN, EVENT_ACKNOWLEDGED
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_TOKEN, DEMO_USER, PushoverSimulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def send(hass: HomeAssistant, message: str, **data: Any) -> dict[str, Any]:
    """Send to Alice through the action."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": message, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Advance the frozen clock and run what became due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def queued(hass: HomeAssistant) -> str:
    """The queued-messages sensor's state."""
    state = hass.states.get("sensor.home_queued_messages")
    assert state is not None
    return state.state


def delivered(sim: PushoverSimulator) -> list[str]:
    """Messages the simulator accepted, in order."""
    return [m["message"] for m in sim.messages]


async def test_outage_queues_and_delivers_in_order(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """5xx: queued, retried no sooner than 5 s, delivered once, in order."""
    sim.inject_fault("messages.json", "503", count=1)
    first = await send(hass, "one")
    assert first["recipients"][0]["queued"] is True
    await send(hass, "two")
    await send(hass, "three")
    assert delivered(sim) == []
    assert queued(hass) == "3"
    assert "cannot be reached" in caplog.text
    posts = [r for r in sim.requests if r["path"].endswith("messages.json")]
    assert len(posts) == 1  # later sends queued behind without trying
    await tick(hass, freezer, 4)
    assert delivered(sim) == []
    await tick(hass, freezer, 2)
    assert delivered(sim) == ["one", "two", "three"]
    assert queued(hass) == "0"
    assert "can be reached again" in caplog.text
    await tick(hass, freezer, 600)
    assert delivered(sim) == ["one", "two", "three"]


async def test_retry_backs_off(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each failed retry waits longer, up to a few minutes."""
    sim.inject_fault("messages.json", "500", count=4)
    await send(hass, "x")
    attempts = []
    for _ in range(5):
        await tick(hass, freezer, 6)
        attempts.append(
            len([r for r in sim.requests if r["path"].endswith("messages.json")])
        )
    # first retry after 5 s, then 10 s, then 20 s...
    assert attempts[0] == 2
    assert attempts[1] == 2
    assert attempts[2] == 3
    for _ in range(20):
        await tick(hass, freezer, 30)
    assert delivered(sim) == ["x"]


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
    outbox = loaded_entry.runtime_data.outbox
    [item] = outbox.items
    assert item.attachment is not None
    stored = Path(item.attachment.file)
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


async def test_emergency_from_outbox_tracked_or_dropped(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An emergency delivered late is tracked; one older than expire is dropped."""
    events = async_capture_events(hass, EVENT_ACKNOWLEDGED)
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "alarm", priority=2, retry=30, expire=300)
    await tick(hass, freezer, 6)
    [msg] = sim.messages
    assert loaded_entry.runtime_data.receipts.count == 1
    sim.acknowledge(msg["receipt"])
    await tick(hass, freezer, 11)
    assert len(events) == 1

    sim.inject_fault("messages.json", "503", count=50)
    await send(hass, "stale alarm", priority=2, retry=30, expire=60)
    for _ in range(4):
        await tick(hass, freezer, 30)
    assert loaded_entry.runtime_data.outbox.pending == 0
    assert "emergency older than its expire time" in caplog.text
    assert delivered(sim) == ["alarm"]


async def test_given_up_after_an_hour(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A message not delivered within an hour is dropped and logged."""
    sim.inject_fault("messages.json", "503", count=10_000)
    await send(hass, "never")
    for _ in range(15):
        await tick(hass, freezer, 300)
    assert loaded_entry.runtime_data.outbox.pending == 0
    assert "not delivered within 3600 s" in caplog.text
    assert queued(hass) == "0"


async def test_refused_on_retry_is_dropped(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 4xx on retry is not repeated: the message is dropped and logged."""
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "x")
    del sim.users[DEMO_USER]
    await tick(hass, freezer, 6)
    posts = [r for r in sim.requests if r["path"].endswith("messages.json")]
    assert len(posts) == 2
    assert loaded_entry.runtime_data.outbox.pending == 0
    assert "Dropped a queued Pushover message" in caplog.text
    await tick(hass, freezer, 60)
    assert len([r for r in sim.requests if r["path"].endswith("messages.json")]) == 2


async def test_hanging_pushover_times_out_into_the_outbox(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> None:
    """A request that gets no answer times out; the message is queued, then sent.

    (No frozen clock here: the client's timeout runs on the event loop's time.)
    """
    sim.hang_timeout = 2
    with patch(
        "custom_components.pushover_complete.helpers.CLIENT_TIMEOUT",
        ClientTimeout(total=0.3),
    ):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    sim.inject_fault("messages.json", "hang")
    response = await send(hass, "no answer")
    assert response["recipients"][0]["queued"] is True
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))
    await hass.async_block_till_done()
    assert delivered(sim) == ["no answer"]


async def test_quota_or_token_refusal_on_retry(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Refusals on retry act as on a direct send: repair issue, reauth."""
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "quota")
    sim.set_quota(limit=10, remaining=0)
    await tick(hass, freezer, 6)
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exceeded_{loaded_entry.entry_id}"
    )
    sim.set_quota(limit=10, remaining=10)
    sim.inject_fault("messages.json", "503", count=1)
    await send(hass, "token")
    del sim.apps[DEMO_TOKEN]
    await tick(hass, freezer, 6)
    assert loaded_entry.runtime_data.outbox.pending == 0
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert delivered(sim) == []
