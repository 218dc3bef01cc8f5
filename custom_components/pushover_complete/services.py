"""Actions of Pushover Complete, registered once in ``async_setup``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
import copy
from datetime import datetime
import functools
import inspect
from pathlib import Path
from typing import Any, cast

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    entity_registry as er,
    service as service_helper,
)
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml_dict

from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .attachments import async_resolve_attachment
from .const import CONF_CONFIG_ENTRY_ID, CONF_USER_KEY, DOMAIN, SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry
from .send import (
    Attachment,
    Message,
    Recipient,
    async_send,
    pushover_error,
    recipient_from_subentry,
    validation_error,
)

ATTR_MESSAGE = "message"
ATTR_TITLE = "title"
ATTR_DEVICE = "device"
ATTR_ATTACHMENT = "attachment"
ATTR_ATTACHMENT_URL = "attachment_url"
ATTR_CAMERA = "camera"


def _timestamp(value: Any) -> int:
    """A Unix time from an int or anything ``cv.datetime`` takes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    parsed: datetime = cv.datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt_util.get_default_time_zone())
    return int(parsed.timestamp())


def _str_list(value: Any) -> list[str]:
    """A list of non-empty strings from a list or a comma-separated string."""
    items = value.split(",") if isinstance(value, str) else cv.ensure_list(value)
    return [str(item).strip() for item in items if str(item).strip()]


# The message fields shared by the action and the legacy notify ``data``.
MESSAGE_FIELDS: dict[Any, Any] = {
    vol.Optional(ATTR_TITLE): vol.Any(None, cv.string),
    vol.Optional(ATTR_DEVICE): vol.Any(None, _str_list),
    vol.Optional("url"): vol.Any(None, cv.string),
    vol.Optional("url_title"): vol.Any(None, cv.string),
    vol.Optional("priority"): vol.Any(
        None, vol.All(vol.Coerce(int), vol.Range(min=-2, max=2))
    ),
    vol.Optional("retry"): vol.Any(None, vol.All(vol.Coerce(int), vol.Range(min=30))),
    vol.Optional("expire"): vol.Any(
        None, vol.All(vol.Coerce(int), vol.Range(min=30, max=10800))
    ),
    vol.Optional("callback_url"): vol.Any(None, cv.url),
    vol.Optional("tags"): vol.Any(None, _str_list),
    vol.Optional("sound"): vol.Any(None, cv.string),
    vol.Optional("html"): vol.Any(None, cv.boolean),
    vol.Optional("monospace"): vol.Any(None, cv.boolean),
    vol.Optional("timestamp"): vol.Any(None, _timestamp),
    vol.Optional("ttl"): vol.Any(None, vol.All(vol.Coerce(int), vol.Range(min=1))),
    vol.Optional(ATTR_ATTACHMENT): vol.Any(None, cv.string),
    vol.Optional(ATTR_ATTACHMENT_URL): vol.Any(None, cv.string),
    vol.Optional(ATTR_CAMERA): vol.Any(None, cv.entity_id),
}

SEND_MESSAGE_FIELDS: dict[Any, Any] = {
    **cv.ENTITY_SERVICE_FIELDS,
    vol.Optional(CONF_CONFIG_ENTRY_ID): cv.string,
    vol.Optional(CONF_USER_KEY): cv.string,
    vol.Required(ATTR_MESSAGE): cv.string,
    **MESSAGE_FIELDS,
}
SEND_MESSAGE_SCHEMA = vol.Schema(SEND_MESSAGE_FIELDS)
LEGACY_DATA_SCHEMA = vol.Schema(MESSAGE_FIELDS, extra=vol.REMOVE_EXTRA)

ENTRY: dict[Any, Any] = {vol.Required(CONF_CONFIG_ENTRY_ID): cv.string}
KEY = vol.All(cv.string, vol.Strip)
GROUP: dict[Any, Any] = {**ENTRY, vol.Required("group_key"): KEY}
MEMBER: dict[Any, Any] = {
    **GROUP,
    vol.Required(CONF_USER_KEY): KEY,
    vol.Optional(ATTR_DEVICE): cv.string,
}


async def async_message_from_data(
    hass: HomeAssistant, message: str, data: Mapping[str, Any]
) -> Message:
    """A :class:`Message` from validated fields, attachment read and checked."""
    attachment = await async_resolve_attachment(
        hass,
        path=data.get(ATTR_ATTACHMENT),
        url=data.get(ATTR_ATTACHMENT_URL),
        camera=data.get(ATTR_CAMERA),
    )
    return message_from_data(message, data, attachment)


