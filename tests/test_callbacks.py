"""Callbacks are hints, Pushover decides; polls and retries survive any timing.

Time is frozen (``freezer``): the event loop's clock moves only with
``freezer.tick``, so the simulator's latency holds a request until the test
releases it with a time jump. That is how a poll, a callback or a retry is
caught in flight, deterministically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import timedelta
from typing import Any, Final, cast

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    get_scheduled_timer_handles,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import (
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_EXPIRED,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.util import dt as dt_util
from pushover_simulator import DEMO_USER, DEMO_USER2, FaultKind, PushoverSimulator

from .helpers import EXTERNAL, WEBHOOK, send_emergency, state_of, tick

pytestmark = pytest.mark.timeout(60)

HOLD: Final = 1.0  # simulator latency; released by ticking at least this much

type Poster = Callable[[dict[str, str]], Awaitable[int]]


def jump(freezer: FrozenDateTimeFactory, hass: HomeAssistant, seconds: float) -> None:
    """Move the frozen clock on and start what fell due, without waiting for it."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)


def held(sim: PushoverSimulator, path_end: str) -> int:
    """Count the requests on a path ending so that have no answer yet."""
    return sum(
        1 for r in sim.requests if r["path"].endswith(path_end) and r["status"] is None
    )


def reads(sim: PushoverSimulator, receipt: str) -> int:
    """Count the reads of ``receipt`` that reached the simulator (failed ones too)."""
    path = f"/1/receipts/{receipt}.json"
    return sum(1 for r in sim.requests if r["method"] == "GET" and r["path"] == path)


def active(hass: HomeAssistant) -> str:
    """Return the active emergencies sensor's state."""
    return state_of(hass, "sensor.home_active_emergencies")


async def spin_until(predicate: Callable[[], bool]) -> None:
    """Let the event loop run (time stays frozen) until ``predicate`` holds."""
    for _ in range(100_000):
        if predicate():
            return
        await asyncio.sleep(0)
    pytest.fail("the awaited state never came")


