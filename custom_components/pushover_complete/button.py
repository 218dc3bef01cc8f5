"""Button of an Open Client: acknowledge the newest alarm it received that is open.

One press stops the newest emergency this device received which Pushover
still retries (one answered on a phone, canceled or expired is skipped, going
back through older ones). With none open the press is refused with
``no_open_emergency``. A dashboard acknowledges with one built-in button card.
"""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN, SUBENTRY_OPEN_CLIENT
from .data import PushoverCompleteConfigEntry
from .entity import PushoverOpenClientEntity, async_add_per_subentry
from .exceptions import pushover_errors
from .receiver import Receiver

# One press at a time: two would race to acknowledge the same alarm.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the "Acknowledge alarm" button of each Open Client (also one added later)."""
    receivers = entry.runtime_data.receivers
    async_add_per_subentry(
        hass,
        entry,
        async_add_entities,
        SUBENTRY_OPEN_CLIENT,
        lambda subentry: [
            PushoverAcknowledgeButton(
                entry, subentry, receiver=receivers.receiver(subentry)
            )
        ],
    )


class PushoverAcknowledgeButton(PushoverOpenClientEntity, ButtonEntity):
    """Acknowledge, as this device, the newest emergency it received that is open."""

    unique_key = "acknowledge"
    _attr_translation_key = "acknowledge_alarm"

    def __init__(
        self,
        entry: PushoverCompleteConfigEntry,
        subentry: ConfigSubentry,
        *,
        receiver: Receiver,
    ) -> None:
        """Act through the Open Client's receiver."""
        super().__init__(entry, subentry)
        self._receiver = receiver

    async def async_press(self) -> None:
        """Acknowledge the newest open emergency, or say that there is none."""
        async with pushover_errors(self.entry.runtime_data.guard):
            receipt = await self._receiver.async_acknowledge_newest()
        if receipt is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_open_emergency",
                translation_placeholders={"name": self.subentry.title},
            )