def message_from_data(
    message: str, data: Mapping[str, Any], attachment: Attachment | None = None
) -> Message:
    """A :class:`Message` from fields validated by ``MESSAGE_FIELDS``."""
    return Message(
        message=message,
        title=data.get(ATTR_TITLE) or None,
        device=data.get(ATTR_DEVICE) or None,
        url=data.get("url"),
        url_title=data.get("url_title"),
        priority=data.get("priority"),
        retry=data.get("retry"),
        expire=data.get("expire"),
        callback_url=data.get("callback_url"),
        tags=data.get("tags") or [],
        sound=data.get("sound"),
        html=bool(data.get("html")),
        monospace=bool(data.get("monospace")),
        timestamp=data.get("timestamp"),
        ttl=data.get("ttl"),
        attachment=attachment,
    )


def _loaded_entry(hass: HomeAssistant, entry_id: str) -> PushoverCompleteConfigEntry:
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return cast(PushoverCompleteConfigEntry, entry)


# The helper takes (hass, call) up to 2025.x and (call) later.
_EXTRACT: Any = service_helper.async_extract_entity_ids
_EXTRACT_TAKES_HASS = "hass" in inspect.signature(_EXTRACT).parameters


async def _async_entity_ids(hass: HomeAssistant, call: ServiceCall) -> set[str]:
    """Entity ids a call targets."""
    if _EXTRACT_TAKES_HASS:
        return cast(set[str], await _EXTRACT(hass, call))
    return cast(set[str], await _EXTRACT(call))


async def _async_targets(
    hass: HomeAssistant, call: ServiceCall
) -> dict[str, list[Recipient]]:
    """Recipients per config entry id, from targets or entry + user key."""
    targets: dict[str, list[Recipient]] = {}
    has_target = any(call.data.get(str(key)) for key in cv.ENTITY_SERVICE_FIELDS)
    if has_target:
        registry = er.async_get(hass)
        for entity_id in sorted(await _async_entity_ids(hass, call)):
            reg = registry.async_get(entity_id)
            if (
                reg is None
                or reg.platform != DOMAIN
                or reg.domain != "notify"
                or reg.config_entry_id is None
            ):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="invalid_target",
                    translation_placeholders={"entity_id": entity_id},
                )
            entry = _loaded_entry(hass, reg.config_entry_id)
            subentry = entry.subentries.get(reg.config_subentry_id or "")
            if subentry is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="invalid_target",
                    translation_placeholders={"entity_id": entity_id},
                )
            targets.setdefault(entry.entry_id, []).append(
                recipient_from_subentry(subentry, entity_id)
            )
    if entry_id := call.data.get(CONF_CONFIG_ENTRY_ID):
        entry = _loaded_entry(hass, entry_id)
        if not (user_key := (call.data.get(CONF_USER_KEY) or "").strip()):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_recipients"
            )
        recipient = Recipient(user_key=user_key)
        for subentry in entry.subentries.values():
            if (
                subentry.subentry_type == SUBENTRY_RECIPIENT
                and subentry.data.get(CONF_USER_KEY) == user_key
            ):
                recipient = recipient_from_subentry(subentry)
                break
        targets.setdefault(entry.entry_id, []).append(recipient)
    if not targets:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_recipients"
        )
    return targets


async def _async_send_message(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    targets = await _async_targets(hass, call)
    msg = await async_message_from_data(hass, call.data[ATTR_MESSAGE], call.data)
    recipients: list[dict[str, Any]] = []
    truncated = False
    for entry_id, entry_recipients in targets.items():
        entry = _loaded_entry(hass, entry_id)
        result = await async_send(hass, entry, entry_recipients, msg)
        recipients.extend(result["recipients"])
        truncated = truncated or result["truncated"]
    return cast(ServiceResponse, {"recipients": recipients, "truncated": truncated})


type Handler = Callable[
    [HomeAssistant, PushoverCompleteConfigEntry, Mapping[str, Any]],
    Awaitable[ServiceResponse],
]


def _entry_action(
    handler: Handler,
) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Resolve the entry, run ``handler``, and translate the client's errors."""

    async def _run(call: ServiceCall) -> ServiceResponse:
        entry = _loaded_entry(call.hass, call.data[CONF_CONFIG_ENTRY_ID])
        try:
            return await handler(call.hass, entry, call.data)
        except PushoverValidationError as err:
            raise validation_error(err) from err
        except BadAPIRequestError as err:
            raise pushover_error(call.hass, entry, err) from err
        except PushoverConnectionError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err)},
            ) from err
        finally:
            entry.runtime_data.coordinator.async_headers_seen()

    return _run


