"""The push connection of this Home Assistant as a Pushover device, in frozen time.

``R`` reconnects at once; ``E``, ``A`` and a refused download end the session
with a repair issue; any other loss reconnects after 1 s doubling to 5 min,
starting over after a healthy minute; a backlog too large for one download
stops with a repair issue. The waits are the simulator's report of each
connection's login and end, by its (frozen) clock.
"""

from __future__ import annotations

import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.api import MAX_DOWNLOAD, PushoverAPI
from custom_components.pushover_complete.const import (
    CONF_SECRET,
    DOMAIN,
    EVENT_MESSAGE_RECEIVED,
)
from custom_components.pushover_complete.open_client_issues import (
    backlog_issue_id,
    session_issue_id,
)
from custom_components.pushover_complete.receiver import SILENCE_TIMEOUT
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pushover_simulator import DEMO_USER, OpenDevice, PushoverSimulator

from .conftest import ALICE, recipient
from .helpers import (
    Capture,
    fire_later,
    follow_frozen_clock,
    open_client_subentry,
    state_of,
    tick,
    wait_session_issue,
    wait_sim,
    wait_state,
)
from .open_client_helpers import (
    DEVICE,
    DEVICE_NAME,
    PACKAGE,
    SENSOR,
    channel,
    times,
    until_issue,
    wait_down,
    wait_ended,
    wait_new_connection,
    wait_receivers_ended,
    warnings_in,
)

# Every wait fails within seconds of real time (helpers.deadline); this is a
# last resort should something else hang under the frozen clock.
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def frozen(
    freezer: FrozenDateTimeFactory,
    sim: PushoverSimulator,
    caplog: pytest.LogCaptureFixture,
) -> FrozenDateTimeFactory:
    """Freeze the clock (the simulator's too); record the log, debug included."""
    follow_frozen_clock(sim)
    caplog.set_level(logging.DEBUG, logger=PACKAGE)
    return freezer


@pytest.fixture
def device(sim: PushoverSimulator) -> tuple[OpenDevice, str]:
    """This Home Assistant as a device of the demo user, and its secret."""
    return sim.add_open_client_device(DEMO_USER, DEVICE_NAME)


@pytest.fixture
def recipients(device: tuple[OpenDevice, str]) -> list[dict[str, Any]]:
    """Alice and the device."""
    return [recipient(ALICE, "Alice", DEMO_USER), open_client_subentry(DEVICE, *device)]


async def test_reload_frame_reconnects_at_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    sender: PushoverAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``R``: a new connection without waiting, no warning, messages flow on."""
    dev, _secret = device
    old = channel(sim, dev.id)
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    assert sim.push_frame(dev.id, "R") == 1
    await wait_new_connection(sim, dev.id, old)
    assert sim.open_client.reconnect_delays(dev.id) == [0]
    assert warnings_in(caplog) == []
    await wait_state(hass, SENSOR, "on")
    await sender.send_message(DEMO_USER, "After R", device=DEVICE_NAME)
    await received.wait(1)


@pytest.mark.parametrize("frame", ["E", "A"])
async def test_session_end_frames_stop_and_open_repair(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    frame: str,
) -> None:
    """``E`` and ``A``: no reconnect, a fixable repair issue."""
    dev, secret = device
    assert sim.push_frame(dev.id, frame) == 1
    issue_id = await wait_session_issue(hass, connected.entry_id, DEVICE)
    await wait_sim(sim, lambda: sim.push_connections(dev.id) == 0)
    await wait_receivers_ended(hass)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_key == "open_client_session_ended"
    assert issue.translation_placeholders == {"name": DEVICE_NAME}
    assert issue.data == {"entry_id": connected.entry_id, "subentry_id": DEVICE}
    assert state_of(hass, SENSOR) == "off"
    await tick(hass, freezer, 600)
    assert len(times(sim, dev.id)) == 1
    assert secret not in caplog.text


async def test_refused_download_opens_repair(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 4xx on download (the session is gone) stops and opens the repair issue."""
    dev, secret = device
    del sim.open_client.sessions[secret]
    assert sim.push_frame(dev.id, "!") == 1
    await wait_session_issue(hass, connected.entry_id, DEVICE)
    await wait_sim(sim, lambda: sim.push_connections(dev.id) == 0)
    await wait_receivers_ended(hass)
    assert len(times(sim, dev.id)) == 1
    assert secret not in caplog.text


