"""Legacy ``notify.<recipient>`` services, as the built-in integration offers.

Automations written for the built-in Pushover integration keep working by
changing only the service name: ``message``, ``title``, ``target`` (device
names) and ``data`` with the built-in integration's keys (and ours). The
names are given once and kept (see :mod:`.legacy_names`); the action's form is
worded by the translations (``services.legacy_notify``).
"""

from __future__ import annotations

from typing import Any, Final

import voluptuous as vol

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.service import async_set_service_schema

from .access import async_caller, require_admin, require_control
from .compat import as_schema
from .const import DOMAIN, SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry
from .descriptions import async_service_strings, describe
from .dispatch import async_send
from .entity import NOTIFY_KEY, recipient_unique_id
from .exceptions import invalid
from .fields import MESSAGE_FIELD_NAMES, MESSAGE_FIELDS, async_message_for
from .legacy_names import NOTIFY_DOMAIN, async_legacy_names
from .recipients import recipient_from_subentry

# The translations' name for the legacy action (services.legacy_notify).
LEGACY_SERVICE: Final = "legacy_notify"
DATA_SCHEMA = vol.Schema(MESSAGE_FIELDS)
LEGACY_SCHEMA = vol.Schema(
    {
        vol.Required("message"): cv.string,
        vol.Optional("title"): vol.Any(None, cv.string),
        vol.Optional("target"): vol.Any(None, vol.All(cv.ensure_list, [cv.string])),
        vol.Optional("data"): vol.Any(None, dict),
    }
)

DESCRIPTION_FIELDS: Final[dict[str, dict[str, Any]]] = {
    "message": {
        "required": True,
        "example": "The garage door is open",
        "selector": {"text": {"multiline": True}},
    },
    "title": {"example": "Garage", "selector": {"text": None}},
    "target": {"example": "phone", "selector": {"text": {"multiple": True}}},
    "data": {
        "example": '{"priority": 1, "sound": "siren"}',
        "selector": {"object": None},
    },
}


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


async def _async_send_legacy(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    subentry_id: str,
    call: ServiceCall,
) -> None:
    """Send one legacy call to the recipient ``subentry_id``."""
    notify_entity_id = er.async_get(hass).async_get_entity_id(
        NOTIFY_DOMAIN,
        DOMAIN,
        recipient_unique_id(entry.entry_id, subentry_id, NOTIFY_KEY),
    )
    user = await async_caller(hass, call)
    if notify_entity_id is not None:  # as notify.send_message on the entity
        require_control(user, call, notify_entity_id)
    else:  # no entity to hold a permission: administrators only
        require_admin(user, call)
    data = _legacy_data(call.data.get("data"))
    if target := call.data.get("target"):
        data["device"] = target
    if call.data.get("title"):
        data["title"] = call.data["title"]
    msg = await async_message_for(call, user, call.data["message"], data)
    recipient = recipient_from_subentry(entry.subentries[subentry_id], notify_entity_id)
    await async_send(hass, entry, [recipient], msg)


class LegacyActions:
    """The ``notify.<name>`` actions of one entry's recipients."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Register nothing until :meth:`async_load`."""
        self.hass = hass
        self.entry = entry
        self.names: list[str] = []

    async def async_load(self) -> None:
        """Register an action for each recipient of the entry."""
        names = await async_legacy_names(self.hass)
        names.async_forget_gone(self.entry)
        for subentry in self.entry.subentries.values():
            await self._async_register(subentry, save=False)
        await names.async_save()

    async def async_add(self, subentry: ConfigSubentry) -> None:
        """Register the action of a recipient added while the entry runs."""
        await self._async_register(subentry, save=True)

    async def _async_register(self, subentry: ConfigSubentry, *, save: bool) -> None:
        if subentry.subentry_type != SUBENTRY_RECIPIENT:
            return
        hass, entry = self.hass, self.entry
        names = await async_legacy_names(hass)
        name = names.async_name(entry, subentry.subentry_id)

        async def _handle(
            call: ServiceCall, subentry_id: str = subentry.subentry_id
        ) -> None:
            await _async_send_legacy(hass, entry, subentry_id, call)

        hass.services.async_register(
            NOTIFY_DOMAIN,
            name,
            _handle,
            schema=as_schema(LEGACY_SCHEMA),
        )
        strings = await async_service_strings(hass, LEGACY_SERVICE)
        description = describe(
            {"fields": DESCRIPTION_FIELDS}, strings, recipient=subentry.title
        )
        async_set_service_schema(hass, NOTIFY_DOMAIN, name, description)
        self.names.append(name)
        if save:
            await names.async_save()

    @callback
    def async_unload(self) -> None:
        """Remove this entry's actions only."""
        for name in self.names:
            self.hass.services.async_remove(NOTIFY_DOMAIN, name)
        self.names.clear()
