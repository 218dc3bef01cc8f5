"""The emergency-alarm blueprint in the repository, run against the simulator."""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .helpers import (
    SIREN,
    data_of,
    follow_frozen_clock,
    receipt_sent_to,
    sent_to,
    state_of,
    tick,
)

BLUEPRINT = (
    Path(__file__).parent.parent
    / "blueprints"
    / "automation"
    / "pushover_complete"
    / "emergency_alarm.yaml"
)
LEAK = "binary_sensor.leak"
ACK_ACTIONS = [
    {
        "event": "leak_handled",
        "event_data": {
            "by": "{{ ack.acknowledged_by_name }}",
            "alarm_id": "{{ ack.alarm_id }}",
        },
    }
]
EXPIRED_ACTIONS = [{"event": "leak_unanswered"}]


@pytest.fixture(autouse=True)
def simulator_follows_the_frozen_clock(
    sim: PushoverSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Let receipts expire in the tests' frozen time (frozen before it is read)."""
    follow_frozen_clock(sim)


def automation(alias: str = "Leak alarm", **inputs: Any) -> dict[str, Any]:
    """Return an automation made from the blueprint with ``inputs``."""
    inputs.setdefault("trigger_entity", LEAK)
    inputs.setdefault("recipients", ["notify.alice"])
    return {
        "alias": alias,
        "use_blueprint": {
            "path": "pushover_complete/emergency_alarm.yaml",
            "input": inputs,
        },
    }


def install(target: Path) -> None:
    """Copy the blueprint where Home Assistant looks for it."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINT, target)


async def set_up(hass: HomeAssistant, *automations: dict[str, Any]) -> None:
    """Install the blueprint and set up ``automations`` made from it."""
    target = Path(hass.config.path("blueprints/automation/pushover_complete"))
    await hass.async_add_executor_job(install, target)
    assert await async_setup_component(
        hass, "automation", {"automation": list(automations)}
    )
    await hass.async_block_till_done()


async def set_state(hass: HomeAssistant, entity_id: str, state: str) -> None:
    """Set a state and let the automations run."""
    hass.states.async_set(entity_id, state)
    await hass.async_block_till_done()


def last_triggered(hass: HomeAssistant) -> Any:
    """Return when the leak automation last ran."""
    state = hass.states.get("automation.leak_alarm")
    assert state is not None
    return state.attributes["last_triggered"]


def test_blueprint_is_valid() -> None:
    """The file is a valid automation blueprint with the inputs we document."""
    blueprint = models.Blueprint(
        yaml_util.load_yaml_dict(BLUEPRINT),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert set(blueprint.inputs) == {
        "trigger_entity",
        "trigger_state",
        "recipients",
        "title",
        "message",
        "tag",
        "escalation_recipients",
        "escalation_delay",
        "cancel_when_normal",
        "repage_after",
        "message_actions",
        "chosen_actions",
        "acknowledged_actions",
        "expired_actions",
    }
    new = (
        "escalation_recipients",
        "escalation_delay",
        "cancel_when_normal",
        "repage_after",
        "message_actions",
        "chosen_actions",
    )
    assert all("default" in blueprint.inputs[name] for name in new)


async def test_existing_inputs_alarm_and_acknowledgement(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An automation written before escalation: one step, its tag, actions once."""
    done = async_capture_events(hass, "leak_handled")
    await set_up(
        hass,
        automation(
            recipients=["notify.bob"],
            title="Leak",
            message="Water in the basement",
            tag="leak",
            acknowledged_actions=ACK_ACTIONS,
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    [msg] = sim.messages
    assert (msg["priority"], msg["tags"], msg["title"]) == ("2", "leak", "Leak")
    assert msg["users"] == [DEMO_USER2]
    sim.acknowledge(msg["receipt"])
    await tick(hass, freezer, 11)
    [data] = data_of(done)
    assert data["by"] == "Bob"
    assert data["alarm_id"]
    last = last_triggered(hass)
    await tick(hass, freezer, 1)
    await set_state(hass, LEAK, "off")
    assert not sim.receipts[msg["receipt"]].canceled
    assert last_triggered(hass) == last
    await tick(hass, freezer, 600)
    assert len(done) == 1
    assert len(sim.messages) == 1


async def test_escalation_then_acknowledgement(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nobody answers: Bob after five minutes; his answer ends it, actions run once."""
    done = async_capture_events(hass, "leak_handled")
    await set_up(
        hass,
        automation(
            tag="leak",
            escalation_recipients=["notify.bob"],
            escalation_delay={"hours": 0, "minutes": 5, "seconds": 0},
            cancel_when_normal=True,
            acknowledged_actions=ACK_ACTIONS,
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    assert sent_to(sim) == [[DEMO_USER]]
    assert sim.messages[0]["tags"] == f"leak,leak:{LEAK}"
    await tick(hass, freezer, 299)
    assert sent_to(sim) == [[DEMO_USER]]
    await tick(hass, freezer, 2)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    alice, bob = receipt_sent_to(sim, DEMO_USER), receipt_sent_to(sim, DEMO_USER2)
    sim.acknowledge(bob)
    await tick(hass, freezer, 11)
    [data] = data_of(done)
    assert data["by"] == "Bob"
    assert sim.receipts[alice].canceled
    assert state_of(hass, "sensor.home_active_emergencies") == "0"
    await set_state(hass, LEAK, "off")
    await tick(hass, freezer, 3600)
    assert len(done) == 1
    assert len(sim.messages) == 2


async def test_resolved_when_normal(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The leak stops: the alarm is resolved (one event), step 2 never goes out."""
    done = async_capture_events(hass, "leak_handled")
    unanswered = async_capture_events(hass, "leak_unanswered")
    resolved = async_capture_events(hass, "pushover_complete_resolved")
    await set_up(
        hass,
        automation(
            escalation_recipients=["notify.bob"],
            cancel_when_normal=True,
            acknowledged_actions=ACK_ACTIONS,
            expired_actions=EXPIRED_ACTIONS,
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    receipt = receipt_sent_to(sim, DEMO_USER)
    await tick(hass, freezer, 60)
    await set_state(hass, LEAK, "unavailable")
    assert not sim.receipts[receipt].canceled
    await set_state(hass, LEAK, "off")
    assert sim.receipts[receipt].canceled
    for _ in range(40):
        await tick(hass, freezer, 100)
    assert sent_to(sim) == [[DEMO_USER]]
    assert done == unanswered == []
    [event] = resolved
    assert (event.data["key"], event.data["resolved_by"]) == (
        "alarm:binary_sensor.leak",
        None,
    )


async def test_a_flapping_sensor_pages_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Wet, dry, wet while the alarm is open: one page; once resolved, a new one."""
    await set_up(hass, automation())
    for state in ("off", "on", "off", "on", "off", "on"):
        await set_state(hass, LEAK, state)
    assert sent_to(sim) == [[DEMO_USER]]
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER]]


async def test_acknowledged_but_still_wet_pages_again(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Alice acknowledges and falls asleep: paged again; dry resolves it."""
    done = async_capture_events(hass, "leak_handled")
    await set_up(
        hass,
        automation(
            cancel_when_normal=True,
            repage_after={"minutes": 30},
            acknowledged_actions=ACK_ACTIONS,
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    sim.acknowledge(receipt_sent_to(sim, DEMO_USER))
    await tick(hass, freezer, 11)
    assert [data["by"] for data in data_of(done)] == ["Alice"]
    await tick(hass, freezer, 1800)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER]]
    await set_state(hass, LEAK, "off")
    assert sim.receipts[sim.messages[-1]["receipt"]].canceled
    await tick(hass, freezer, 3600)
    assert len(sent_to(sim)) == 2


async def test_cancel_only_ends_this_automations_alarm(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Two automations with the default tag: each cancels and hears only its own."""
    done = async_capture_events(hass, "leak_handled")
    await set_up(
        hass,
        automation(
            "Kitchen",
            trigger_entity="binary_sensor.kitchen",
            cancel_when_normal=True,
            acknowledged_actions=ACK_ACTIONS,
        ),
        automation(
            "Cellar",
            trigger_entity="binary_sensor.cellar",
            recipients=["notify.bob"],
            cancel_when_normal=True,
            acknowledged_actions=ACK_ACTIONS,
        ),
    )
    for entity_id in ("binary_sensor.kitchen", "binary_sensor.cellar"):
        await set_state(hass, entity_id, "off")
        await set_state(hass, entity_id, "on")
    kitchen, cellar = receipt_sent_to(sim, DEMO_USER), receipt_sent_to(sim, DEMO_USER2)
    await set_state(hass, "binary_sensor.kitchen", "off")
    assert sim.receipts[kitchen].canceled
    assert not sim.receipts[cellar].canceled
    sim.acknowledge(cellar)
    await tick(hass, freezer, 11)
    assert [data["by"] for data in data_of(done)] == ["Bob"]


@pytest.mark.parametrize("options", [{"expire": 600}])
async def test_nobody_answers_expired_actions_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Both steps out, nobody answers: the expired actions run once."""
    unanswered = async_capture_events(hass, "leak_unanswered")
    await set_up(
        hass,
        automation(
            escalation_recipients=["notify.bob"],
            escalation_delay={"minutes": 2},
            expired_actions=EXPIRED_ACTIONS,
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    for _ in range(80):
        await tick(hass, freezer, 10)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]
    assert len(unanswered) == 1


@pytest.mark.parametrize(
    "delay", [{"minutes": 2}, 120, "00:02:00", {"days": 0, "seconds": 120}]
)
async def test_escalation_delay_forms(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    delay: Any,
) -> None:
    """A duration, seconds or "HH:MM:SS" all mean two minutes."""
    await set_up(
        hass, automation(escalation_recipients=["notify.bob"], escalation_delay=delay)
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    await tick(hass, freezer, 119)
    assert sent_to(sim) == [[DEMO_USER]]
    await tick(hass, freezer, 2)
    assert sent_to(sim) == [[DEMO_USER], [DEMO_USER2]]


async def test_zero_delay_wakes_everyone_at_once(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """No delay: one step to both, a recipient listed twice is woken once."""
    await set_up(
        hass,
        automation(
            escalation_recipients=["notify.alice", "notify.bob"],
            escalation_delay={"seconds": 0},
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    assert sorted(sent_to(sim)) == sorted([[DEMO_USER], [DEMO_USER2]])


async def test_delay_beyond_expiry_still_wakes_the_first_recipients(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A delay longer than the alarm rings: step 1 alone goes out, the error is logged."""
    await set_up(
        hass,
        automation(escalation_recipients=["notify.bob"], escalation_delay={"hours": 2}),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    assert sent_to(sim) == [[DEMO_USER]]
    assert any(
        r.levelname == "ERROR" and "7200" in r.getMessage() for r in caplog.records
    )
    await tick(hass, freezer, 7201)
    assert sent_to(sim) == [[DEMO_USER]]


@pytest.mark.parametrize(("meanwhile", "canceled"), [("off", True), ("on", False)])
async def test_start_cancels_what_returned_to_normal_while_down(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    meanwhile: str,
    canceled: bool,
) -> None:
    """The leak stops while the automation is down: canceled when Home Assistant starts."""
    await set_up(hass, automation(cancel_when_normal=True))
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    receipt = receipt_sent_to(sim, DEMO_USER)
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": "automation.leak_alarm"}, blocking=True
    )
    await set_state(hass, LEAK, "unavailable")
    await set_state(hass, LEAK, meanwhile)
    hass.set_state(CoreState.not_running)
    await hass.services.async_call(
        "automation", "turn_on", {"entity_id": "automation.leak_alarm"}, blocking=True
    )
    await hass.async_start()
    await hass.async_block_till_done()
    assert sim.receipts[receipt].canceled is canceled


async def test_links_in_the_alarm_and_what_a_tap_does(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The alarm carries the links; a confirmed tap runs the chosen actions."""
    silenced = async_capture_events(hass, "siren_silenced")
    hass.config.external_url = "https://home.example.org"
    await set_up(
        hass,
        automation(
            message_actions=[SIREN],
            chosen_actions=[
                {
                    "event": "siren_silenced",
                    "event_data": {"by": "{{ chosen.recipient }}"},
                }
            ],
        ),
    )
    await set_state(hass, LEAK, "off")
    await set_state(hass, LEAK, "on")
    [message] = sim.sent_messages(DEMO_USER)
    [link] = message.links
    assert link.text == "Silence the siren"
    client = await hass_client_no_auth()
    response = await client.post(link.href.removeprefix("https://home.example.org"))
    assert response.status == 200
    await hass.async_block_till_done()
    assert [data["by"] for data in data_of(silenced)] == ["Alice"]
