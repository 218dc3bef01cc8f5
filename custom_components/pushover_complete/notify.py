"""Notify entities: one per recipient."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .compat import NotifyEntity, NotifyEntityFeature, set_last_notified
from .const import SUBENTRY_RECIPIENT
from .data import PushoverCompleteConfigEntry, signal_sent
from .dispatch import async_send
from .entity import NOTIFY_KEY, PushoverRecipientEntity, async_add_per_subentry
from .models import Message
from .recipients import recipient_from_subentry

PARALLEL_UPDATES = 0

# A burst of sends through the other paths makes one state write.
WRITE_DELAY = 1.0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a notify entity for each recipient (also one added later)."""
    async_add_per_subentry(
        hass,
        entry,
        async_add_entities,
        SUBENTRY_RECIPIENT,
        lambda subentry: [PushoverNotifyEntity(entry, subentry)],
    )


class PushoverNotifyEntity(PushoverRecipientEntity, NotifyEntity):
    """Send to one recipient with the recipient's defaults."""

    unique_key = NOTIFY_KEY
    _attr_name = None
    _attr_translation_key = "recipient"
    _attr_supported_features = NotifyEntityFeature.TITLE

    _unsub_write: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Record the sends of the integration's other sending paths too."""
        await super().async_added_to_hass()
        self._write_job = HassJob(self._async_write_recorded, cancel_on_shutdown=True)
        self.async_on_remove(self._async_cancel_write)
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_sent(self.entity_id), self.async_record_sent
            )
        )

    @callback
    def _async_cancel_write(self) -> None:
        if self._unsub_write is not None:
            self._unsub_write()
            self._unsub_write = None

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
        """Set the state to now: a message went out another way.

        The time is the send's; the state is written once per burst (within a
        second), so a hundred sends at once make one state change.
        """
        set_last_notified(self, dt_util.utcnow().isoformat())
        if self._unsub_write is None:
            self._unsub_write = async_call_later(
                self.hass, WRITE_DELAY, self._write_job
            )

    @callback
    def _async_write_recorded(self, _now: datetime) -> None:
        self._unsub_write = None
        self.async_write_ha_state()
