"""Actions of Pushover Complete, registered once in ``async_setup``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from enum import Enum
from typing import Any, Final, cast

import voluptuous as vol

from homeassistant.auth.models import User
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv

from .access import (
    async_caller,
    require_admin,
    require_control,
    require_event_control,
    require_read,
)
from .alarm_input import alarm_expire, checked_steps
from .alarms import AlarmRequest
from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .compat import as_schema
from .const import CONF_CONFIG_ENTRY_ID, CONF_USER_KEY, DOMAIN
from .data import PushoverCompleteConfigEntry
from .dispatch import async_send
from .exceptions import invalid, pushover_errors
from .fields import (
    ATTR_CALLBACK_URL,
    ATTR_CAMERA,
    ATTR_DEVICE,
    ATTR_MESSAGE,
    ATTR_PRIORITY,
    ATTR_SOUND,
    ATTR_TITLE,
    ATTR_TTL,
    CONTENT_FIELDS,
    MESSAGE_FIELDS,
    async_message_from_data,
    bounded,
)
from .receipts import receipt_summary
from .targets import async_get_entry, async_targets

SERVICE_SEND_MESSAGE: Final = "send_message"
SERVICE_SEND_ALARM: Final = "send_alarm"
SERVICE_CANCEL_EMERGENCY: Final = "cancel_emergency"
SERVICE_GET_RECEIPT: Final = "get_receipt"
SERVICE_VALIDATE_USER: Final = "validate_user"
SERVICE_GROUP_CREATE: Final = "group_create"
SERVICE_GROUP_LIST: Final = "group_list"
SERVICE_GROUP_INFO: Final = "group_info"
SERVICE_GROUP_ADD_USER: Final = "group_add_user"
SERVICE_GROUP_REMOVE_USER: Final = "group_remove_user"
SERVICE_GROUP_DISABLE_USER: Final = "group_disable_user"
SERVICE_GROUP_ENABLE_USER: Final = "group_enable_user"
SERVICE_GROUP_RENAME: Final = "group_rename"
SERVICE_MIGRATE_TO_SUBSCRIPTION: Final = "migrate_to_subscription"
SERVICE_ASSIGN_LICENSE: Final = "assign_license"
SERVICE_SEND_GLANCE: Final = "send_glance"
SERVICE_ACKNOWLEDGE: Final = "acknowledge"
SERVICE_RESOLVE_ALARM: Final = "resolve_alarm"

ATTR_RECEIPT: Final = "receipt"
ATTR_ALARM_ID: Final = "alarm_id"
ATTR_STEPS: Final = "steps"
ATTR_TARGETS: Final = "targets"
ATTR_AFTER: Final = "after"
ATTR_TAG: Final = "tag"
ATTR_KEY: Final = "key"
ATTR_REPAGE_AFTER: Final = "repage_after"
ATTR_REPEAT: Final = "repeat"
ATTR_NAME: Final = "name"
ATTR_GROUP_KEY: Final = "group_key"
ATTR_MEMO: Final = "memo"
ATTR_SUBSCRIPTION_CODE: Final = "subscription_code"
ATTR_EMAIL: Final = "email"
ATTR_OS: Final = "os"
ATTR_TEXT: Final = "text"
ATTR_SUBTEXT: Final = "subtext"
ATTR_COUNT: Final = "count"
ATTR_PERCENT: Final = "percent"

SEND_MESSAGE_FIELDS: Final[dict[Any, Any]] = {
    **cv.ENTITY_SERVICE_FIELDS,
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
MAX_AFTER: Final = 10800
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

_KEY = vol.All(cv.string, vol.Strip)
_GLANCE_TEXT = vol.All(cv.string, vol.Length(max=100))
ENTRY_SCHEMA: Final[dict[Any, Any]] = {vol.Required(CONF_CONFIG_ENTRY_ID): cv.string}
GROUP_SCHEMA: Final[dict[Any, Any]] = {
    **ENTRY_SCHEMA,
    vol.Required(ATTR_GROUP_KEY): _KEY,
}
MEMBER_SCHEMA: Final[dict[Any, Any]] = {
    **GROUP_SCHEMA,
    vol.Required(CONF_USER_KEY): _KEY,
    vol.Optional(ATTR_DEVICE): cv.string,
}


class Access(Enum):
    """What a person calling an action needs."""

    ANYONE = "anyone"
    ADMIN = "admin"
    EVENT_CONTROL = "event_control"


type Handler = Callable[
    [HomeAssistant, PushoverCompleteConfigEntry, Mapping[str, Any], User | None],
    Awaitable[ServiceResponse],
]


async def _async_send_message(call: ServiceCall) -> ServiceResponse:
    """Send a message to notify entities or to an entry's user key."""
    hass = call.hass
    user = await async_caller(hass, call)
    targets = await async_targets(hass, call, user)
    if camera := call.data.get(ATTR_CAMERA):
        require_read(user, call, camera)
    msg = await async_message_from_data(hass, call.data[ATTR_MESSAGE], call.data)
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
    if camera := call.data.get(ATTR_CAMERA):
        require_read(user, call, camera)
    msg = await async_message_from_data(hass, call.data[ATTR_MESSAGE], call.data)
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