@pytest.fixture
async def clock(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> FrozenDateTimeFactory:
    """The frozen clock, with what fell due when it froze run already.

    Freezing moves the event loop's clock to the frozen wall time, so timers
    set up before (the quota refresh) are due at once: run them now, with no
    latency, so that they do not take part in what a test holds.
    """
    await tick(hass, freezer, 0)
    return freezer


@pytest.fixture
def acks(hass: HomeAssistant) -> list[Event]:
    """The acknowledged events fired."""
    return cast(list[Event], async_capture_events(hass, EVENT_ACKNOWLEDGED))


@pytest.fixture
def expired(hass: HomeAssistant) -> list[Event]:
    """The expired events fired."""
    return cast(list[Event], async_capture_events(hass, EVENT_EXPIRED))


@pytest.fixture
async def post(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> Poster:
    """POST a form to the entry's webhook; return the HTTP status."""
    client = await hass_client_no_auth()

    async def _post(form: dict[str, str]) -> int:
        response = await client.post(WEBHOOK, data=form)
        assert await response.text() == ""
        return int(response.status)

    return _post


@pytest.fixture
def callbacks(
    hass: HomeAssistant, sim: PushoverSimulator, post: Poster
) -> Iterator[list[dict[str, str]]]:
    """An external URL, so Pushover calls back; the callbacks it makes are listed.

    The simulator's callback goes to the webhook through the test client, never
    to the network.
    """
    hass.config.external_url = EXTERNAL
    made: list[dict[str, str]] = []

    async def sender(url: str, payload: dict[str, str]) -> int:
        assert url == f"{EXTERNAL}{WEBHOOK}"
        made.append(payload)
        return await post(payload)

    sim.callback_sender = sender
    yield made
    sim.callback_sender = None


async def test_forged_callback_fires_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    callbacks: list[dict[str, str]],
    post: Poster,
    acks: list[Event],
    expired: list[Event],
    clock: FrozenDateTimeFactory,
) -> None:
    """A POST for an open receipt that Pushover has not acknowledged is ignored."""
    receipt = await send_emergency(hass)
    assert sim.messages[0]["callback"] == f"{EXTERNAL}{WEBHOOK}"
    forged = {
        "receipt": receipt,
        "acknowledged": "1",
        "acknowledged_at": str(int(dt_util.utcnow().timestamp())),
        "acknowledged_by": DEMO_USER2,
        "acknowledged_by_device": "laptop",
    }
    assert await post(forged) == 200
    await hass.async_block_till_done()
    assert reads(sim, receipt) == 1  # the confirmation asked Pushover
    assert acks == expired == []
    assert active(hass) == "1"
    state = hass.states.get("event.home_emergency")
    assert state is not None
    assert state.attributes.get("event_type") is None
    # The receipt is still tracked: the real acknowledgement comes through once.
    sim.acknowledge(receipt, device="tablet")
    await sim.wait_callbacks()
    await hass.async_block_till_done()
    assert len(callbacks) == 1
    [event] = acks
    assert (event.data["acknowledged_by"], event.data["acknowledged_by_device"]) == (
        DEMO_USER,
        "tablet",
    )
    await tick(hass, clock, 3600)
    assert len(acks) == 1
    assert expired == []


async def test_callback_event_carries_pushovers_answer(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    callbacks: list[dict[str, str]],
    acks: list[Event],
    clock: FrozenDateTimeFactory,
) -> None:
    """The event's data come from Pushover's receipt, not from the POST body."""
    honest = sim.callback_sender
    assert honest is not None

    async def tampering(url: str, payload: dict[str, str]) -> int:
        return await honest(
            url,
            payload
            | {
                "acknowledged_by": DEMO_USER2,
                "acknowledged_by_device": "laptop",
                "acknowledged_at": "1000000000",
            },
        )

    sim.callback_sender = tampering
    receipt = await send_emergency(hass)
    sim.acknowledge(receipt, device="tablet")
    await sim.wait_callbacks()
    await hass.async_block_till_done()
    assert callbacks[0]["acknowledged_by"] == DEMO_USER2  # what the POST said
    rec = sim.receipts[receipt]
    assert rec.called_back
    [event] = acks
    assert event.data["receipt"] == receipt
    assert event.data["acknowledged_by"] == DEMO_USER
    assert event.data["acknowledged_by_name"] == "Alice"
    assert event.data["acknowledged_by_device"] == "tablet"
    assert event.data["acknowledged_at"] == (
        dt_util.utc_from_timestamp(rec.acknowledged_at).isoformat()
    )
    assert event.data["notify_entity_id"] == "notify.alice"
    await tick(hass, clock, 600)
    assert len(acks) == 1


async def test_callback_and_poll_at_once_fire_one_event(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    callbacks: list[dict[str, str]],
    post: Poster,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
) -> None:
    """A poll and a callback read the acknowledged receipt together: one event."""
    receipt = await send_emergency(hass)
    sim.receipts[receipt].callback = None  # the test posts the callback itself
    sim.acknowledge(receipt)
    sim.latency = HOLD
    jump(clock, hass, 61)  # the safety-net poll starts and is held
    await sim.wait_until(lambda: held(sim, f"{receipt}.json") == 1)
    form = {"receipt": receipt, "acknowledged": "1"}
    assert list(await asyncio.gather(post(form), post(form))) == [200, 200]
    await sim.wait_until(lambda: held(sim, f"{receipt}.json") == 2)
    sim.latency = 0
    await tick(hass, clock, HOLD)
    assert reads(sim, receipt) == 2
    assert len(acks) == 1
    assert acks[0].data["acknowledged_by"] == DEMO_USER
    assert active(hass) == "0"
    await tick(hass, clock, 600)
    assert len(acks) == 1


async def test_two_callbacks_at_once_fire_one_event(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    callbacks: list[dict[str, str]],
    post: Poster,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
) -> None:
    """Pushover repeating its callback while the first is confirmed: one event."""
    receipt = await send_emergency(hass)
    sim.receipts[receipt].callback = None
    sim.acknowledge(receipt)
    sim.latency = HOLD
    form = {"receipt": receipt, "acknowledged": "1"}
    assert list(await asyncio.gather(post(form), post(form), post(form))) == [200] * 3
    await sim.wait_until(lambda: held(sim, f"{receipt}.json") >= 1)
    sim.latency = 0
    await tick(hass, clock, HOLD)
    assert len(acks) == 1
    assert await post(form) == 200  # and once more, late
    await tick(hass, clock, 600)
    assert len(acks) == 1


@pytest.mark.parametrize(("kind", "status"), [("408", 408), ("quota", 429)])
async def test_later_while_polling_keeps_the_receipt(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
    kind: FaultKind,
    status: int,
) -> None:
    """408 and 429 mean "later": the receipt is kept, polling backs off, then sees it."""
    receipt = await send_emergency(hass)
    sim.acknowledge(receipt, device="tablet")
    sim.inject_fault(f"{receipt}.json", kind, method="GET")
    await tick(hass, clock, 11)  # the first poll is refused
    assert [r["status"] for r in sim.requests if receipt in r["path"]] == [status]
    assert acks == []
    assert active(hass) == "1"
    await tick(hass, clock, 11)  # the usual 10 s are not enough now
    assert reads(sim, receipt) == 1
    await tick_until(hass, clock, lambda: bool(acks), 10, 30)  # at most 5 minutes
    assert reads(sim, receipt) == 2
    [event] = acks
    assert event.data["acknowledged_by_device"] == "tablet"
    assert active(hass) == "0"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    await tick(hass, clock, 600)
    assert len(acks) == 1
    assert reads(sim, receipt) == 2


async def test_receipt_not_found_ends_tracking(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    acks: list[Event],
    expired: list[Event],
    clock: FrozenDateTimeFactory,
) -> None:
    """Only Pushover saying "not found" ends tracking, without an event."""
    receipt = await send_emergency(hass)
    sim.inject_fault(f"{receipt}.json", "not_found", method="GET")
    await tick(hass, clock, 11)
    assert reads(sim, receipt) == 1
    assert active(hass) == "0"
    sim.acknowledge(receipt)
    for _ in range(12):
        await tick(hass, clock, 600)
    assert reads(sim, receipt) == 1
    assert acks == expired == []


async def test_rejected_token_while_polling_starts_reauth(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
) -> None:
    """A token Pushover rejects while polling asks the user for a new one."""
    receipt = await send_emergency(hass)
    sim.inject_fault(f"{receipt}.json", "invalid_token", method="GET")
    await tick(hass, clock, 11)
    assert reads(sim, receipt) == 1
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [(f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (SOURCE_REAUTH, loaded_entry.entry_id)
    ]
    assert acks == []


def hold(sim: PushoverSimulator, held_by: str, path: str, method: str = "GET") -> None:
    """Hold the next request to ``path``: by the simulator's latency, or a hang."""
    if held_by == "hang":
        sim.inject_fault(path, "hang", method=method)
    else:
        sim.latency = HOLD


async def tick_until(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    predicate: Callable[[], bool],
    seconds: float,
    times: int,
) -> None:
    """Tick ``seconds`` at a time until ``predicate()`` holds, at most ``times`` times."""
    for _ in range(times):
        if predicate():
            return
        await tick(hass, clock, seconds)


async def while_held(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    job: Coroutine[Any, Any, bool],
    held_by: str,
) -> bool:
    """Run a reload or unload while a request is held, then release the request.

    The job runs as far as it can first. Then time moves just past the
    latency, so that the held request is answered, or past the client's 30 s
    timeout, which ends a hang; and the job finishes.
    """
    task = hass.async_create_task(job)
    for _ in range(100):
        if task.done():
            break
        await asyncio.sleep(0)
    await tick(hass, clock, 31 if held_by == "hang" else HOLD)
    return await task


def our_timers(hass: HomeAssistant) -> list[asyncio.TimerHandle]:
    """Return the scheduled timers that would run this integration's code."""
    found = []
    for handle in get_scheduled_timer_handles(hass.loop):
        if not isinstance(handle, asyncio.TimerHandle) or handle.cancelled():
            continue
        for part in (getattr(handle, "_callback", None), *getattr(handle, "_args", ())):
            target = getattr(part, "target", part)
            owner = getattr(target, "__self__", target)
            modules = {getattr(target, "__module__", ""), type(owner).__module__}
            if any(str(m).startswith(f"custom_components.{DOMAIN}") for m in modules):
                found.append(handle)
    return found


@pytest.mark.parametrize("held_by", ["latency", "hang"])
async def test_reload_during_a_poll_fires_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
    held_by: str,
) -> None:
    """A poll caught in flight by a reload does not fire; the new one fires once."""
    receipt = await send_emergency(hass)
    sim.acknowledge(receipt, device="phone")
    hold(sim, held_by, f"{receipt}.json")
    jump(clock, hass, 11)
    await sim.wait_until(lambda: held(sim, f"{receipt}.json") == 1)
    sim.latency = 0
    assert await while_held(
        hass, clock, hass.config_entries.async_reload(loaded_entry.entry_id), held_by
    )
    await tick(hass, clock, 11)
    assert len(acks) == 1
    assert acks[0].data["acknowledged_by_device"] == "phone"
    await tick(hass, clock, 3600)
    assert len(acks) == 1


@pytest.mark.parametrize("held_by", ["latency", "hang"])
async def test_reload_during_a_callback_confirmation_fires_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    callbacks: list[dict[str, str]],
    post: Poster,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
    held_by: str,
) -> None:
    """A callback's confirmation caught by a reload does not fire; polling does, once."""
    receipt = await send_emergency(hass)
    sim.receipts[receipt].callback = None
    sim.acknowledge(receipt, device="tablet")
    hold(sim, held_by, f"{receipt}.json")
    assert await post({"receipt": receipt, "acknowledged": "1"}) == 200
    await sim.wait_until(lambda: held(sim, f"{receipt}.json") == 1)
    sim.latency = 0
    assert await while_held(
        hass, clock, hass.config_entries.async_reload(loaded_entry.entry_id), held_by
    )
    await tick(hass, clock, 61)  # the new entry's safety-net poll
    assert len(acks) == 1
    assert acks[0].data["acknowledged_by_device"] == "tablet"
    await tick(hass, clock, 3600)
    assert len(acks) == 1