async def test_malformed_secret_opens_repair(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    config_entry: MockConfigEntry,
) -> None:
    """A stored secret the client refuses to send ends the session at once."""
    dev, _secret = device
    config_entry.add_to_hass(hass)
    subentry = config_entry.subentries[DEVICE]
    hass.config_entries.async_update_subentry(
        config_entry, subentry, data={**subentry.data, CONF_SECRET: "not a secret"}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await wait_session_issue(hass, config_entry.entry_id, DEVICE)
    await wait_receivers_ended(hass)
    assert sim.push_connections(dev.id) == 0
    assert state_of(hass, SENSOR) == "off"


async def test_transient_refusal_reconnects(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    sender: PushoverAPI,
) -> None:
    """An HTTP 408 on download is no lost session: reconnect and go on."""
    dev, _secret = device
    old = channel(sim, dev.id)
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    sim.inject_fault("messages.json", "408", method="GET")
    await sender.send_message(DEMO_USER, "Late", device=DEVICE_NAME)
    await wait_state(hass, SENSOR, "off")
    await tick(hass, freezer, 1)
    await wait_new_connection(sim, dev.id, old)
    await received.wait(1)
    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, session_issue_id(connected.entry_id, DEVICE)
        )
        is None
    )


async def drop_and_reconnect(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    freezer: FrozenDateTimeFactory,
    device_id: str,
    delay: int,
) -> None:
    """Drop the connection; no reconnect before ``delay`` seconds, one at it."""
    old = channel(sim, device_id)
    assert sim.drop_push(device_id) == 1
    await wait_down(hass, sim, device_id)
    await tick(hass, freezer, delay - 1)
    assert sim.push_connections(device_id) == 0
    await tick(hass, freezer, 1)
    await wait_new_connection(sim, device_id, old)
    await wait_state(hass, SENSOR, "on")


