"""Account actions: users, groups, subscriptions, licenses and glances."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol

from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv

from .action_base import ENTRY_SCHEMA, KEY, Access, Action, Handler
from .api import (
    OS_NAMES,
    BadAPIRequestError,
    PushoverAuthError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .const import CONF_USER_KEY
from .data import PushoverCompleteConfigEntry
from .exceptions import invalid
from .fields import ATTR_DEVICE, ATTR_SOUND, ATTR_TITLE

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

_GLANCE_TEXT = vol.All(cv.string, vol.Length(max=100))
GROUP_SCHEMA: Final[dict[Any, Any]] = {
    **ENTRY_SCHEMA,
    vol.Required(ATTR_GROUP_KEY): KEY,
}
MEMBER_SCHEMA: Final[dict[Any, Any]] = {
    **GROUP_SCHEMA,
    vol.Required(CONF_USER_KEY): KEY,
    vol.Optional(ATTR_DEVICE): cv.string,
}


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


ACCOUNT_ACTIONS: Final[dict[str, Action]] = {
    SERVICE_VALIDATE_USER: (
        _validate_user,
        {
            **ENTRY_SCHEMA,
            vol.Required(CONF_USER_KEY): KEY,
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
            vol.Required(CONF_USER_KEY): KEY,
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
            vol.Optional(CONF_USER_KEY): KEY,
            vol.Optional(ATTR_EMAIL): vol.All(
                cv.string, vol.Match(r"^[^@\s]+@[^@\s]+$")
            ),
            vol.Optional(ATTR_OS): vol.In(OS_NAMES),
        },
        SupportsResponse.OPTIONAL,
        Access.ADMIN,
    ),
    SERVICE_SEND_GLANCE: (
        _send_glance,
        {
            **ENTRY_SCHEMA,
            vol.Required(CONF_USER_KEY): KEY,
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
