"""Pushover Complete: all of Pushover in Home Assistant."""

from __future__ import annotations

from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .alarms import AlarmManager, async_remove_alarms
from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverValidationError,
)
from .const import DOMAIN
from .coordinator import AccountCoordinator, SoundsCoordinator
from .data import EntrySettings, PushoverCompleteConfigEntry, PushoverCompleteData
from .descriptions import async_update_sound_suggestions
from .emergency import ReceiptTracker, async_remove_cloudhook, async_remove_receipts
from .entity import async_migrate_unique_ids
from .helpers import create_client
from .legacy import async_load_legacy_services, async_unload_legacy_services
from .outbox import Outbox, async_remove_outbox
from .receiver import (
    async_remove_received,
    async_setup_receivers,
    async_start_receivers,
    async_stop_receivers,
)
from .services import async_setup_services

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NOTIFY,
    Platform.SENSOR,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once for every entry."""
    async_setup_services(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> bool:
    """Check the token, then start sending, tracking and listening."""
    client = create_client(hass, entry.data[CONF_API_KEY])
    try:
        sounds = await client.get_sounds()
    except (PushoverAuthError, PushoverValidationError) as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_token"
        ) from err
    except PushoverConnectionError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err
    except BadAPIRequestError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="pushover_error",
            translation_placeholders={"error": str(err)},
        ) from err

    coordinator = AccountCoordinator(hass, entry, client)
    sounds_coordinator = SoundsCoordinator(hass, entry, client, sounds)
    receipts = ReceiptTracker(hass, entry, client)
    outbox = Outbox(hass, entry)
    alarms = AlarmManager(hass, entry)
    entry.runtime_data = PushoverCompleteData(
        client=client,
        coordinator=coordinator,
        sounds_coordinator=sounds_coordinator,
        receipts=receipts,
        outbox=outbox,
        alarms=alarms,
        settings=_settings(entry),
    )
    await coordinator.async_refresh()
    entry.async_on_unload(coordinator.async_stop)
    await receipts.async_load()
    receipts.async_start()
    await receipts.async_setup_cloudhook()
    entry.async_on_unload(receipts.async_stop)
    await outbox.async_load()
    entry.async_on_unload(outbox.async_stop)
    await alarms.async_load()
    entry.async_on_unload(alarms.async_stop)
    await async_setup_receivers(hass, entry)

    async_migrate_unique_ids(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_start_receivers(entry)
    await async_load_legacy_services(hass, entry)
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))

    entry.async_on_unload(sounds_coordinator.async_start())
    await async_update_sound_suggestions(hass, entry)
    return True


def _settings(entry: PushoverCompleteConfigEntry) -> EntrySettings:
    """What a reload must follow: options and recipients."""
    return EntrySettings(
        options=tuple(sorted(entry.options.items())),
        recipients=tuple(
            (sid, sub.title, tuple(sorted(sub.data.items())))
            for sid, sub in sorted(entry.subentries.items())
        ),
    )


async def _async_update_listener(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Options or recipients changed: reload (flows reload data changes)."""
    if _settings(entry) != entry.runtime_data.settings:
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> bool:
    """Stop everything this entry started, also what is running now."""
    runtime = entry.runtime_data
    await async_stop_receivers(entry)
    await async_unload_legacy_services(hass, entry)
    await runtime.alarms.async_stop()
    await runtime.receipts.async_stop()
    await runtime.receipts.async_flush()
    await runtime.outbox.async_stop()
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        hass.async_create_task(async_update_sound_suggestions(hass), eager_start=False)
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Forget a removed entry's receipts, queue and cloud webhook."""
    await async_remove_receipts(hass, entry.entry_id)
    await async_remove_alarms(hass, entry.entry_id)
    await async_remove_received(hass, entry.entry_id)
    await async_remove_cloudhook(hass, entry.data["webhook_id"])
    await async_remove_outbox(hass, entry.entry_id)
