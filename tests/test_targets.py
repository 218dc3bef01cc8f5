"""Targets of send_message: areas, devices and labels that hold other entities too.

As Home Assistant's own ``notify.send_message`` does, an area, device or label
sends to the notify entities of this integration in it and leaves the rest (a
light, a sensor) out; only a target with none of ours is refused. An entity
named directly that is not ours is still refused.
"""

from __future__ import annotations

from typing import Any, Final

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

LIGHT: Final = "light.hall"
SENSOR: Final = "sensor.hall_temperature"


async def send(hass: HomeAssistant, **data: Any) -> Any:
    """Call send_message with a message and these targets."""
    return await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"message": "Hi", **data},
        blocking=True,
        return_response=True,
    )


@pytest.fixture
def places(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> dict[str, str]:
    """A hall with Alice's device, a light and a sensor; a label on Bob, the light."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    hall = ar.async_get(hass).async_create("Hall")
    empty = ar.async_get(hass).async_create("Cellar")
    label = lr.async_get(hass).async_create("Night")
    alice = entities.async_get("notify.alice")
    bob = entities.async_get("notify.bob")
    assert alice is not None and alice.device_id is not None
    assert bob is not None
    devices.async_update_device(alice.device_id, area_id=hall.id)
    light = entities.async_get_or_create(
        "light", "demo", "hall-light", suggested_object_id="hall"
    )
    sensor = entities.async_get_or_create(
        "sensor",
        "demo",
        "hall-temperature",
        suggested_object_id="hall_temperature",
        device_id=alice.device_id,
    )
    assert (light.entity_id, sensor.entity_id) == (LIGHT, SENSOR)
    entities.async_update_entity(LIGHT, area_id=hall.id, labels={label.label_id})
    entities.async_update_entity("notify.bob", labels={label.label_id})
    cellar_light = entities.async_get_or_create("light", "demo", "cellar-light")
    entities.async_update_entity(cellar_light.entity_id, area_id=empty.id)
    return {
        "hall": hall.id,
        "cellar": empty.id,
        "night": label.label_id,
        "alice_device": alice.device_id,
    }


@pytest.mark.parametrize(
    ("target", "users"),
    [
        ({"area_id": "hall"}, [DEMO_USER]),
        ({"device_id": "alice_device"}, [DEMO_USER]),
        ({"label_id": "night"}, [DEMO_USER2]),
        ({"area_id": "hall", "label_id": "night"}, [DEMO_USER, DEMO_USER2]),
    ],
    ids=["area", "device", "label", "area-and-label"],
)
async def test_other_entities_of_a_target_are_left_out(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    places: dict[str, str],
    target: dict[str, str],
    users: list[str],
) -> None:
    """A light or sensor beside a recipient does not stop the message."""
    response = await send(hass, **{key: places[value] for key, value in target.items()})
    [msg] = sim.messages
    assert sorted(msg["users"]) == sorted(users)
    assert len(response["recipients"]) == len(users)


async def test_a_target_without_our_entities_is_refused(
    hass: HomeAssistant, sim: PushoverSimulator, places: dict[str, str]
) -> None:
    """An area holding only a light: nobody to send to, in words."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, area_id=places["cellar"])
    assert err.value.translation_key == "no_notify_entities"
    assert "nothing was sent" in str(err.value)
    assert sim.messages == []


@pytest.mark.parametrize(
    "named", [[LIGHT], ["notify.alice", SENSOR]], ids=["light", "with-a-sensor"]
)
async def test_an_entity_named_directly_must_be_ours(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    places: dict[str, str],
    named: list[str],
) -> None:
    """Naming a light is a mistake worth saying, even beside a recipient."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, entity_id=named, area_id=places["hall"])
    assert err.value.translation_key == "invalid_target"
    assert err.value.translation_placeholders == {"entity_id": named[-1]}
    assert sim.messages == []
