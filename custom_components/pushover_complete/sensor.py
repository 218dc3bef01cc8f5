"""Sensors: the account's quota and license credits, open emergencies, queued messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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

from .coordinator import AccountCoordinator, AccountData
from .data import PushoverCompleteConfigEntry, PushoverCompleteData, signal_updated
from .entity import PushoverApplicationEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AccountSensorDescription(SensorEntityDescription):
    """A sensor whose value comes from the account's quota or license credits."""

    value_fn: Callable[[AccountData], int | datetime | None]


@dataclass(frozen=True, kw_only=True)
class CounterSensorDescription(SensorEntityDescription):
    """A sensor counting something the integration holds."""

    value_fn: Callable[[PushoverCompleteData], int]
    attributes_fn: Callable[[PushoverCompleteData], dict[str, Any]] | None = None


# Pushover pools the monthly messages per account: every application of one
# account shows the same figures.
QUOTA_SENSORS = (
    AccountSensorDescription(
        key="message_limit",
        translation_key="message_limit",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.limits.limit,
    ),
    AccountSensorDescription(
        key="messages_remaining",
        translation_key="messages_remaining",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.limits.remaining,
    ),
    AccountSensorDescription(
        key="quota_reset",
        translation_key="quota_reset",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: dt_util.utc_from_timestamp(data.limits.reset),
    ),
)

# Only for accounts that bought license credits.
LICENSE_CREDITS_SENSOR = AccountSensorDescription(
    key="license_credits",
    translation_key="license_credits",
    state_class=SensorStateClass.MEASUREMENT,
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda data: data.license_credits,
)

COUNTER_SENSORS = (
    # A count of open alarms, not a statistic (no 5-minute means of "0.5
    # emergencies"); its unit keeps it off the quota's axis in history.
    CounterSensorDescription(
        key="active_emergencies",
        translation_key="active_emergencies",
        value_fn=lambda data: data.alarms.open_count,
        attributes_fn=lambda data: {"alarms": data.alarms.summaries()},
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
    descriptions = list(QUOTA_SENSORS)
    if coordinator.data is not None and coordinator.data.license_credits:
        descriptions.append(LICENSE_CREDITS_SENSOR)
    entities: list[SensorEntity] = [
        AccountSensor(entry, coordinator, description) for description in descriptions
    ]
    entities += [CounterSensor(entry, description) for description in COUNTER_SENSORS]
    async_add_entities(entities)


class AccountSensor(
    PushoverApplicationEntity, CoordinatorEntity[AccountCoordinator], SensorEntity
):
    """Monthly limit, messages remaining, reset time, license credits."""

    entity_description: AccountSensorDescription

    def __init__(
        self,
        entry: PushoverCompleteConfigEntry,
        coordinator: AccountCoordinator,
        description: AccountSensorDescription,
    ) -> None:
        """Follow the account coordinator."""
        PushoverApplicationEntity.__init__(self, entry, description.key)
        CoordinatorEntity.__init__(self, coordinator)
        self.entity_description = description
        self._shown: tuple[bool, int | datetime | None] | None = None

    async def async_added_to_hass(self) -> None:
        """Remember what the first state shows."""
        await super().async_added_to_hass()
        self._shown = (self.available, self.native_value)

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
    # The open alarms are for dashboards, not for the recorder.
    _unrecorded_attributes = frozenset({"alarms"})

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
        """Write the new count."""
        self.async_write_ha_state()

    @property
    def native_value(self) -> int:
        """The current count."""
        return self.entity_description.value_fn(self.entry.runtime_data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The open alarms, for the active-emergencies sensor."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.entry.runtime_data)
