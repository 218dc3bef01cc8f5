"""Actions on emergencies: cancel, resolve, acknowledge, read a receipt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol

from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv

from .action_base import ENTRY_SCHEMA, KEY, Access, Action, one_selector
from .data import PushoverCompleteConfigEntry
from .receipts import receipt_summary

SERVICE_CANCEL_EMERGENCY: Final = "cancel_emergency"
SERVICE_RESOLVE_ALARM: Final = "resolve_alarm"
SERVICE_ACKNOWLEDGE: Final = "acknowledge"
SERVICE_GET_RECEIPT: Final = "get_receipt"

ATTR_RECEIPT: Final = "receipt"
ATTR_ALARM_ID: Final = "alarm_id"
ATTR_TAG: Final = "tag"
ATTR_KEY: Final = "key"


async def _cancel_emergency(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    """End alarms (or one receipt) without an event; count the receipts canceled."""
    runtime = entry.runtime_data
    alarms = runtime.alarms
    selector = one_selector(data, (ATTR_RECEIPT, ATTR_ALARM_ID, ATTR_KEY, ATTR_TAG))
    value = data[selector]
    if selector == ATTR_RECEIPT:
        canceled = await alarms.async_cancel_receipt(value)
        if canceled is None:  # not one of ours: ask Pushover directly
            await runtime.client.cancel_receipt(value)
            canceled = 1
        return {"canceled": canceled}
    canceled = await alarms.async_cancel(alarms.matching(**{selector: value}))
    if selector == ATTR_TAG:  # and whatever else carries the tag at Pushover
        answer = await runtime.client.cancel_receipt_by_tag(value)
        canceled += int(answer.get("canceled", 0))
    return {"canceled": canceled}


async def _resolve_alarm(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    """End alarms on purpose, one resolved event each (CONTRACT §9)."""
    alarms = entry.runtime_data.alarms
    selector = one_selector(data, (ATTR_ALARM_ID, ATTR_KEY, ATTR_TAG))
    matching = [a for a in alarms.matching(**{selector: data[selector]}) if a.public]
    resolved = await alarms.async_resolve(matching, user.name if user else None)
    return {"resolved": resolved}


async def _acknowledge(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    """Acknowledge an emergency through the Open Client that received it."""
    await entry.runtime_data.receivers.async_acknowledge(data[ATTR_RECEIPT])
    return None


async def _get_receipt(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    answer = await entry.runtime_data.client.check_receipt(data[ATTR_RECEIPT])
    return receipt_summary(answer)


EMERGENCY_ACTIONS: Final[dict[str, Action]] = {
    SERVICE_CANCEL_EMERGENCY: (
        _cancel_emergency,
        {
            **ENTRY_SCHEMA,
            vol.Optional(ATTR_RECEIPT): KEY,
            vol.Optional(ATTR_TAG): cv.string,
            vol.Optional(ATTR_ALARM_ID): cv.string,
            vol.Optional(ATTR_KEY): cv.string,
        },
        SupportsResponse.OPTIONAL,
        Access.EVENT_CONTROL,
    ),
    SERVICE_RESOLVE_ALARM: (
        _resolve_alarm,
        {
            **ENTRY_SCHEMA,
            vol.Optional(ATTR_TAG): cv.string,
            vol.Optional(ATTR_ALARM_ID): cv.string,
            vol.Optional(ATTR_KEY): cv.string,
        },
        SupportsResponse.OPTIONAL,
        Access.EVENT_CONTROL,
    ),
    SERVICE_ACKNOWLEDGE: (
        _acknowledge,
        {**ENTRY_SCHEMA, vol.Required(ATTR_RECEIPT): KEY},
        SupportsResponse.NONE,
        Access.EVENT_CONTROL,
    ),
    SERVICE_GET_RECEIPT: (
        _get_receipt,
        {**ENTRY_SCHEMA, vol.Required(ATTR_RECEIPT): KEY},
        SupportsResponse.ONLY,
        Access.ANYONE,
    ),
}
