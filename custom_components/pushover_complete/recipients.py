"""The configured recipients: a recipient subentry as a Recipient, and look-ups by key."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .const import (
    CONF_ENCRYPTION_KEY,
    CONF_PRIORITY,
    CONF_RECIPIENT_DEVICES,
    CONF_SOUND,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from .entity import NOTIFY_KEY, recipient_unique_id
from .models import Recipient


def recipient_from_subentry(
    subentry: ConfigSubentry, notify_entity_id: str | None = None
) -> Recipient:
    """Build a recipient from its subentry."""
    data = subentry.data
    priority = data.get(CONF_PRIORITY)
    return Recipient(
        user_key=data[CONF_USER_KEY],
        name=subentry.title,
        recipient_devices=tuple(data.get(CONF_RECIPIENT_DEVICES) or ()),
        sound=data.get(CONF_SOUND) or None,
        priority=int(priority) if priority is not None else None,
        encryption_key=data.get(CONF_ENCRYPTION_KEY) or None,
        notify_entity_id=notify_entity_id,
        subentry_id=subentry.subentry_id,
    )


def recipient_subentries(
    subentries: Iterable[ConfigSubentry], user_key: str
) -> list[ConfigSubentry]:
    """Return the recipients configured with ``user_key``."""
    return [
        subentry
        for subentry in subentries
        if subentry.subentry_type == SUBENTRY_RECIPIENT
        and subentry.data.get(CONF_USER_KEY) == user_key
    ]


def notify_entity_of(
    hass: HomeAssistant, entry: ConfigEntry, subentry_id: str | None
) -> str | None:
    """Return a recipient's notify entity (its id may have been renamed)."""
    if subentry_id is None:
        return None
    return er.async_get(hass).async_get_entity_id(
        "notify",
        DOMAIN,
        recipient_unique_id(entry.entry_id, subentry_id, NOTIFY_KEY),
    )
