"""Message fields: their names, their schema and their mapping to a Message.

The same fields serve ``send_message``, ``send_alarm`` and the ``data`` of the
legacy ``notify.<recipient>`` services.

A number out of range is refused in words that name the bound
(:func:`bounded`): the validator raises the translated
``ServiceValidationError`` itself. Voluptuous lets exceptions other than its
own ``Invalid`` through (``Any``, ``All`` and ``Schema`` catch only
``Invalid``), and Home Assistant's service call passes them on to the caller,
so the action form shows our sentence instead of "not a valid value".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

import voluptuous as vol

from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .access import require_read
from .api import MAX_EXPIRE, MIN_RETRY
from .attachments import async_resolve_attachment
from .const import PRIORITY_NAMES
from .exceptions import invalid
from .models import Attachment, Message, MessageAction
from .text import cut

ATTR_MESSAGE: Final = "message"
ATTR_TITLE: Final = "title"
ATTR_DEVICE: Final = "device"
ATTR_URL: Final = "url"
ATTR_URL_TITLE: Final = "url_title"
ATTR_PRIORITY: Final = "priority"
ATTR_RETRY: Final = "retry"
ATTR_EXPIRE: Final = "expire"
ATTR_CALLBACK_URL: Final = "callback_url"
ATTR_TAGS: Final = "tags"
ATTR_SOUND: Final = "sound"
ATTR_HTML: Final = "html"
ATTR_MONOSPACE: Final = "monospace"
ATTR_TIMESTAMP: Final = "timestamp"
ATTR_TTL: Final = "ttl"
ATTR_ATTACHMENT: Final = "attachment"
ATTR_ATTACHMENT_URL: Final = "attachment_url"
ATTR_CAMERA: Final = "camera"
ATTR_MEDIA: Final = "media"
ATTR_ACTIONS: Final = "actions"
MAX_ACTIONS: Final = 3


def _timestamp(value: Any) -> int:
    """Read a Unix time from an int or anything ``cv.datetime`` takes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    parsed: datetime = cv.datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt_util.get_default_time_zone())
    return int(parsed.timestamp())


def _str_list(value: Any) -> list[str]:
    """Read a list of non-empty strings from a list or a comma-separated string."""
    items = value.split(",") if isinstance(value, str) else cv.ensure_list(value)
    return [str(item).strip() for item in items if str(item).strip()]


# How much of a refused value an error message repeats.
SHOWN_VALUE_LENGTH: Final = 40


def _whole_number(value: Any) -> int | None:
    """Read a whole number from an int, a whole float or such a text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _shown(value: Any) -> str:
    """Return a refused value as an error message may repeat it."""
    return cut(str(value), SHOWN_VALUE_LENGTH)[0]


def _out_of_range(
    name: str, value: int, minimum: int | None, maximum: int | None
) -> ServiceValidationError:
    """Build the error for ``value`` outside ``minimum``..``maximum``."""
    if minimum is not None and maximum is not None:
        return invalid(
            "value_out_of_range",
            field=name,
            value=str(value),
            minimum=str(minimum),
            maximum=str(maximum),
        )
    if minimum is not None:
        return invalid(
            "value_too_small", field=name, value=str(value), minimum=str(minimum)
        )
    return invalid(
        "value_too_large", field=name, value=str(value), maximum=str(maximum)
    )


def bounded(
    name: str, minimum: int | None = None, maximum: int | None = None
) -> Callable[[Any], int]:
    """Return a validator of a whole number from ``minimum`` to ``maximum``.

    A value that is no whole number, or one out of range, raises a translated
    ``ServiceValidationError`` naming ``name`` and the bounds (see the module's
    docstring). Either bound may be left open.
    """

    def _validate(value: Any) -> int:
        number = _whole_number(value)
        if number is None:
            raise invalid("value_not_whole_number", field=name, value=_shown(value))
        if (minimum is not None and number < minimum) or (
            maximum is not None and number > maximum
        ):
            raise _out_of_range(name, number, minimum, maximum)
        return number

    return _validate


_PRIORITY_LEVEL = bounded(
    "priority", min(PRIORITY_NAMES.values()), max(PRIORITY_NAMES.values())
)


def _priority(value: Any) -> int:
    """Read a priority: -2..2, or its name as the action form offers it."""
    if isinstance(value, str) and value.strip().lower() in PRIORITY_NAMES:
        return PRIORITY_NAMES[value.strip().lower()]
    if _whole_number(value) is None:
        raise invalid(
            "invalid_priority",
            value=_shown(value),
            names=", ".join(PRIORITY_NAMES),
        )
    return _PRIORITY_LEVEL(value)


def _media(value: Any) -> str:
    """Read a media-source id from the media selector's value or a URI."""
    if isinstance(value, Mapping):
        value = value.get("media_content_id")
    media_id = cv.string(value)
    if not media_id.startswith("media-source://"):
        raise vol.Invalid("expected a media-source:// URI")
    return media_id


