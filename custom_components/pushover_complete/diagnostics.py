"""Diagnostics with every secret and personal note left out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from .api import PushoverAPI, PushoverCompleteError
from .const import CONF_ENCRYPTION_KEY, CONF_USER_KEY, SUBENTRY_RECIPIENT
from .coordinator import AccountCoordinator, SoundsCoordinator
from .data import PushoverCompleteConfigEntry

TO_REDACT = {
    CONF_API_KEY,
    CONF_USER_KEY,
    CONF_ENCRYPTION_KEY,
    "webhook_id",
    "token",
    # An Open Client's credential and account (device subentries).
    "secret",
    "email",
}


async def _async_group(
    client: PushoverAPI, data: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Read a group recipient's members now (never stale), without keys or memos."""
    try:
        info = await client.group_info(data[CONF_USER_KEY])
    except PushoverCompleteError:
        return None
    return {
        "name": info.get("name"),
        "members": [
            {
                "device": member.get("device"),
                "disabled": bool(member.get("disabled")),
            }
            for member in info.get("users", [])
        ],
    }


def _account(coordinator: AccountCoordinator) -> dict[str, Any]:
    """Describe the account's quota and license credits as last known."""
    data = coordinator.data
    return {
        "last_update_success": coordinator.last_update_success,
        "limit": None if data is None else data.limits.limit,
        "remaining": None if data is None else data.limits.remaining,
        "reset": None if data is None else data.limits.reset,
        "license_credits": None if data is None else data.license_credits,
    }


def _sounds(coordinator: SoundsCoordinator) -> dict[str, Any]:
    """Describe the known sounds and whether the last refresh worked."""
    return {
        "last_update_success": coordinator.last_update_success,
        "ids": sorted(coordinator.data),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> dict[str, Any]:
    """Return what helps a bug report, nothing that lets anyone in."""
    runtime = entry.runtime_data
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "recipients": [
            {
                "title": subentry.title,
                "type": subentry.subentry_type,
                "data": async_redact_data(dict(subentry.data), TO_REDACT),
                "group": await _async_group(runtime.client, subentry.data)
                if subentry.subentry_type == SUBENTRY_RECIPIENT
                else None,
            }
            for subentry in entry.subentries.values()
        ],
        "sounds": _sounds(runtime.sounds_coordinator),
        "account": _account(runtime.coordinator),
        "open_emergencies": runtime.alarms.open_count,
        "callback_url_available": runtime.webhook.url() is not None,
        "queued_messages": runtime.outbox.queued_messages,
    }