def _iso(value: Any) -> str | None:
    if not value:
        return None
    return dt_util.utc_from_timestamp(int(value)).isoformat()


async def _cancel_emergency(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    runtime = entry.runtime_data
    if receipt := data.get("receipt"):
        await runtime.client.cancel_receipt(receipt)
        runtime.receipts.async_forget([receipt])
        return {"canceled": 1}
    if tag := data.get("tag"):
        answer = await runtime.client.cancel_receipt_by_tag(tag)
        runtime.receipts.async_forget(runtime.receipts.receipts_with_tag(tag))
        return {"canceled": int(answer.get("canceled", 0))}
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="receipt_or_tag"
    )


async def _get_receipt(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    answer = await entry.runtime_data.client.check_receipt(data["receipt"])
    return {
        "acknowledged": bool(answer.get("acknowledged")),
        "acknowledged_at": _iso(answer.get("acknowledged_at")),
        "acknowledged_by": answer.get("acknowledged_by") or None,
        "acknowledged_by_device": answer.get("acknowledged_by_device") or None,
        "last_delivered_at": _iso(answer.get("last_delivered_at")),
        "expired": bool(answer.get("expired")),
        "expires_at": _iso(answer.get("expires_at")),
        "called_back": bool(answer.get("called_back")),
        "called_back_at": _iso(answer.get("called_back_at")),
    }


async def _validate_user(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
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
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    answer = await entry.runtime_data.client.group_create(data["name"])
    return {"group_key": answer["group"]}


async def _group_list(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    answer = await entry.runtime_data.client.group_list()
    return {
        "groups": [
            {"group_key": group["group"], "name": group["name"]}
            for group in answer.get("groups", [])
        ]
    }


async def _group_info(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    answer = await entry.runtime_data.client.group_info(data["group_key"])
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
    async def _handler(
        hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
    ) -> ServiceResponse:
        client = entry.runtime_data.client
        args = [data["group_key"], data[CONF_USER_KEY], data.get(ATTR_DEVICE)]
        if method == "group_add_user":
            args.append(data.get("memo"))
        await getattr(client, method)(*args)
        return None

    return _handler


async def _group_rename(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    await entry.runtime_data.client.group_rename(data["group_key"], data["name"])
    return None


async def _migrate(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    answer = await entry.runtime_data.client.migrate_to_subscription(
        data[CONF_USER_KEY],
        data["subscription_code"],
        data.get(ATTR_DEVICE),
        data.get("sound"),
    )
    return {"subscribed_user_key": answer["subscribed_user_key"]}


async def _assign_license(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    identifier = data.get(CONF_USER_KEY) or data.get("email")
    if not identifier or (data.get(CONF_USER_KEY) and data.get("email")):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="user_key_or_email"
        )
    answer = await entry.runtime_data.client.assign_license(identifier, data.get("os"))
    entry.runtime_data.coordinator.async_credits_seen(answer.get("credits"))
    return {"credits": answer.get("credits")}


async def _send_glance(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, data: Mapping[str, Any]
) -> ServiceResponse:
    await entry.runtime_data.client.send_glance(
        data[CONF_USER_KEY],
        data.get(ATTR_DEVICE),
        data.get("title"),
        data.get("text"),
        data.get("subtext"),
        data.get("count"),
        data.get("percent"),
    )
    return None


ACTIONS: dict[str, tuple[Handler, dict[Any, Any], SupportsResponse]] = {
    "cancel_emergency": (
        _cancel_emergency,
        {**ENTRY, vol.Optional("receipt"): KEY, vol.Optional("tag"): cv.string},
        SupportsResponse.OPTIONAL,
    ),
    "get_receipt": (
        _get_receipt,
        {**ENTRY, vol.Required("receipt"): KEY},
        SupportsResponse.ONLY,
    ),
    "validate_user": (
        _validate_user,
        {
            **ENTRY,
            vol.Required(CONF_USER_KEY): KEY,
            vol.Optional(ATTR_DEVICE): cv.string,
        },
        SupportsResponse.ONLY,
    ),
    "group_create": (
        _group_create,
        {**ENTRY, vol.Required("name"): cv.string},
        SupportsResponse.OPTIONAL,
    ),
    "group_list": (_group_list, ENTRY, SupportsResponse.ONLY),
    "group_info": (_group_info, GROUP, SupportsResponse.ONLY),
    "group_add_user": (
        _member_action("group_add_user"),
        {**MEMBER, vol.Optional("memo"): cv.string},
        SupportsResponse.NONE,
    ),
    "group_remove_user": (
        _member_action("group_remove_user"),
        MEMBER,
        SupportsResponse.NONE,
    ),
    "group_disable_user": (
        _member_action("group_disable_user"),
        MEMBER,
        SupportsResponse.NONE,
    ),
    "group_enable_user": (
        _member_action("group_enable_user"),
        MEMBER,
        SupportsResponse.NONE,
    ),
    "group_rename": (
        _group_rename,
        {**GROUP, vol.Required("name"): cv.string},
        SupportsResponse.NONE,
    ),
    "migrate_to_subscription": (
        _migrate,
        {
            **ENTRY,
            vol.Required(CONF_USER_KEY): KEY,
            vol.Required("subscription_code"): cv.string,
            vol.Optional(ATTR_DEVICE): cv.string,
            vol.Optional("sound"): cv.string,
        },
        SupportsResponse.OPTIONAL,
    ),
    "assign_license": (
        _assign_license,
        {
            **ENTRY,
            vol.Optional(CONF_USER_KEY): KEY,
            vol.Optional("email"): vol.All(cv.string, vol.Match(r"^[^@\s]+@[^@\s]+$")),
            vol.Optional("os"): vol.In(["Android", "iOS", "Desktop"]),
        },
        SupportsResponse.OPTIONAL,
    ),
    "send_glance": (
        _send_glance,
        {
            **ENTRY,
            vol.Required(CONF_USER_KEY): KEY,
            vol.Optional(ATTR_DEVICE): cv.string,
            vol.Optional("title"): vol.All(cv.string, vol.Length(max=100)),
            vol.Optional("text"): vol.All(cv.string, vol.Length(max=100)),
            vol.Optional("subtext"): vol.All(cv.string, vol.Length(max=100)),
            vol.Optional("count"): vol.Coerce(int),
            vol.Optional("percent"): vol.All(
                vol.Coerce(int), vol.Range(min=0, max=100)
            ),
        },
        SupportsResponse.NONE,
    ),
}


@functools.cache
def _send_message_description() -> dict[str, Any]:
    """The ``send_message`` description from services.yaml (read once)."""
    path = Path(__file__).parent / "services.yaml"
    return dict(load_yaml_dict(str(path))["send_message"])


async def async_update_sound_suggestions(
    hass: HomeAssistant, starting: PushoverCompleteConfigEntry | None = None
) -> None:
    """Suggest the sounds of every loaded application in ``send_message``."""
    description = copy.deepcopy(
        await hass.async_add_executor_job(_send_message_description)
    )
    translations = await async_get_translations(hass, "en", "services", [DOMAIN])
    prefix = f"component.{DOMAIN}.services.send_message"
    description["name"] = translations.get(f"{prefix}.name", "send_message")
    description["description"] = translations.get(f"{prefix}.description", "")
    for field_name, field in description["fields"].items():
        for key in ("name", "description"):
            field[key] = translations.get(f"{prefix}.fields.{field_name}.{key}", "")
    sounds: dict[str, str] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED or entry is starting:
            sounds.update(cast(PushoverCompleteConfigEntry, entry).runtime_data.sounds)
    if sounds:
        select = description["fields"]["sound"]["selector"]["select"]
        select.pop("translation_key", None)
        select["options"] = [
            {"value": sound_id, "label": name}
            for sound_id, name in sorted(sounds.items(), key=lambda item: item[1])
        ]
    async_set_service_schema(hass, DOMAIN, "send_message", description)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration."""
    hass.services.async_register(
        DOMAIN,
        "send_message",
        _async_send_message,
        schema=SEND_MESSAGE_SCHEMA,  # type: ignore[arg-type, unused-ignore]  # probatio
        supports_response=SupportsResponse.OPTIONAL,
    )
    for name, (handler, schema, supports) in ACTIONS.items():
        hass.services.async_register(
            DOMAIN,
            name,
            _entry_action(handler),
            schema=vol.Schema(schema),  # type: ignore[arg-type, unused-ignore]  # probatio
            supports_response=supports,
        )
