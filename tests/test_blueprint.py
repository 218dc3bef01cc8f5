"""The emergency-alarm blueprint in the repository."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil

from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
from pushover_simulator import DEMO_USER2, PushoverSimulator

BLUEPRINT = (
    Path(__file__).parent.parent
    / "blueprints"
    / "automation"
    / "pushover_complete"
    / "emergency_alarm.yaml"
)


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
        "acknowledged_actions",
        "expired_actions",
    }


async def test_blueprint_alarm_and_acknowledgement(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A leak starts the alarm; the acknowledgement runs the user's actions."""
    target = Path(hass.config.path("blueprints/automation/pushover_complete"))
    await hass.async_add_executor_job(
        lambda: (
            target.mkdir(parents=True, exist_ok=True),
            shutil.copy(BLUEPRINT, target),
        )
    )
    done = async_capture_events(hass, "leak_handled")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": "pushover_complete/emergency_alarm.yaml",
                    "input": {
                        "trigger_entity": "binary_sensor.leak",
                        "recipients": ["notify.bob"],
                        "title": "Leak",
                        "message": "Water in the basement",
                        "tag": "leak",
                        "acknowledged_actions": [
                            {
                                "event": "leak_handled",
                                "event_data": {"by": "{{ ack.acknowledged_by_name }}"},
                            }
                        ],
                    },
                }
            }
        },
    )
    hass.states.async_set("binary_sensor.leak", "off")
    await hass.async_block_till_done()
    hass.states.async_set("binary_sensor.leak", "on")
    await hass.async_block_till_done()
    [msg] = sim.messages
    assert (msg["priority"], msg["tags"], msg["title"]) == ("2", "leak", "Leak")
    assert msg["users"] == [DEMO_USER2]
    sim.acknowledge(msg["receipt"])
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert [event.data for event in done] == [{"by": "Bob"}]
