"""This Home Assistant as a Pushover device, over the real websocket: every message once."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.api import (
    MAX_RESPONSE,
    PushoverAPI,
)
from custom_components.pushover_complete.const import (
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_MESSAGE_RECEIVED,
)
from homeassistant.const import CONF_EMAIL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.icon import async_get_icons
from homeassistant.util import dt as dt_util
from pushover_simulator import (
    DEMO_EMAIL,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    OpenDevice,
    PushoverSimulator,
)

from .conftest import ALICE, BOB, WEBHOOK_ID, recipient
from .helpers import (
    Capture,
    deadline,
    follow_frozen_clock,
    open_client_subentry,
    receipt_of,
    tick,
    wait_sim,
    wait_state,
)
from .open_client_helpers import (
    BUTTON,
    DEVICE,
    DEVICE_NAME,
    EVENT_ENTITY,
    PACKAGE,
    SENSOR,
    times,
)

# Every wait fails within seconds of real time (helpers.deadline); this is a
# last resort should something else hang under the frozen clock.
pytestmark = pytest.mark.timeout(60)
EVENT_KEYS = {
    "config_entry_id",
    "device_name",
    "id",
    "umid",
    "title",
    "message",
    "app",
    "aid",
    "icon",
    "priority",
    "sound",
    "url",
    "url_title",
    "html",
    "date",
    "receipt",
    "acked",
}

type Device = tuple[str, OpenDevice, str]


@pytest.fixture(autouse=True)
def frozen(
    freezer: FrozenDateTimeFactory, sim: PushoverSimulator
) -> FrozenDateTimeFactory:
    """Freeze the clock before anything starts: only ``tick`` moves time.

    The simulator reads the frozen clock too, so the times it reports of push
    connections are the receiver's waits to the second.
    """
    follow_frozen_clock(sim)
    return freezer


@pytest.fixture(autouse=True)
def debug_log(caplog: pytest.LogCaptureFixture) -> None:
    """Record the integration's log, debug included (no secret may show in it)."""
    caplog.set_level(logging.DEBUG, logger=PACKAGE)


@pytest.fixture
def devices(request: pytest.FixtureRequest, sim: PushoverSimulator) -> list[Device]:
    """Open Client devices (subentry id, device, secret); parametrize with names."""
    wanted = getattr(request, "param", [(DEVICE, DEMO_USER, DEVICE_NAME)])
    return [
        (subentry_id, *sim.add_open_client_device(user, name))
        for subentry_id, user, name in wanted
    ]


@pytest.fixture
def device(devices: list[Device]) -> tuple[OpenDevice, str]:
    """The first Open Client device and its secret."""
    return devices[0][1], devices[0][2]


@pytest.fixture
def recipients(devices: list[Device]) -> list[dict[str, Any]]:
    """Alice, Bob and the Open Client devices."""
    return [
        recipient(ALICE, "Alice", DEMO_USER),
        recipient(BOB, "Bob", DEMO_USER2),
        *(open_client_subentry(*device) for device in devices),
    ]


async def test_waiting_messages_fire_once_at_start(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    config_entry: MockConfigEntry,
    sender: PushoverAPI,
    hass_storage: dict[str, Any],
) -> None:
    """Messages that came while Home Assistant was off fire once, in order."""
    dev, _secret = device
    await sender.send_message(
        DEMO_USER,
        "Door <b>open</b>",
        device=DEVICE_NAME,
        title="Garage",
        url="https://example.com/garage",
        url_title="Camera",
        html=True,
        sound="siren",
        priority=1,
        timestamp=1_700_000_000,
    )
    await sender.send_message(DEMO_USER, "Second", device=DEVICE_NAME)
    waiting = list(dev.messages)
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await received.wait(2)
    await wait_state(hass, SENSOR, "on")

    first, second = received.data
    assert set(first) == set(second) == EVENT_KEYS
    aid = sim.open_client.aid(DEMO_TOKEN)
    assert first == {
        "config_entry_id": config_entry.entry_id,
        "device_name": DEVICE_NAME,
        "id": waiting[0]["id"],
        "umid": waiting[0]["umid"],
        "title": "Garage",
        "message": "Door <b>open</b>",
        "app": "Demo",
        "aid": aid,
        "icon": f"app{aid}",
        "priority": 1,
        "sound": "siren",
        "url": "https://example.com/garage",
        "url_title": "Camera",
        "html": True,
        "date": "2023-11-14T22:13:20+00:00",
        "receipt": None,
        "acked": False,
    }
    assert second["id"] == waiting[1]["id"] > first["id"]
    assert second["html"] is False
    assert dt_util.parse_datetime(second["date"]) is not None
    assert dev.messages == []
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.received"]["data"]
    assert stored[DEVICE]["highest"] == waiting[1]["id"]

    state = hass.states.get(EVENT_ENTITY)
    assert state is not None
    assert state.attributes["event_type"] == "received"
    assert {key: state.attributes[key] for key in EVENT_KEYS} == second

    await hass.config_entries.async_reload(config_entry.entry_id)
    await wait_state(hass, SENSOR, "on")
    assert len(received.events) == 2


