"""Actions of Pushover Complete, registered once in ``async_setup``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Final, cast

import voluptuous as vol

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
    valid_entity_id,
)
from homeassistant.helpers import config_validation as cv

from .access import (
    async_caller,
    require_admin,
    require_control,
    require_event_control,
)
from .account_actions import ACCOUNT_ACTIONS
from .action_base import Access, Action, Handler
from .alarm_input import AlarmRequest, alarm_expire, checked_steps
from .api import MAX_EXPIRE
from .compat import as_schema
from .const import CONF_CONFIG_ENTRY_ID, CONF_USER_KEY, DOMAIN
from .dispatch import async_send
from .emergency_actions import EMERGENCY_ACTIONS
from .exceptions import invalid, pushover_errors
from .fields import (
    ATTR_CALLBACK_URL,
    ATTR_MESSAGE,
    ATTR_PRIORITY,
    ATTR_TTL,
    CONTENT_FIELDS,
    MESSAGE_FIELDS,
    async_message_for,
    bounded,
)
from .targets import async_get_entry, async_targets

SERVICE_SEND_MESSAGE: Final = "send_message"
SERVICE_SEND_ALARM: Final = "send_alarm"

ATTR_STEPS: Final = "steps"
ATTR_TARGETS: Final = "targets"
ATTR_AFTER: Final = "after"
ATTR_KEY: Final = "key"
ATTR_REPAGE_AFTER: Final = "repage_after"
ATTR_REPEAT: Final = "repeat"


def _entity_ids(value: Any) -> Any:
    """Read targeted entity ids; plain ids at once, anything else as Home Assistant does.

    Home Assistant's validator first tries "all"/"none" and fails its way to
    the ids; on the hot path of every send that costs more than the rest of
    the schema together.
    """
    if isinstance(value, str) and valid_entity_id(value):
        return [value]
    if isinstance(value, list) and all(
        isinstance(item, str) and valid_entity_id(item) for item in value
    ):
        return list(value)
    return _HA_TARGET_FIELDS[ATTR_ENTITY_ID](value)


_HA_TARGET_FIELDS: Final = {
    str(key): value for key, value in cv.ENTITY_SERVICE_FIELDS.items()
}
TARGET_FIELDS: Final[dict[Any, Any]] = {
    key: _entity_ids if str(key) == ATTR_ENTITY_ID else value
    for key, value in cv.ENTITY_SERVICE_FIELDS.items()
}
SEND_MESSAGE_FIELDS: Final[dict[Any, Any]] = {
    **TARGET_FIELDS,
    vol.Optional(CONF_CONFIG_ENTRY_ID): cv.string,
    vol.Optional(CONF_USER_KEY): cv.string,
    vol.Required(ATTR_MESSAGE): cv.string,
    **MESSAGE_FIELDS,
}
SEND_MESSAGE_SCHEMA: Final = vol.Schema(SEND_MESSAGE_FIELDS)


def _seconds(value: Any) -> int:
    """Read seconds from a number or a time period ("00:05:00", {minutes: 5})."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(vol.Range(min=0)(int(value)))
    return int(cv.positive_time_period(value).total_seconds())


# A step's after is at most the alarm's expire, which is at most Pushover's 3 hours.
MAX_AFTER: Final = MAX_EXPIRE
STEP_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_TARGETS): cv.entity_ids,
        vol.Optional(ATTR_AFTER, default=0): vol.Any(
            None, vol.All(_seconds, bounded(ATTR_AFTER, 0, MAX_AFTER))
        ),
    }
)
# Fields an alarm sets itself: given, they are refused with a translated error.
ALARM_OWN_FIELDS: Final = (ATTR_PRIORITY, ATTR_CALLBACK_URL, ATTR_TTL)
# Incident fields (CONTRACT §9), with the bounds a translated error names.
KEY_LENGTH: Final = (1, 64)
SEND_ALARM_FIELDS: Final[dict[Any, Any]] = {
    vol.Required(ATTR_STEPS): vol.All(cv.ensure_list, [STEP_SCHEMA]),
    vol.Required(ATTR_MESSAGE): cv.string,
    vol.Optional(ATTR_KEY): vol.Any(None, cv.string),
    vol.Optional(ATTR_REPAGE_AFTER): vol.Any(
        None, vol.All(_seconds, bounded(ATTR_REPAGE_AFTER, 60, 86400))
    ),
    vol.Optional(ATTR_REPEAT): vol.Any(None, bounded(ATTR_REPEAT, 0, 5)),
    **CONTENT_FIELDS,
    **{vol.Optional(name): object for name in ALARM_OWN_FIELDS},
}
SEND_ALARM_SCHEMA: Final = vol.Schema(SEND_ALARM_FIELDS)


