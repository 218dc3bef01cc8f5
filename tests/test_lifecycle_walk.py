"""A seeded random walk over alarms' lives, with invariants checked after every step.

Each walk starts alarms and emergencies, answers them by callback or by
poll, cancels and resolves them, breaks and mends Pushover (outages, 503s, a
refused recipient), reloads and restarts Home Assistant, and lets time pass
— in an order drawn from its seed. After every step:

1. an alarm fires at most one end event (acknowledged without re-paging,
   expired, resolved), one acknowledged per round with re-paging, and
   nothing once canceled;
2. no message of an ended alarm reaches Pushover after its end;
3. an alarm with a key is never open twice.

At the end, with Pushover mended: every receipt still ringing belongs to an
alarm that is open and is tracked (answering it fires the alarm's event); no
receipt of an ended alarm rings; nothing is left queued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import random
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .conftest import ALICE, BOB, recipient
from .helpers import follow_frozen_clock, route_callbacks, state_of, tick

pytestmark = pytest.mark.timeout(120)

SEEDS: Final = range(16)
STEPS_PER_WALK: Final = 24
CAROL_KEY: Final = "uCaro1Key2Is3Thirty4Chars5Long"
PEOPLE: Final = ("notify.alice", "notify.bob", "notify.carol")
END_EVENTS: Final = ("acknowledged", "expired", "resolved")


@dataclass
class Tracked:
    """What the walk knows of one alarm (or send_message emergency)."""

    text: str
    alarm_id: str | None
    key: str | None = None
    tags: list[str] = field(default_factory=list)
    repage: bool = False
    ended_at_step: int | None = None
    canceled_at_step: int | None = None
    messages_at_end: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)


@pytest.fixture
def recipients() -> list[dict[str, Any]]:
    """Alice, Bob and Carol."""
    return [
        recipient(ALICE, "Alice", DEMO_USER),
        recipient(BOB, "Bob", DEMO_USER2),
        recipient("carol_subentry", "Carol", CAROL_KEY),
    ]


class Walk:
    """One seeded walk: the rules, the model, the invariants."""

    def __init__(
        self,
        hass: HomeAssistant,
        sim: PushoverSimulator,
        entry: MockConfigEntry,
        freezer: FrozenDateTimeFactory,
        seed: int,
    ) -> None:
        """Start with nothing sent."""
        self.hass = hass
        self.sim = sim
        self.entry = entry
        self.freezer = freezer
        self.rng = random.Random(seed)
        self.step = 0
        self.alarms: list[Tracked] = []
        self.down = False
        for name in END_EVENTS:
            hass.bus.async_listen(f"{DOMAIN}_{name}", self._event(name))

    def _event(self, name: str) -> Callable[[Event], None]:
        @callback
        def _record(event: Event) -> None:
            alarm = self.find(event.data.get("alarm_id"), event.data.get("message"))
            alarm.events.append((self.step, name))

        return _record

    def find(self, alarm_id: str | None, text: str | None) -> Tracked:
        """Return the tracked alarm an event or a message belongs to."""
        return next(
            a
            for a in self.alarms
            if (alarm_id and a.alarm_id == alarm_id) or a.text == text
        )

    def open_alarms(self) -> list[Tracked]:
        """Return the alarms the walk has not seen end."""
        return [a for a in self.alarms if a.ended_at_step is None]

    def messages_of(self, alarm: Tracked) -> int:
        """Return how many messages of an alarm reached Pushover."""
        return sum(1 for m in self.sim.messages if m["message"] == alarm.text)

    # ------------------------------------------------------------ rules

    async def send_alarm(self) -> None:
        """Start an alarm of one to three steps, sometimes an incident."""
        rng, text = self.rng, f"alarm {len(self.alarms)}"
        people = rng.sample(PEOPLE, rng.randint(1, 3))
        gap = rng.choice((60, 120))
        steps = [{"targets": [p], "after": i * gap} for i, p in enumerate(people)]
        data: dict[str, Any] = {
            "message": text,
            "steps": steps,
            "expire": 600,
            "retry": 30,
        }
        key = rng.choice((None, "leak", "door"))
        repage = rng.random() < 0.3
        if key:
            data["key"] = key
        if repage:
            data["repage_after"] = 300
        if rng.random() < 0.3:
            data["repeat"] = 1
        data["tags"] = [rng.choice(("a", "b"))]
        try:
            response = await self.hass.services.async_call(
                DOMAIN, "send_alarm", data, blocking=True, return_response=True
            )
        except HomeAssistantError as err:  # it could page nobody: Carol refused
            assert err.translation_key == "pushover_error"
            assert steps[0]["targets"] == ["notify.carol"]
            return
        assert response is not None
        if response["deduplicated"]:
            assert any(a.alarm_id == response["alarm_id"] for a in self.open_alarms())
            return
        self.alarms.append(
            Tracked(text, str(response["alarm_id"]), key, data["tags"], repage)
        )

    async def send_emergency(self) -> None:
        """Send one emergency with send_message."""
        text = f"single {len(self.alarms)}"
        tags = [self.rng.choice(("a", "b"))]
        target = self.rng.choice(PEOPLE)
        refused = target == "notify.carol" and self.sim.active_user(CAROL_KEY) is None
        queued = state_of(self.hass, "sensor.home_queued_messages") != "0"
        if refused and not self.down and not queued:
            with pytest.raises(HomeAssistantError) as err:
                await self._send_emergency(target, text, tags)
            assert err.value.translation_key == "pushover_error"
            return
        await self._send_emergency(target, text, tags)
        self.alarms.append(Tracked(text, None, tags=tags))

    async def _send_emergency(self, target: str, text: str, tags: list[str]) -> None:
        await self.hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "entity_id": target,
                "message": text,
                "priority": 2,
                "retry": 30,
                "expire": 300,
                "tags": tags,
            },
            blocking=True,
        )

    def ringing_receipts(self) -> list[str]:
        """Return the receipts still ringing at the simulator."""
        now = self.sim.clock()
        return [r for r, rec in self.sim.receipts.items() if rec.active(now)]

    async def acknowledge(self) -> None:
        """Someone answers a ringing emergency (callback or poll tells Home Assistant)."""
        if ringing := self.ringing_receipts():
            self.sim.acknowledge(self.rng.choice(ringing))
            await self.sim.wait_callbacks()
        await self.pass_time(self.rng.choice((1, 11)))

    async def end(self) -> None:
        """Cancel or resolve an open alarm by id, key or tag."""
        if not (candidates := self.open_alarms()):
            return
        alarm = self.rng.choice(candidates)
        action = (
            "resolve_alarm"
            if alarm.alarm_id and self.rng.random() < 0.5
            else "cancel_emergency"
        )
        by = self.rng.choice(("alarm_id", "key", "tag")) if alarm.alarm_id else "tag"
        value = {"alarm_id": alarm.alarm_id, "key": alarm.key, "tag": alarm.tags[0]}[by]
        if value is None:
            return
        matching = [
            a
            for a in self.open_alarms()
            if {"alarm_id": a.alarm_id, "key": a.key, "tag": (a.tags or [None])[0]}[by]
            == value
            and (action == "cancel_emergency" or a.alarm_id)
        ]
        try:
            await self.hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": self.entry.entry_id, by: value},
                blocking=True,
                return_response=True,
            )
        except HomeAssistantError as err:  # by tag, Pushover is asked too: maybe away
            assert self.down and by == "tag" and err.translation_key == "cannot_connect"
        for ended in matching:
            if action == "cancel_emergency":
                ended.canceled_at_step = self.step
            self.mark_ended(ended)

    async def outage(self) -> None:
        """Pushover goes away, or comes back."""
        self.down = not self.down
        self.sim.faults.clear()
        if self.down:
            self.sim.inject_fault(".json", "503", count=100_000)
            self.sim.inject_fault(".json", "503", count=100_000, method="GET")
        await self.pass_time(5)

    async def one_503(self) -> None:
        """One request fails with a 503."""
        self.sim.inject_fault("messages.json", "503", count=1)
        await self.send_alarm()

    async def refuse_carol(self) -> None:
        """Pushover refuses Carol's key, or takes it again."""
        if self.sim.active_user(CAROL_KEY) is None:
            self.sim.enable_user(CAROL_KEY)
        else:
            self.sim.disable_user(CAROL_KEY)

    async def reload(self) -> None:
        """The entry reloads (setup needs Pushover: not while it is away)."""
        if self.down:
            return
        assert await self.hass.config_entries.async_reload(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def restart(self) -> None:
        """Home Assistant is down for a while (and comes back while Pushover is)."""
        if self.down:
            return
        assert await self.hass.config_entries.async_unload(self.entry.entry_id)
        await self.hass.async_block_till_done()
        self.freezer.tick(self.rng.randint(10, 400))
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def pass_time(self, seconds: int | None = None) -> None:
        """Time passes, in ticks of at most a minute."""
        left = seconds if seconds is not None else self.rng.randint(5, 400)
        while left > 0:
            await tick(self.hass, self.freezer, min(left, 60))
            left -= 60

    # ------------------------------------------------------------ model

    def mark_ended(self, alarm: Tracked) -> None:
        """The alarm ended at this step."""
        if alarm.ended_at_step is None:
            alarm.ended_at_step = self.step
            alarm.messages_at_end = self.messages_of(alarm)

    def follow_events(self) -> None:
        """End the alarms whose events say they ended."""
        for alarm in self.alarms:
            names = [name for _, name in alarm.events]
            acknowledged_for_good = "acknowledged" in names and not alarm.repage
            if "expired" in names or "resolved" in names or acknowledged_for_good:
                self.mark_ended(alarm)

    def check(self) -> None:
        """The invariants that hold after every step."""
        self.follow_events()
        for alarm in self.alarms:
            names = [name for _, name in alarm.events]
            finals = names.count("expired") + names.count("resolved")
            if not alarm.repage:
                finals += names.count("acknowledged")
            assert finals <= 1, (alarm, names)
            if alarm.canceled_at_step is not None:
                assert all(s <= alarm.canceled_at_step for s, _ in alarm.events), alarm
            if alarm.ended_at_step is not None and alarm.ended_at_step < self.step:
                assert self.messages_of(alarm) == alarm.messages_at_end, alarm
        state = self.hass.states.get("sensor.home_active_emergencies")
        assert state is not None
        keys = [a["key"] for a in state.attributes["alarms"] if a["key"]]
        assert len(keys) == len(set(keys)), keys

    async def settle_and_check(self) -> None:
        """Mend Pushover; what still rings is tracked; nothing of an ended alarm rings."""
        self.sim.faults.clear()
        if self.sim.active_user(CAROL_KEY) is None:
            self.sim.enable_user(CAROL_KEY)
        self.step += 1
        await self.pass_time(360)
        self.check()
        while ringing := self.ringing_receipts():
            receipt = ringing[0]
            alarm = self.find(None, self.sim.receipts[receipt].message)
            assert alarm.ended_at_step is None, alarm
            before = len(alarm.events)
            self.sim.acknowledge(receipt)
            await self.sim.wait_callbacks()
            await self.pass_time(11)
            assert len(alarm.events) == before + 1, alarm
        self.step += 1
        await self.pass_time(1200)
        self.check()
        assert self.ringing_receipts() == []
        assert state_of(self.hass, "sensor.home_queued_messages") == "0"


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_walk_keeps_the_invariants(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    seed: int,
) -> None:
    """Any order of sends, answers, ends, faults, reloads and time keeps the rules."""
    sim.add_user(CAROL_KEY)
    follow_frozen_clock(sim)
    await route_callbacks(hass, sim, hass_client_no_auth)
    walk = Walk(hass, sim, loaded_entry, freezer, seed)
    rules: list[tuple[Callable[[], Awaitable[None]], int]] = [
        (walk.send_alarm, 4),
        (walk.send_emergency, 2),
        (walk.acknowledge, 4),
        (walk.end, 3),
        (walk.outage, 2),
        (walk.one_503, 1),
        (walk.refuse_carol, 1),
        (walk.reload, 1),
        (walk.restart, 1),
        (walk.pass_time, 5),
    ]
    for walk.step in range(1, STEPS_PER_WALK + 1):
        rule = walk.rng.choices([r for r, _ in rules], [w for _, w in rules])[0]
        await rule()
        walk.check()
    await walk.settle_and_check()
    sim.callback_sender = None
