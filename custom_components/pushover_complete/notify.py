"""Notify entities: one per recipient."""

from __future__ import annotations

from homeassistant.components.notify import (  # type: ignore[attr-defined, unused-ignore]
    NotifyEntity,
    NotifyEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry
from .entity import PushoverRecipientEntity
from .send import Message, async_send, recipient_from_subentry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a notify entity for each recipient."""
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_RECIPIENT:
            async_add_entities(
                [PushoverNotifyEntity(entry, subentry)],
                config_subentry_id=subentry.subentry_id,
            )


class PushoverNotifyEntity(PushoverRecipientEntity, NotifyEntity):
    """Send to one recipient with the recipient's defaults."""

    _attr_name = None
    _attr_translation_key = "recipient"
    _attr_supported_features = NotifyEntityFeature.TITLE

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send a message (and title) through Pushover."""
        recipient = recipient_from_subentry(self.subentry, self.entity_id)
        await async_send(
            self.hass, self.entry, [recipient], Message(message=message, title=title)
        )