async def test_message_missing_fields_fires_with_nulls(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
) -> None:
    """A message with nothing but an id still fires, its fields null."""
    dev, _secret = device
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    message_id = sim.open_client.next_id()
    dev.messages.append({"id": message_id})
    assert sim.push_frame(dev.id, "!") == 1
    await received.wait(1)
    assert received.data == [
        {
            "config_entry_id": connected.entry_id,
            "device_name": DEVICE_NAME,
            "id": message_id,
            "umid": None,
            "title": None,
            "message": None,
            "app": None,
            "aid": None,
            "icon": None,
            "priority": 0,
            "sound": None,
            "url": None,
            "url_title": None,
            "html": False,
            "date": None,
            "receipt": None,
            "acked": False,
        }
    ]


async def test_date_out_of_range_fires_with_null_date(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
) -> None:
    """A date no calendar holds is null; the message still fires, the next too."""
    dev, _secret = device
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    first, second = sim.open_client.next_id(), sim.open_client.next_id()
    dev.messages.append({"id": first, "message": "odd", "date": 10**20})
    dev.messages.append({"id": second, "message": "fine", "date": 0})
    assert sim.push_frame(dev.id, "!") == 1
    await received.wait(2)
    assert [(data["message"], data["date"]) for data in received.data] == [
        ("odd", None),
        ("fine", "1970-01-01T00:00:00+00:00"),
    ]


async def test_burst_of_500_with_a_restart(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    sender: PushoverAPI,
) -> None:
    """500 messages fire 500 events in id order, once each, across a reload."""
    dev, _secret = device
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)

    async def send_all() -> None:
        for number in range(500):
            await sender.send_message(DEMO_USER, f"m{number}", device=DEVICE_NAME)

    sending = asyncio.create_task(send_all())
    try:
        await received.wait(150)
        await hass.config_entries.async_reload(connected.entry_id)
    finally:
        await sending
    await received.wait(500)
    await wait_sim(sim, lambda: not dev.messages)

    ids = [data["id"] for data in received.data]
    assert len(ids) == 500
    assert ids == sorted(set(ids))
    assert [data["message"] for data in received.data] == [
        f"m{number}" for number in range(500)
    ]
    await hass.config_entries.async_reload(connected.entry_id)
    await wait_state(hass, SENSOR, "on")
    assert len(received.events) == 500


async def test_long_outage_backlog_fires_once_in_order(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    config_entry: MockConfigEntry,
    sender: PushoverAPI,
) -> None:
    """600 messages of 1 KB waiting after an outage: each fires once, in order."""
    dev, _secret = device
    for number in range(600):
        await sender.send_message(
            DEMO_USER, f"{number:03} " + "x" * 1000, device=DEVICE_NAME
        )
    assert len(json.dumps(dev.messages)) > MAX_RESPONSE
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await received.wait(600)
    await wait_state(hass, SENSOR, "on")
    await wait_sim(sim, lambda: not dev.messages)

    assert [data["message"][:3] for data in received.data] == [
        f"{number:03}" for number in range(600)
    ]
    ids = [data["id"] for data in received.data]
    assert ids == sorted(set(ids))
    await hass.config_entries.async_reload(config_entry.entry_id)
    await wait_state(hass, SENSOR, "on")
    assert len(received.events) == 600
    assert len(times(sim, dev.id)) == 2