async def test_dropped_connection_backs_off(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Drops reconnect after 1 s, then 2 s; a healthy minute starts over at 1 s."""
    dev, _secret = device
    await drop_and_reconnect(hass, sim, freezer, dev.id, 1)
    await drop_and_reconnect(hass, sim, freezer, dev.id, 2)
    assert len(warnings_in(caplog)) == 1
    await tick(hass, freezer, 61)
    await drop_and_reconnect(hass, sim, freezer, dev.id, 1)
    assert sim.open_client.reconnect_delays(dev.id) == [1, 2, 1]
    assert len(warnings_in(caplog)) == 2


async def test_back_off_caps_at_five_minutes(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While every attempt fails, the waits double up to 300 s; one warning."""
    dev, _secret = device
    sim.inject_fault("messages.json", "503", count=20, method="GET")
    assert sim.drop_push(dev.id) == 1
    expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    for attempt, delay in enumerate(expected, start=1):
        await wait_ended(sim, dev.id, attempt)
        await hass.async_block_till_done()
        await tick(hass, freezer, delay - 1)
        assert len(times(sim, dev.id)) == attempt
        await tick(hass, freezer, 1)
        await wait_sim(sim, lambda n=attempt: len(times(sim, dev.id)) > n)
    await wait_ended(sim, dev.id, len(expected) + 1)
    assert sim.open_client.reconnect_delays(dev.id) == expected
    assert len(warnings_in(caplog)) == 1


async def test_silence_reconnects(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No frame, not even ``#``, for several keep-alive periods: reconnect."""
    dev, _secret = device
    old = channel(sim, dev.id)
    sim.set_push_silent(dev.id)
    await tick(hass, freezer, SILENCE_TIMEOUT - 1)
    assert channel(sim, dev.id) is old
    await tick(hass, freezer, 2)
    await wait_down(hass, sim, dev.id)
    await tick(hass, freezer, 1)
    await wait_new_connection(sim, dev.id, old)
    [(opened, closed), _again] = times(sim, dev.id)
    assert closed == opened + SILENCE_TIMEOUT + 1
    assert sim.open_client.reconnect_delays(dev.id) == [1]


@pytest.mark.parametrize("frame", ["garbage", "x" * 100])
async def test_bad_frames_logged_once_and_reconnect(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    sender: PushoverAPI,
    caplog: pytest.LogCaptureFixture,
    frame: str,
) -> None:
    """Garbage or oversized frames: one warning, reconnects, never a crash."""
    dev, _secret = device
    old = channel(sim, dev.id)
    for delay in (1, 2):
        assert sim.push_frame(dev.id, frame) == 1
        await wait_down(hass, sim, dev.id)
        await tick(hass, freezer, delay)
        old = await wait_new_connection(sim, dev.id, old)
        await wait_state(hass, SENSOR, "on")
    assert sim.open_client.reconnect_delays(dev.id) == [1, 2]
    assert len(warnings_in(caplog)) == 1
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    await sender.send_message(DEMO_USER, "Still here", device=DEVICE_NAME)
    await received.wait(1)


async def test_backlog_too_large_stops_with_a_repair_issue(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A download over MAX_DOWNLOAD: a repair issue, no reconnecting, nothing lost."""
    dev, _secret = device
    megabyte = "x" * 1024 * 1024
    for _ in range(MAX_DOWNLOAD // len(megabyte) + 1):
        sim.open_client.enqueue(dev, {"message": megabyte})
    waiting = len(dev.messages)
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    issue_id = backlog_issue_id(config_entry.entry_id, DEVICE)
    issues = ir.async_get(hass)

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await until_issue(hass, issue_id)
    await wait_receivers_ended(hass)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert not issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_key == "open_client_backlog_too_large"
    assert issue.translation_placeholders == {"name": DEVICE_NAME, "size": "32"}
    assert state_of(hass, SENSOR) == "off"
    await tick(hass, freezer, 600)
    assert len(times(sim, dev.id)) == 1
    assert (len(dev.messages), received.events) == (waiting, [])

    dev.messages[1:] = []
    await hass.config_entries.async_reload(config_entry.entry_id)
    await received.wait(1)
    await wait_state(hass, SENSOR, "on")
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_unload_leaves_nothing_running(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Unload ends the websocket task and the connection."""
    dev, _secret = device
    assert await hass.config_entries.async_unload(connected.entry_id)
    await wait_receivers_ended(hass)
    await wait_sim(sim, lambda: sim.push_connections(dev.id) == 0)
    await fire_later(hass, minutes=10)
    assert sim.push_connections(dev.id) == 0
    key = f"{DOMAIN}.{connected.entry_id}.received"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(connected.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_unload_while_reconnecting(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
) -> None:
    """Unload during a back-off wait ends the receiver too."""
    dev, _secret = device
    assert sim.drop_push(dev.id) == 1
    await wait_state(hass, SENSOR, "off")
    assert await hass.config_entries.async_unload(connected.entry_id)
    await wait_receivers_ended(hass)
    assert sim.push_connections(dev.id) == 0


async def test_home_assistant_stop_ends_connection(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
) -> None:
    """At Home Assistant's stop the websocket task ends."""
    dev, _secret = device
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await wait_receivers_ended(hass)
    await wait_sim(sim, lambda: sim.push_connections(dev.id) == 0)


async def test_removed_device_forgotten(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Removing the device subentry stops its receiver and drops its record."""
    dev, _secret = device
    issue_id = session_issue_id(connected.entry_id, DEVICE)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="open_client_session_ended",
        translation_placeholders={"name": DEVICE_NAME},
    )
    assert hass.config_entries.async_remove_subentry(connected, DEVICE)
    await hass.async_block_till_done()
    await wait_sim(sim, lambda: sim.push_connections(dev.id) == 0)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(SENSOR) is None
    stored = hass_storage[f"{DOMAIN}.{connected.entry_id}.received"]["data"]
    assert stored == {}