@pytest.mark.parametrize("held_by", ["latency", "hang"])
async def test_unload_during_a_poll_stops_everything(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    post: Poster,
    acks: list[Event],
    clock: FrozenDateTimeFactory,
    held_by: str,
) -> None:
    """Unloading while a poll runs leaves no timer and makes no further request."""
    hass.config.external_url = EXTERNAL
    receipt = await send_emergency(hass)
    sim.receipts[receipt].callback = None
    sim.acknowledge(receipt)
    hold(sim, held_by, f"{receipt}.json")
    jump(clock, hass, 61)
    await sim.wait_until(lambda: held(sim, f"{receipt}.json") == 1)
    sim.latency = 0
    seen = len(sim.requests)
    assert await while_held(
        hass, clock, hass.config_entries.async_unload(loaded_entry.entry_id), held_by
    )
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert our_timers(hass) == []
    assert await post({"receipt": receipt, "acknowledged": "1"}) == 200
    for _ in range(24):
        await tick(hass, clock, 900)
    await tick(hass, clock, 7 * 24 * 3600)
    assert sim.requests[seen:] == []
    assert acks == []
    assert our_timers(hass) == []


@pytest.mark.parametrize(
    ("faults", "release"),
    [((), HOLD), (("503",), HOLD), (("hang",), 31)],
    ids=["delivered", "503", "hang"],
)
async def test_reload_during_an_outbox_retry_delivers_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    clock: FrozenDateTimeFactory,
    faults: tuple[FaultKind, ...],
    release: float,
) -> None:
    """A retry in flight when the entry reloads: the message arrives exactly once."""
    sim.inject_fault("messages.json", "503", method="POST")
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "Door open"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    [result] = cast(list[dict[str, Any]], response["recipients"])
    assert result["queued"] is True
    for fault in faults:  # what the retry meets; a hang ends at the client's 30 s
        sim.inject_fault("messages.json", fault, method="POST")
    sim.latency = HOLD
    jump(clock, hass, 6)  # the retry starts and is held
    await sim.wait_until(lambda: held(sim, "messages.json") == 1)
    sim.latency = 0
    reload = hass.async_create_task(
        hass.config_entries.async_reload(loaded_entry.entry_id)
    )
    # Let the unload run as far as it goes while the retry is held: to where
    # the outbox waits for the send in flight.
    await spin_until(
        lambda: (
            loaded_entry.state is ConfigEntryState.UNLOAD_IN_PROGRESS or reload.done()
        )
    )
    for _ in range(20):
        await asyncio.sleep(0)
    jump(clock, hass, release)
    assert await reload
    await hass.async_block_till_done()
    for _ in range(12):
        await tick(hass, clock, 300)
    assert [m["message"] for m in sim.messages] == ["Door open"]
    assert state_of(hass, "sensor.home_queued_messages") == "0"
