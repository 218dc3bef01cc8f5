"""Sensors: message quota, open emergencies, queued messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import Limits
from .coordinator import LimitsCoordinator
from .data import PushoverCompleteConfigEntry, PushoverCompleteData, signal_updated
from .entity import PushoverApplicationEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class QuotaSensorDescription(SensorEntityDescription):
    """A sensor whose value comes from the quota."""

    value_fn: Callable[[Limits], int | datetime]


@dataclass(frozen=True, kw_only=True)
class CounterSensorDescription(SensorEntityDescription):
    """A sensor counting something the integration holds."""

    value_fn: Callable[[PushoverCompleteData], int]


QUOTA_SENSORS = (
    QuotaSensorDescription(
        key="message_limit",
        translation_key="message_limit",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda limits: limits.limit,
    ),
    QuotaSensorDescription(
        key="messages_remaining",
        translation_key="messages_remaining",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda limits: limits.remaining,
    ),
    QuotaSensorDescription(
        key="quota_reset",
        translation_key="quota_reset",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda limits: dt_util.utc_from_timestamp(limits.reset),
    ),
)

COUNTER_SENSORS = (
    CounterSensorDescription(
        key="active_emergencies",
        translation_key="active_emergencies",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.receipts.count,
    ),
    CounterSensorDescription(
        key="queued_messages",
        translation_key="queued_messages",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.outbox.queued_messages,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the application's sensors."""
    coordinator = entry.runtime_data.coordinator
    entities: list[SensorEntity] = [
        QuotaSensor(entry, coordinator, description) for description in QUOTA_SENSORS
    ]
    entities += [CounterSensor(entry, description) for description in COUNTER_SENSORS]
    if coordinator.credits:
        entities.append(LicenseCreditsSensor(entry, coordinator, "license_credits"))
    async_add_entities(entities)


class QuotaSensor(
    PushoverApplicationEntity, CoordinatorEntity[LimitsCoordinator], SensorEntity
):
    """Monthly limit, messages remaining, reset time."""

    entity_description: QuotaSensorDescription

    def __init__(
        self,
        entry: PushoverCompleteConfigEntry,
        coordinator: LimitsCoordinator,
        description: QuotaSensorDescription,
    ) -> None:
        """Follow the quota coordinator."""
        PushoverApplicationEntity.__init__(self, entry, description.key)
        CoordinatorEntity.__init__(self, coordinator)
        self.entity_description = description
        self._shown: tuple[bool, int | datetime | None] | None = None

    @property
    def available(self) -> bool:
        """Unavailable, not wrong, while the quota is unknown."""
        return super().available and self.coordinator.data is not None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when this sensor's value or availability moved.

        Every send brings new quota headers; usually only "remaining" changes.
        """
        shown = (self.available, self.native_value)
        if shown != self._shown:
            self._shown = shown
            self.async_write_ha_state()

    @property
    def native_value(self) -> int | datetime | None:
        """The value from the last known quota."""
        if self.coordinator.data is None:
            return None
        return self.entity_description.value_fn(self.coordinator.data)


class CounterSensor(PushoverApplicationEntity, SensorEntity):
    """Open emergencies or queued messages."""

    entity_description: CounterSensorDescription
    _attr_should_poll = False

    def __init__(
        self, entry: PushoverCompleteConfigEntry, description: CounterSensorDescription
    ) -> None:
        """Count from the entry's runtime data."""
        super().__init__(entry, description.key)
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Update when the tracker or the outbox changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, signal_updated(self.entry.entry_id), self._async_update
            )
        )

    @callback
    def _async_update(self) -> None:
        self.async_write_ha_state()

    @property
    def native_value(self) -> int:
        """The current count."""
        return self.entity_description.value_fn(self.entry.runtime_data)


class LicenseCreditsSensor(
    PushoverApplicationEntity, CoordinatorEntity[LimitsCoordinator], SensorEntity
):
    """Licence credits left (only for accounts that bought some)."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(
        self,
        entry: PushoverCompleteConfigEntry,
        coordinator: LimitsCoordinator,
        key: str,
    ) -> None:
        """Follow the quota coordinator, which also reads the credits."""
        PushoverApplicationEntity.__init__(self, entry, key)
        CoordinatorEntity.__init__(self, coordinator)

    @property
    def native_value(self) -> int | None:
        """Credits left."""
        return self.coordinator.credits
