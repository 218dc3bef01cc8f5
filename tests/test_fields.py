"""Numbers out of range, refused in words that name the bound (CONTRACT §6).

Each value goes through the action over real HTTP to the simulator:
``send_message``, ``send_alarm`` and the legacy action's ``data``. The
refusal is a translated ``ServiceValidationError`` (never voluptuous's "not a
valid value") and nothing reaches Pushover.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pushover_complete.const import DOMAIN
from custom_components.pushover_complete.fields import bounded
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pushover_simulator import PushoverSimulator

type Sender = Callable[[HomeAssistant, dict[str, Any]], Awaitable[Any]]


async def _send_message(hass: HomeAssistant, fields: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", **fields},
        blocking=True,
        return_response=True,
    )


async def _send_alarm(hass: HomeAssistant, fields: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {"steps": [{"targets": ["notify.alice"]}], "message": "x", **fields},
        blocking=True,
        return_response=True,
    )


async def _legacy(hass: HomeAssistant, fields: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        "notify", "alice", {"message": "x", "data": fields}, blocking=True
    )


def sends(sim: PushoverSimulator) -> list[dict[str, Any]]:
    """Every request to messages.json the simulator saw."""
    return [r for r in sim.requests if r["path"].endswith("/messages.json")]


SENDERS: Final[dict[str, Sender]] = {
    "send_message": _send_message,
    "legacy": _legacy,
}

# (field, value, translation key, placeholders, words the message must hold)
RANGE_CASES: Final = [
    pytest.param(
        "retry",
        10,
        "value_too_small",
        {"field": "retry", "value": "10", "minimum": "30"},
        "at least 30",
        id="retry-10",
    ),
    pytest.param(
        "retry",
        "29",
        "value_too_small",
        {"field": "retry", "value": "29", "minimum": "30"},
        "at least 30",
        id="retry-text",
    ),
    pytest.param(
        "expire",
        20,
        "value_out_of_range",
        {"field": "expire", "value": "20", "minimum": "30", "maximum": "10800"},
        "from 30 to 10800",
        id="expire-low",
    ),
    pytest.param(
        "expire",
        10801,
        "value_out_of_range",
        {"field": "expire", "value": "10801", "minimum": "30", "maximum": "10800"},
        "from 30 to 10800",
        id="expire-high",
    ),
    pytest.param(
        "ttl",
        0,
        "value_too_small",
        {"field": "ttl", "value": "0", "minimum": "1"},
        "at least 1",
        id="ttl-0",
    ),
    pytest.param(
        "ttl",
        -5,
        "value_too_small",
        {"field": "ttl", "value": "-5", "minimum": "1"},
        "at least 1",
        id="ttl-negative",
    ),
    pytest.param(
        "priority",
        3,
        "value_out_of_range",
        {"field": "priority", "value": "3", "minimum": "-2", "maximum": "2"},
        "from -2 to 2",
        id="priority-3",
    ),
    pytest.param(
        "priority",
        -3,
        "value_out_of_range",
        {"field": "priority", "value": "-3", "minimum": "-2", "maximum": "2"},
        "from -2 to 2",
        id="priority-minus-3",
    ),
    pytest.param(
        "priority",
        "urgent",
        "invalid_priority",
        {"value": "urgent", "names": "lowest, low, normal, high, emergency"},
        "lowest, low, normal, high, emergency",
        id="priority-name",
    ),
    pytest.param(
        "retry",
        45.5,
        "value_not_whole_number",
        {"field": "retry", "value": "45.5"},
        "whole number",
        id="retry-fraction",
    ),
    pytest.param(
        "ttl",
        "soon",
        "value_not_whole_number",
        {"field": "ttl", "value": "soon"},
        "whole number",
        id="ttl-text",
    ),
]


@pytest.mark.parametrize("path", sorted(SENDERS))
@pytest.mark.parametrize(("name", "value", "key", "placeholders", "words"), RANGE_CASES)
async def test_number_out_of_range_named_in_words(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    path: str,
    name: str,
    value: Any,
    key: str,
    placeholders: dict[str, str],
    words: str,
) -> None:
    """The refusal names the field and its bound; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await SENDERS[path](hass, {name: value})
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    assert words in str(err.value)
    assert "not a valid value" not in str(err.value)
    assert sends(sim) == []


@pytest.mark.parametrize(
    ("fields", "placeholders"),
    [
        (
            {"retry": 10},
            {"field": "retry", "value": "10", "minimum": "30"},
        ),
        (
            {"expire": 10801},
            {"field": "expire", "value": "10801", "minimum": "30", "maximum": "10800"},
        ),
    ],
    ids=["retry", "expire"],
)
async def test_alarm_durations_out_of_range(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    fields: dict[str, Any],
    placeholders: dict[str, str],
) -> None:
    """send_alarm takes the same fields and the same words."""
    with pytest.raises(ServiceValidationError) as err:
        await _send_alarm(hass, fields)
    assert err.value.translation_placeholders == placeholders
    assert sends(sim) == []


@pytest.mark.parametrize("path", sorted(SENDERS))
@pytest.mark.parametrize(
    ("fields", "wire"),
    [
        ({"retry": "30", "expire": 10800.0, "priority": 2}, ("2", "30", "10800")),
        ({"ttl": "1", "priority": "-2"}, ("-2", None, None)),
    ],
    ids=["bounds", "texts"],
)
async def test_numbers_at_their_bounds_are_sent(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    path: str,
    fields: dict[str, Any],
    wire: tuple[str, str | None, str | None],
) -> None:
    """The bounds themselves, and numbers written as text, go through."""
    await SENDERS[path](hass, fields)
    [msg] = sim.messages
    assert (msg["priority"], msg.get("retry"), msg.get("expire")) == wire


async def test_an_upper_bound_alone_is_named(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The validator new fields reuse: a maximum alone is named as well."""
    with pytest.raises(ServiceValidationError) as err:
        bounded("repeat", maximum=5)(6)
    assert err.value.translation_key == "value_too_large"
    assert err.value.translation_placeholders == {
        "field": "repeat",
        "value": "6",
        "maximum": "5",
    }
    assert "at most 5" in str(err.value)