async def test_same_id_twice_fires_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
) -> None:
    """A download that lists an id twice fires it once; the next message follows."""
    dev, _secret = device
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    twice = sim.open_client.next_id()
    dev.messages += [
        {"id": twice, "message": "once"},
        {"id": twice, "id_str": str(twice), "message": "once again"},
    ]
    assert sim.push_frame(dev.id, "!") == 1
    await received.wait(1)
    await wait_sim(sim, lambda: not dev.messages)
    later = sim.open_client.enqueue(dev, {"message": "next"})
    assert sim.push_frame(dev.id, "!") == 1
    await received.wait(2)
    assert [(data["id"], data["message"]) for data in received.data] == [
        (twice, "once"),
        (later, "next"),
    ]


async def test_stored_before_deleting(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    config_entry: MockConfigEntry,
    sender: PushoverAPI,
    hass_storage: dict[str, Any],
) -> None:
    """Fired but not yet deleted at Pushover: a restart does not fire again."""
    dev, _secret = device
    await sender.send_message(DEMO_USER, "One", device=DEVICE_NAME)
    await sender.send_message(DEMO_USER, "Two", device=DEVICE_NAME)
    highest = dev.messages[-1]["id"]
    sim.inject_fault("update_highest_message.json", "503")
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)

    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await received.wait(2)
    await wait_sim(sim, lambda: not sim.faults)
    assert len(dev.messages) == 2
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.received"]["data"]
    assert stored[DEVICE]["highest"] == highest

    await hass.config_entries.async_reload(config_entry.entry_id)
    await wait_sim(sim, lambda: not dev.messages)
    await wait_state(hass, SENSOR, "on")
    assert [data["message"] for data in received.data] == ["One", "Two"]


@pytest.mark.parametrize(
    ("stored", "model"),
    [
        ({}, "Receives messages"),
        ({CONF_EMAIL: DEMO_EMAIL}, f"Receives messages for {DEMO_EMAIL}"),
    ],
)
async def test_device_says_what_it_receives_for(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device: tuple[OpenDevice, str],
    stored: dict[str, str],
    model: str,
) -> None:
    """The device is named like the Pushover device; its model names the account."""
    dev, secret = device
    config_entry.add_to_hass(hass)
    subentry = config_entry.subentries[DEVICE]
    hass.config_entries.async_update_subentry(
        config_entry, subentry, data={**subentry.data, **stored}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await wait_state(hass, SENSOR, "on")
    sensor = er.async_get(hass).async_get(SENSOR)
    assert sensor is not None
    assert sensor.device_id is not None
    entry = dr.async_get(hass).async_get(sensor.device_id)
    assert entry is not None
    assert entry.identifiers == {(DOMAIN, f"{config_entry.entry_id}_{DEVICE}")}
    assert (entry.name, entry.model, entry.manufacturer) == (
        DEVICE_NAME,
        model,
        "Pushover",
    )
    for key in (dev.user, dev.id, secret):
        assert key not in repr(entry)


async def test_entities_have_icons(
    hass: HomeAssistant, connected: MockConfigEntry
) -> None:
    """The event entity, the sensor and the button show icons wherever HA draws them."""
    icons = (await async_get_icons(hass, "entity", [DOMAIN]))[DOMAIN]
    received = icons["event"]["received"]
    assert received["default"] == "mdi:message-text"
    assert received["state_attributes"]["event_type"]["state"] == {
        "received": "mdi:message-text"
    }
    assert icons["binary_sensor"]["push_connection"]["state"] == {
        "on": "mdi:cloud-check-outline"
    }
    assert icons["button"]["acknowledge_alarm"]["default"] == "mdi:alarm-check"
    registry = er.async_get(hass)
    keys = {
        entity.entity_id: entity.translation_key
        for entity in registry.entities.values()
        if entity.entity_id in (EVENT_ENTITY, SENSOR, BUTTON)
    }
    assert keys == {
        EVENT_ENTITY: "received",
        SENSOR: "push_connection",
        BUTTON: "acknowledge_alarm",
    }


async def test_event_entity_fires_received(
    hass: HomeAssistant,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    sender: PushoverAPI,
) -> None:
    """The device's event entity fires ``received`` with the event's data."""
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    await sender.send_message(DEMO_USER, "Hello", device=DEVICE_NAME, title="Hi")
    await received.wait(1)
    state = hass.states.get(EVENT_ENTITY)
    assert state is not None
    assert state.attributes["event_type"] == "received"
    assert state.attributes["event_types"] == ["received"]
    assert {key: state.attributes[key] for key in EVENT_KEYS} == received.data[0]


async def test_own_message_received_without_its_links(
    hass: HomeAssistant,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
) -> None:
    """A message with action links, received here: titles stay, tokens never show."""
    hass.config.external_url = "https://home.example.org"
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.alice",
            "message": "Someone is at the gate",
            "actions": [{"action": "open_gate", "title": "Open the gate"}],
        },
        blocking=True,
    )
    await received.wait(1)
    [message] = received.data
    assert message["message"] == "Someone is at the gate\nOpen the gate"
    state = hass.states.get(EVENT_ENTITY)
    assert state is not None
    assert state.attributes["message"] == message["message"]
    assert WEBHOOK_ID not in str(state.attributes)


