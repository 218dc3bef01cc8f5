"""Notify entities: one per recipient."""

from __future__ import annotations

from homeassistant.components.notify import (  # type: ignore[attr-defined, unused-ignore]  # NotifyEntity is not in notify's __all__ on 2025.4
    NotifyEntity,
    NotifyEntityFeature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry, signal_sent
from .dispatch import async_send
from .entity import NOTIFY_KEY, PushoverRecipientEntity
from .models import Message, recipient_from_subentry

PARALLEL_UPDATES = 0

# Home Assistant 2026 records a send with this method; 2025.4 has none.
_RECORDS_ITSELF = hasattr(NotifyEntity, "_async_record_notification")


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

    unique_key = NOTIFY_KEY
    _attr_name = None
    _attr_translation_key = "recipient"
    _attr_supported_features = NotifyEntityFeature.TITLE

    async def async_added_to_hass(self) -> None:
        """Record the sends of the integration's other sending paths too."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_sent(self.entity_id), self.async_record_sent
            )
        )

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send a message (and title) through Pushover."""
        recipient = recipient_from_subentry(self.subentry, self.entity_id)
        await async_send(
            self.hass,
            self.entry,
            [recipient],
            Message(message=message, title=title),
            record_sent=False,
        )

    @callback
    def async_record_sent(self) -> None:
        """Set the state to now: a message went out another way."""
        if _RECORDS_ITSELF:
            getattr(self, "_async_record_notification")()  # noqa: B009  # 2026 only
            return
        # 2025.4 keeps the time in a private attribute set by notify.send_message.
        self.__dict__.pop("state", None)
        self._NotifyEntity__last_notified_isoformat = dt_util.utcnow().isoformat()
        self.async_write_ha_state()
