"""Diagnostics with every secret redacted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from .api import PushoverAPI, PushoverCompleteError
from .const import CONF_ENCRYPTION_KEY, CONF_USER_KEY
from .data import PushoverCompleteConfigEntry

TO_REDACT = {CONF_API_KEY, CONF_USER_KEY, CONF_ENCRYPTION_KEY, "webhook_id", "token"}


async def _async_group(
    client: PushoverAPI, data: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A group recipient's current members (read now, so never stale)."""
    try:
        info = await client.group_info(data[CONF_USER_KEY])
    except PushoverCompleteError:
        return None
    return {
        "name": info.get("name"),
        "members": [
            {
                "user": REDACTED,
                "device": member.get("device"),
                "memo": member.get("memo"),
                "disabled": bool(member.get("disabled")),
            }
            for member in info.get("users", [])
        ],
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> dict[str, Any]:
    """What helps a bug report, nothing that lets anyone in."""
    runtime = entry.runtime_data
    limits = runtime.coordinator.data
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
                "group": await _async_group(runtime.client, subentry.data),
            }
            for subentry in entry.subentries.values()
        ],
        "sounds": sorted(runtime.sounds),
        "limits": None
        if limits is None
        else {
            "limit": limits.limit,
            "remaining": limits.remaining,
            "reset": limits.reset,
        },
        "open_receipts": runtime.receipts.count,
        "callback_url_available": runtime.receipts.callback_url() is not None,
        "queued_messages": runtime.outbox.queued_messages,
    }