def _optional(validator: Any) -> Any:
    return vol.Any(None, validator)


# Pushover's bounds (MIN_RETRY, MAX_EXPIRE): an emergency repeats at most every
# 30 s and for at most 3 hours; a time to live is a positive number of seconds.
EXPIRE_MIN: Final = 30
TTL_MIN: Final = 1

# Fields of the message itself, shared by every way of sending.
# One action link of a message (CONTRACT §10).
ACTION_ITEM: Final = vol.Schema(
    {
        vol.Required("action"): vol.All(cv.string, vol.Match(r"^[a-z0-9_]{1,32}$")),
        vol.Required("title"): vol.All(cv.string, vol.Length(min=1, max=40)),
    }
)

CONTENT_FIELDS: Final[dict[Any, Any]] = {
    vol.Optional(ATTR_TITLE): _optional(cv.string),
    vol.Optional(ATTR_URL): _optional(cv.string),
    vol.Optional(ATTR_URL_TITLE): _optional(cv.string),
    vol.Optional(ATTR_RETRY): _optional(bounded(ATTR_RETRY, MIN_RETRY)),
    vol.Optional(ATTR_EXPIRE): _optional(bounded(ATTR_EXPIRE, EXPIRE_MIN, MAX_EXPIRE)),
    vol.Optional(ATTR_TAGS): _optional(_str_list),
    vol.Optional(ATTR_SOUND): _optional(cv.string),
    vol.Optional(ATTR_HTML): _optional(cv.boolean),
    vol.Optional(ATTR_MONOSPACE): _optional(cv.boolean),
    vol.Optional(ATTR_TIMESTAMP): _optional(_timestamp),
    vol.Optional(ATTR_ATTACHMENT): _optional(cv.string),
    vol.Optional(ATTR_ATTACHMENT_URL): _optional(cv.string),
    vol.Optional(ATTR_CAMERA): _optional(cv.entity_id),
    vol.Optional(ATTR_MEDIA): _optional(_media),
    vol.Optional(ATTR_ACTIONS): _optional(
        vol.All(cv.ensure_list, vol.Length(min=1, max=MAX_ACTIONS), [ACTION_ITEM])
    ),
}

# Fields an alarm sets itself: ``send_alarm`` does not take them.
DELIVERY_FIELDS: Final[dict[Any, Any]] = {
    vol.Optional(ATTR_DEVICE): _optional(_str_list),
    vol.Optional(ATTR_PRIORITY): _optional(_priority),
    vol.Optional(ATTR_CALLBACK_URL): _optional(cv.url),
    vol.Optional(ATTR_TTL): _optional(bounded(ATTR_TTL, TTL_MIN)),
}

MESSAGE_FIELDS: Final[dict[Any, Any]] = {**CONTENT_FIELDS, **DELIVERY_FIELDS}
MESSAGE_FIELD_NAMES: Final = frozenset(str(key) for key in MESSAGE_FIELDS)


async def async_message_for(
    call: ServiceCall, user: User | None, message: str, data: Mapping[str, Any]
) -> Message:
    """Build the message of a call, its attachment read and checked.

    A person must be allowed to read the camera or image entity they attach
    (every way of sending takes this path, the legacy action's ``data`` too).
    """
    if camera := data.get(ATTR_CAMERA):
        require_read(user, call, camera)
    return await async_message_from_data(call.hass, message, data)


async def async_message_from_data(
    hass: HomeAssistant, message: str, data: Mapping[str, Any]
) -> Message:
    """Build a Message from validated fields, its attachment read and checked."""
    attachment = await async_resolve_attachment(
        hass,
        path=data.get(ATTR_ATTACHMENT),
        url=data.get(ATTR_ATTACHMENT_URL),
        camera=data.get(ATTR_CAMERA),
        media=data.get(ATTR_MEDIA),
    )
    return message_from_data(message, data, attachment)


def message_from_data(
    message: str, data: Mapping[str, Any], attachment: Attachment | None = None
) -> Message:
    """Build a Message from fields validated by ``MESSAGE_FIELDS``."""
    return Message(
        message=message,
        title=data.get(ATTR_TITLE) or None,
        device=data.get(ATTR_DEVICE) or None,
        url=data.get(ATTR_URL),
        url_title=data.get(ATTR_URL_TITLE),
        priority=data.get(ATTR_PRIORITY),
        retry=data.get(ATTR_RETRY),
        expire=data.get(ATTR_EXPIRE),
        callback_url=data.get(ATTR_CALLBACK_URL),
        tags=data.get(ATTR_TAGS) or [],
        sound=data.get(ATTR_SOUND),
        html=bool(data.get(ATTR_HTML)),
        monospace=bool(data.get(ATTR_MONOSPACE)),
        timestamp=data.get(ATTR_TIMESTAMP),
        ttl=data.get(ATTR_TTL),
        attachment=attachment,
        actions=[
            MessageAction(item["action"], item["title"])
            for item in data.get(ATTR_ACTIONS) or []
        ],
    )