async def _async_send_message(call: ServiceCall) -> ServiceResponse:
    """Send a message to notify entities or to an entry's user key."""
    hass = call.hass
    user = await async_caller(hass, call)
    targets = await async_targets(hass, call, user)
    msg = await async_message_for(call, user, call.data[ATTR_MESSAGE], call.data)
    recipients: list[dict[str, Any]] = []
    truncated = False
    for entry_id, entry_recipients in targets.items():
        entry = async_get_entry(hass, entry_id)
        result = await async_send(hass, entry, entry_recipients, msg)
        recipients.extend(result["recipients"])
        truncated = truncated or result["truncated"]
    return cast(ServiceResponse, {"recipients": recipients, "truncated": truncated})


async def _async_send_alarm(call: ServiceCall) -> ServiceResponse:
    """Start an alarm that escalates step by step until someone answers."""
    hass = call.hass
    user = await async_caller(hass, call)
    if given := [name for name in ALARM_OWN_FIELDS if name in call.data]:
        raise invalid("alarm_field_not_allowed", fields=", ".join(given))
    expire = alarm_expire(hass, call.data)
    entry, steps, recipients = checked_steps(hass, call.data[ATTR_STEPS], expire)
    incident = _incident_fields(call.data)
    for step in recipients:
        for recipient in step:
            require_control(user, call, str(recipient.notify_entity_id))
    msg = await async_message_for(call, user, call.data[ATTR_MESSAGE], call.data)
    msg.priority = 2
    dispatcher = entry.runtime_data.dispatcher
    for step in recipients:  # every step is checked before the first goes out
        dispatcher.check(step, msg)
    request = AlarmRequest(steps=steps, message=msg, expire=expire, **incident)
    return cast(
        ServiceResponse, await entry.runtime_data.alarms.async_start_alarm(request)
    )


def _incident_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``key`` (CONTRACT §9); the schema bounded the numbers."""
    key = data.get(ATTR_KEY)
    if key is not None and not KEY_LENGTH[0] <= len(key) <= KEY_LENGTH[1]:
        raise invalid("key_length", min=str(KEY_LENGTH[0]), max=str(KEY_LENGTH[1]))
    return {
        "key": key,
        "repage_after": data.get(ATTR_REPAGE_AFTER),
        "repeat": data.get(ATTR_REPEAT) or 0,
    }


def _entry_action(
    handler: Handler, access: Access
) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Check the caller, resolve the entry, run ``handler``, translate errors."""

    async def _run(call: ServiceCall) -> ServiceResponse:
        hass = call.hass
        entry = async_get_entry(hass, call.data[CONF_CONFIG_ENTRY_ID])
        user = await async_caller(hass, call)
        if access is Access.ADMIN:
            require_admin(user, call)
        elif access is Access.EVENT_CONTROL:
            require_event_control(hass, user, call, entry)
        runtime = entry.runtime_data
        try:
            async with pushover_errors(runtime.guard):
                return await handler(hass, entry, call.data, user)
        finally:
            runtime.coordinator.async_headers_seen()

    return _run


# Every action of an application entry, with who may call it.
ACTIONS: Final[dict[str, Action]] = {**EMERGENCY_ACTIONS, **ACCOUNT_ACTIONS}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_MESSAGE,
        _async_send_message,
        schema=as_schema(SEND_MESSAGE_SCHEMA),
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_ALARM,
        _async_send_alarm,
        schema=as_schema(SEND_ALARM_SCHEMA),
        supports_response=SupportsResponse.OPTIONAL,
    )
    for name, (handler, schema, supports, access) in ACTIONS.items():
        hass.services.async_register(
            DOMAIN,
            name,
            _entry_action(handler, access),
            schema=as_schema(vol.Schema(schema)),
            supports_response=supports,
        )
