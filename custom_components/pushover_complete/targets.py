"""Whom an action sends to: notify entities found in the registry, or a user key."""

from __future__ import annotations

from typing import cast

from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import (
    config_validation as cv,
    entity_registry as er,
)

from .access import require_admin, require_control
from .compat import async_extract_entity_ids
from .const import CONF_CONFIG_ENTRY_ID, CONF_USER_KEY, DOMAIN
from .data import PushoverCompleteConfigEntry
from .exceptions import invalid
from .models import Recipient
from .recipients import recipient_from_subentry, recipient_subentries

NOTIFY_PREFIX = "notify."
_TARGETS = tuple(str(key) for key in cv.ENTITY_SERVICE_FIELDS)


def async_get_entry(hass: HomeAssistant, entry_id: str) -> PushoverCompleteConfigEntry:
    """Return a loaded entry of this integration, or raise a translated error."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise invalid("entry_not_found", entry_id=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", name=entry.title)
    return cast(PushoverCompleteConfigEntry, entry)


def _named(call: ServiceCall) -> set[str]:
    """Return the entity ids a call names directly (not through an area...)."""
    return set(cv.ensure_list(call.data.get(ATTR_ENTITY_ID)))


async def _async_entity_ids(hass: HomeAssistant, call: ServiceCall) -> set[str]:
    """Return the entity ids a call targets: named, or in its areas, devices, labels."""
    named = call.data.get(ATTR_ENTITY_ID)
    if (
        isinstance(named, list)
        and all(key == ATTR_ENTITY_ID or not call.data.get(key) for key in _TARGETS)
        and all(entity_id.startswith(NOTIFY_PREFIX) for entity_id in named)
    ):
        # Notify entities named directly: nothing to expand (the common case).
        return set(named)
    return await async_extract_entity_ids(hass, call)


def _is_ours(hass: HomeAssistant, entity_id: str) -> bool:
    """Tell whether ``entity_id`` is a notify entity of this integration."""
    reg = er.async_get(hass).async_get(entity_id)
    return reg is not None and reg.platform == DOMAIN and reg.domain == "notify"


async def _async_target_entities(hass: HomeAssistant, call: ServiceCall) -> list[str]:
    """Return our notify entities among the call's targets.

    An area, device or label may hold other entities too (a light, a
    sensor): they are left out, as ``notify.send_message`` does. An entity
    named directly must be ours.
    """
    found = await _async_entity_ids(hass, call)
    named = _named(call) & found
    ours = sorted(
        entity_id
        for entity_id in found
        if entity_id in named or _is_ours(hass, entity_id)
    )
    if not ours:
        raise invalid("no_notify_entities")
    return ours


def entity_recipient(
    hass: HomeAssistant, entity_id: str
) -> tuple[PushoverCompleteConfigEntry, Recipient]:
    """Return the entry and recipient behind one of our notify entities."""
    reg = er.async_get(hass).async_get(entity_id)
    if (
        reg is None
        or reg.platform != DOMAIN
        or reg.domain != "notify"
        or reg.config_entry_id is None
    ):
        raise invalid("invalid_target", entity_id=entity_id)
    entry = async_get_entry(hass, reg.config_entry_id)
    subentry = entry.subentries.get(reg.config_subentry_id or "")
    if subentry is None:
        raise invalid("invalid_target", entity_id=entity_id)
    return entry, recipient_from_subentry(subentry, entity_id)


def key_recipient(entry: PushoverCompleteConfigEntry, user_key: str) -> Recipient:
    """Return the configured recipient with ``user_key``, else a bare one."""
    if matches := recipient_subentries(entry.subentries.values(), user_key):
        return recipient_from_subentry(matches[0])
    return Recipient(user_key=user_key)


async def async_targets(
    hass: HomeAssistant, call: ServiceCall, user: User | None
) -> dict[str, list[Recipient]]:
    """Return the recipients per entry id, from targets or entry + user key.

    A person needs control of every targeted entity, and an administrator's
    rights to name a raw user key.
    """
    targets: dict[str, list[Recipient]] = {}
    if any(call.data.get(str(key)) for key in cv.ENTITY_SERVICE_FIELDS):
        for entity_id in await _async_target_entities(hass, call):
            entry, recipient = entity_recipient(hass, entity_id)
            require_control(user, call, entity_id)
            targets.setdefault(entry.entry_id, []).append(recipient)
    if entry_id := call.data.get(CONF_CONFIG_ENTRY_ID):
        entry = async_get_entry(hass, entry_id)
        if not (user_key := (call.data.get(CONF_USER_KEY) or "").strip()):
            raise invalid("no_recipients")
        require_admin(user, call)
        targets.setdefault(entry.entry_id, []).append(key_recipient(entry, user_key))
    if not targets:
        raise invalid("no_recipients")
    return targets
