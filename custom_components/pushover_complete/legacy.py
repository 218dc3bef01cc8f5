"""Legacy ``notify.<recipient>`` services, as the built-in integration offers.

Automations written for the built-in Pushover integration keep working by
changing only the service name: ``message``, ``title``, ``target`` (device
names) and ``data`` with the built-in integration's keys (and ours).
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.service import async_set_service_schema
from homeassistant.util import slugify

from .access import async_caller, require_control
from .const import DOMAIN, LOGGER, SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry
from .dispatch import async_send
from .entity import NOTIFY_KEY, recipient_unique_id
from .exceptions import invalid
from .fields import MESSAGE_FIELD_NAMES, MESSAGE_FIELDS, async_message_from_data
from .models import recipient_from_subentry

NOTIFY_DOMAIN = Platform.NOTIFY.value
DATA_SCHEMA = vol.Schema(MESSAGE_FIELDS)
LEGACY_SCHEMA = vol.Schema(
    {
        vol.Required("message"): cv.string,
        vol.Optional("title"): vol.Any(None, cv.string),
        vol.Optional("target"): vol.Any(None, vol.All(cv.ensure_list, [cv.string])),
        vol.Optional("data"): vol.Any(None, dict),
    }
)

DESCRIPTION_FIELDS = {
    "message": {
        "required": True,
        "example": "The garage door is open",
        "selector": {"text": {"multiline": True}},
    },
    "title": {"example": "Garage", "selector": {"text": None}},
    "target": {"example": "phone", "selector": {"object": None}},
    "data": {
        "example": '{"priority": 1, "sound": "siren"}',
        "selector": {"object": None},
    },
}


def _service_name(hass: HomeAssistant, title: str, taken: set[str]) -> str:
    """Return ``slug(title)``, or ``pushover_complete_<slug>`` when that is taken."""
    slug = slugify(title) or DOMAIN
    if slug not in taken and not hass.services.has_service(NOTIFY_DOMAIN, slug):
        return slug
    return slugify(f"{DOMAIN}_{slug}")


def _legacy_data(raw: Any) -> dict[str, Any]:
    """Validate the ``data`` of a legacy call, refusing keys we do not know."""
    data = dict(raw or {})
    if unknown := sorted(str(key) for key in data if key not in MESSAGE_FIELD_NAMES):
        raise invalid("unknown_data_keys", keys=", ".join(unknown))
    try:
        return dict(DATA_SCHEMA(data))
    except vol.Invalid as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_data",
            translation_placeholders={"error": str(err)},
        ) from err


async def async_load_legacy_services(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Register ``notify.<slug>`` for each recipient of ``entry``."""
    taken: set[str] = set()
    for subentry in entry.subentries.values():
        if subentry.subentry_type != SUBENTRY_RECIPIENT:
            continue
        name = _service_name(hass, subentry.title, taken)
        if name != slugify(subentry.title):
            LOGGER.warning(
                "The action notify.%s is already taken; "
                "this recipient's legacy action is notify.%s",
                slugify(subentry.title),
                name,
            )
        taken.add(name)
        subentry_id = subentry.subentry_id

        async def _handle(call: ServiceCall, subentry_id: str = subentry_id) -> None:
            current = entry.subentries[subentry_id]
            notify_entity_id = er.async_get(hass).async_get_entity_id(
                NOTIFY_DOMAIN,
                DOMAIN,
                recipient_unique_id(entry.entry_id, subentry_id, NOTIFY_KEY),
            )
            if notify_entity_id is not None:  # as notify.send_message on the entity
                user = await async_caller(hass, call)
                require_control(user, call, notify_entity_id)
            data = _legacy_data(call.data.get("data"))
            if target := call.data.get("target"):
                data["device"] = target
            if call.data.get("title"):
                data["title"] = call.data["title"]
            msg = await async_message_from_data(hass, call.data["message"], data)
            recipient = recipient_from_subentry(current, notify_entity_id)
            await async_send(hass, entry, [recipient], msg)

        hass.services.async_register(
            NOTIFY_DOMAIN,
            name,
            _handle,
            schema=LEGACY_SCHEMA,  # type: ignore[arg-type, unused-ignore]  # probatio
        )
        async_set_service_schema(
            hass,
            NOTIFY_DOMAIN,
            name,
            {
                "name": f"Send a Pushover notification to {subentry.title}",
                "description": (
                    "Sends a notification through Pushover Complete; accepts the "
                    "built-in Pushover integration's data keys."
                ),
                "fields": DESCRIPTION_FIELDS,
            },
        )
        entry.runtime_data.legacy_services.append(name)


async def async_unload_legacy_services(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Remove this entry's legacy services only."""
    runtime: Any = getattr(entry, "runtime_data", None)
    for name in getattr(runtime, "legacy_services", []):
        hass.services.async_remove(NOTIFY_DOMAIN, name)