async def test_alarm_loop_closes_inside_home_assistant(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    device: tuple[OpenDevice, str],
    connected: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Send an emergency, receive it, acknowledge it here: the app hears it once."""
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    acknowledged = Capture(hass, EVENT_ACKNOWLEDGED)
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": "notify.alice",
            "message": "Water leak",
            "title": "Basement",
            "priority": 2,
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    receipt = receipt_of(response)
    await received.wait(1)
    [message] = received.data
    assert message["receipt"] == receipt
    assert message["priority"] == 2
    assert message["acked"] is False

    await hass.services.async_call(
        DOMAIN,
        "acknowledge",
        {"config_entry_id": connected.entry_id, "receipt": receipt},
        blocking=True,
    )
    assert sim.receipts[receipt].acknowledged_by_device == DEVICE_NAME
    await tick(hass, freezer, 11)
    await acknowledged.wait(1)
    [event] = acknowledged.data
    assert event["receipt"] == receipt
    assert event["acknowledged_by"] == DEMO_USER
    assert event["acknowledged_by_device"] == DEVICE_NAME
    await tick(hass, freezer, 120)
    assert len(acknowledged.events) == 1


@pytest.mark.parametrize(
    "devices",
    [
        [
            ("first_device", DEMO_USER, DEVICE_NAME),
            ("second_device", DEMO_USER2, "wallpanel"),
        ]
    ],
    indirect=True,
)
async def test_acknowledge_through_the_device_that_received(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    devices: list[Device],
    loaded_entry: MockConfigEntry,
) -> None:
    """With two devices, the one that received the emergency acknowledges it."""
    received = Capture(hass, EVENT_MESSAGE_RECEIVED)
    await wait_state(hass, SENSOR, "on")
    await wait_state(hass, "binary_sensor.wallpanel_push_connection", "on")
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.bob", "message": "Smoke", "priority": 2},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    receipt = receipt_of(response)
    await received.wait(1)
    assert received.data[0]["device_name"] == "wallpanel"
    await hass.services.async_call(
        DOMAIN,
        "acknowledge",
        {"config_entry_id": loaded_entry.entry_id, "receipt": receipt},
        blocking=True,
    )
    assert sim.receipts[receipt].acknowledged_by == DEMO_USER2
    assert sim.receipts[receipt].acknowledged_by_device == "wallpanel"


@pytest.mark.parametrize("devices", [[]], indirect=True)
async def test_acknowledge_needs_a_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Without a device subentry, acknowledge is refused with a translated error."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "acknowledge",
            {"config_entry_id": loaded_entry.entry_id, "receipt": "r" * 30},
            blocking=True,
        )
    assert err.value.translation_key == "no_open_client"
    assert err.value.translation_placeholders == {"name": "Home"}


async def test_waits_end_under_the_frozen_clock(hass: HomeAssistant) -> None:
    """A wait the frozen clock would never end fails in real time, cleanly."""
    never = asyncio.Event()
    with pytest.raises(TimeoutError):
        async with deadline(0.2):
            await never.wait()
    await hass.async_block_till_done()  # the task goes on, not cancelled
    async with deadline(0.2):
        never.set()
        await never.wait()