def _one_selector(data: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """Return which one of ``names`` the call gives; refuse none or several."""
    given = [name for name in names if data.get(name)]
    if len(given) != 1:
        raise invalid("one_selector", fields=", ".join(names))
    return given[0]


async def _cancel_emergency(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    """End alarms (or one receipt) without an event; count the receipts canceled."""
    runtime = entry.runtime_data
    alarms = runtime.alarms
    selector = _one_selector(data, (ATTR_RECEIPT, ATTR_ALARM_ID, ATTR_KEY, ATTR_TAG))
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
    selector = _one_selector(data, (ATTR_ALARM_ID, ATTR_KEY, ATTR_TAG))
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


async def _validate_user(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    """Answer whether a key is valid: a refused key is an answer, not an error."""
    try:
        answer = await entry.runtime_data.client.validate(
            data[CONF_USER_KEY], data.get(ATTR_DEVICE)
        )
    except PushoverValidationError as err:
        return {"valid": False, "reason": str(err)}
    except BadAPIRequestError as err:
        if isinstance(err, PushoverAuthError | PushoverQuotaError):
            raise
        return {"valid": False, "reason": str(err)}
    return {
        "valid": True,
        "group": bool(answer.get("group")),
        "devices": list(answer.get("devices") or []),
        "licenses": list(answer.get("licenses") or []),
    }


async def _group_create(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    answer = await entry.runtime_data.client.group_create(data[ATTR_NAME])
    return {"group_key": answer["group"]}


async def _group_list(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    answer = await entry.runtime_data.client.group_list()
    return {
        "groups": [
            {"group_key": group["group"], "name": group["name"]}
            for group in answer.get("groups", [])
        ]
    }


async def _group_info(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    answer = await entry.runtime_data.client.group_info(data[ATTR_GROUP_KEY])
    return {
        "name": answer.get("name"),
        "users": [
            {
                "user_key": member.get("user"),
                "device": member.get("device") or None,
                "memo": member.get("memo") or None,
                "disabled": bool(member.get("disabled")),
            }
            for member in answer.get("users", [])
        ],
    }


def _member_action(method: str) -> Handler:
    """Build the handler of a group member action (add, remove, disable, enable)."""

    async def _handler(
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        data: Mapping[str, Any],
        user: User | None,
    ) -> ServiceResponse:
        client = entry.runtime_data.client
        args = [data[ATTR_GROUP_KEY], data[CONF_USER_KEY], data.get(ATTR_DEVICE)]
        if method == SERVICE_GROUP_ADD_USER:
            args.append(data.get(ATTR_MEMO))
        await getattr(client, method)(*args)
        return None

    return _handler


async def _group_rename(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    await entry.runtime_data.client.group_rename(data[ATTR_GROUP_KEY], data[ATTR_NAME])
    return None


async def _migrate(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    answer = await entry.runtime_data.client.migrate_to_subscription(
        data[CONF_USER_KEY],
        data[ATTR_SUBSCRIPTION_CODE],
        data.get(ATTR_DEVICE),
        data.get(ATTR_SOUND),
    )
    return {"subscribed_user_key": answer["subscribed_user_key"]}


async def _assign_license(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    identifier = data.get(CONF_USER_KEY) or data.get(ATTR_EMAIL)
    if not identifier or (data.get(CONF_USER_KEY) and data.get(ATTR_EMAIL)):
        raise invalid("user_key_or_email")
    answer = await entry.runtime_data.client.assign_license(
        identifier, data.get(ATTR_OS)
    )
    entry.runtime_data.coordinator.async_credits_seen(answer.get("credits"))
    return {"credits": answer.get("credits")}


async def _send_glance(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    data: Mapping[str, Any],
    user: User | None,
) -> ServiceResponse:
    await entry.runtime_data.client.send_glance(
        data[CONF_USER_KEY],
        data.get(ATTR_DEVICE),
        data.get(ATTR_TITLE),
        data.get(ATTR_TEXT),
        data.get(ATTR_SUBTEXT),
        data.get(ATTR_COUNT),
        data.get(ATTR_PERCENT),
    )
    return None


type Action = tuple[Handler, dict[Any, Any], SupportsResponse, Access]

ACTIONS: Final[dict[str, Action]] = {
    SERVICE_CANCEL_EMERGENCY: (
        _cancel_emergency,
        {
            **ENTRY_SCHEMA,
            vol.Optional(ATTR_RECEIPT): _KEY,
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
        {**ENTRY_SCHEMA, vol.Required(ATTR_RECEIPT): _KEY},
        SupportsResponse.NONE,
        Access.EVENT_CONTROL,
    ),
    SERVICE_GET_RECEIPT: (
        _get_receipt,
        {**ENTRY_SCHEMA, vol.Required(ATTR_RECEIPT): _KEY},
        SupportsResponse.ONLY,
        Access.ANYONE,
    ),
    SERVICE_VALIDATE_USER: (
        _validate_user,
        {
            **ENTRY_SCHEMA,
            vol.Required(CONF_USER_KEY): _KEY,
            vol.Optional(ATTR_DEVICE): cv.string,
        },
        SupportsResponse.ONLY,
        Access.ANYONE,
    ),
    SERVICE_GROUP_CREATE: (
        _group_create,
        {**ENTRY_SCHEMA, vol.Required(ATTR_NAME): cv.string},
        SupportsResponse.OPTIONAL,
        Access.ADMIN,
    ),
    SERVICE_GROUP_LIST: (
        _group_list,
        ENTRY_SCHEMA,
        SupportsResponse.ONLY,
        Access.ANYONE,
    ),
    SERVICE_GROUP_INFO: (
        _group_info,
        GROUP_SCHEMA,
        SupportsResponse.ONLY,
        Access.ADMIN,
    ),
    SERVICE_GROUP_ADD_USER: (
        _member_action(SERVICE_GROUP_ADD_USER),
        {**MEMBER_SCHEMA, vol.Optional(ATTR_MEMO): cv.string},
        SupportsResponse.NONE,
        Access.ADMIN,
    ),
    SERVICE_GROUP_REMOVE_USER: (
        _member_action(SERVICE_GROUP_REMOVE_USER),
        MEMBER_SCHEMA,
        SupportsResponse.NONE,
        Access.ADMIN,
    ),
    SERVICE_GROUP_DISABLE_USER: (
        _member_action(SERVICE_GROUP_DISABLE_USER),
        MEMBER_SCHEMA,
        SupportsResponse.NONE,
        Access.ADMIN,
    ),
    SERVICE_GROUP_ENABLE_USER: (
        _member_action(SERVICE_GROUP_ENABLE_USER),
        MEMBER_SCHEMA,
        SupportsResponse.NONE,
        Access.ADMIN,
    ),
    SERVICE_GROUP_RENAME: (
        _group_rename,
        {**GROUP_SCHEMA, vol.Required(ATTR_NAME): cv.string},
        SupportsResponse.NONE,
        Access.ADMIN,
    ),
    SERVICE_MIGRATE_TO_SUBSCRIPTION: (
        _migrate,
        {
            **ENTRY_SCHEMA,
            vol.Required(CONF_USER_KEY): _KEY,
            vol.Required(ATTR_SUBSCRIPTION_CODE): cv.string,
            vol.Optional(ATTR_DEVICE): cv.string,
            vol.Optional(ATTR_SOUND): cv.string,
        },
        SupportsResponse.OPTIONAL,
        Access.ADMIN,
    ),
    SERVICE_ASSIGN_LICENSE: (
        _assign_license,
        {
            **ENTRY_SCHEMA,
            vol.Optional(CONF_USER_KEY): _KEY,
            vol.Optional(ATTR_EMAIL): vol.All(
                cv.string, vol.Match(r"^[^@\s]+@[^@\s]+$")
            ),
            vol.Optional(ATTR_OS): vol.In(["Android", "iOS", "Desktop"]),
        },
        SupportsResponse.OPTIONAL,
        Access.ADMIN,
    ),
    SERVICE_SEND_GLANCE: (
        _send_glance,
        {
            **ENTRY_SCHEMA,
            vol.Required(CONF_USER_KEY): _KEY,
            vol.Optional(ATTR_DEVICE): cv.string,
            vol.Optional(ATTR_TITLE): _GLANCE_TEXT,
            vol.Optional(ATTR_TEXT): _GLANCE_TEXT,
            vol.Optional(ATTR_SUBTEXT): _GLANCE_TEXT,
            vol.Optional(ATTR_COUNT): vol.Coerce(int),
            vol.Optional(ATTR_PERCENT): vol.All(
                vol.Coerce(int), vol.Range(min=0, max=100)
            ),
        },
        SupportsResponse.NONE,
        Access.ADMIN,
    ),
}


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
