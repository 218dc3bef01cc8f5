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

from .action_links import ActionLinks
from .alarms import AlarmOwner
from .api import (
    BadAPIRequestError,
    PushoverAPI,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverValidationError,
)
from .compat import OPTIONS_FLOW_RELOADS
from .const import DOMAIN
from .coordinator import AccountCoordinator, SoundsCoordinator
from .data import PushoverCompleteConfigEntry, PushoverCompleteData
from .descriptions import async_update_sound_suggestions
from .dispatch import Dispatcher
from .entity import async_migrate_unique_ids
from .legacy import LegacyActions
from .outbox import Outbox
from .pushover_client import create_client
from .receiver import Receivers
from .refusals import RefusalGuard
from .send import Sender
from .services import async_setup_services
from .storage import async_remove_entry_data
from .subentries import async_follow_subentries
from .webhook import EntryWebhook, async_remove_cloudhook

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

    entry.runtime_data = _runtime_data(hass, entry, client, sounds)
    runtime = entry.runtime_data
    await runtime.coordinator.async_refresh()
    entry.async_on_unload(runtime.coordinator.async_stop)
    await runtime.webhook.async_setup()
    await runtime.links.async_load()
    await runtime.outbox.async_load()
    await runtime.alarms.async_load()
    await runtime.receivers.async_load()
    async_migrate_unique_ids(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    runtime.webhook.async_start(runtime.alarms.poller)
    runtime.outbox.async_start()
    runtime.alarms.async_start()
    runtime.receivers.async_start()
    await runtime.legacy.async_load()
    entry.async_on_unload(async_follow_subentries(hass, entry))
    if not OPTIONS_FLOW_RELOADS:  # 2025.4
        entry.async_on_unload(entry.add_update_listener(_async_options_changed))
    entry.async_on_unload(runtime.sounds_coordinator.async_start())
    await async_update_sound_suggestions(hass, entry)
    return True


def _runtime_data(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    client: PushoverAPI,
    sounds: dict[str, str],
) -> PushoverCompleteData:
    """Build the entry's parts, each handed what it needs."""
    guard = RefusalGuard(hass, entry)
    coordinator = AccountCoordinator(hass, entry, client)
    sounds_coordinator = SoundsCoordinator(hass, entry, client, sounds)
    links = ActionLinks(hass, entry.entry_id)
    webhook = EntryWebhook(hass, entry, links)
    sender = Sender(
        entry,
        client,
        guard=guard,
        coordinator=coordinator,
        sounds=lambda: sounds_coordinator.data,
        webhook_url=webhook.url,
        links=links,
    )
    outbox = Outbox(hass, entry, deliver=sender.async_deliver, guard=guard)
    alarms = AlarmOwner(
        hass,
        entry,
        client=client,
        sender=sender,
        outbox=outbox,
        guard=guard,
        links=links,
    )
    return PushoverCompleteData(
        client=client,
        coordinator=coordinator,
        sounds_coordinator=sounds_coordinator,
        guard=guard,
        outbox=outbox,
        alarms=alarms,
        dispatcher=Dispatcher(hass, sender=sender, outbox=outbox, alarms=alarms),
        webhook=webhook,
        links=links,
        receivers=Receivers(hass, entry, client),
        legacy=LegacyActions(hass, entry),
        options=dict(entry.options),
    )


async def _async_options_changed(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """New options: reload (Home Assistant 2025.4; later ones do it themselves)."""
    if dict(entry.options) != entry.runtime_data.options:
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> bool:
    """Stop everything this entry started, also what is running now."""
    runtime = entry.runtime_data
    await runtime.receivers.async_stop()
    runtime.legacy.async_unload()
    runtime.webhook.async_stop()
    await runtime.outbox.async_stop()
    await runtime.alarms.async_stop()
    await runtime.outbox.async_save()
    await runtime.links.async_save()
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        hass.async_create_task(async_update_sound_suggestions(hass), eager_start=False)
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Forget a removed entry's stored data and its cloud webhook."""
    await async_remove_entry_data(hass, entry.entry_id)
    await async_remove_cloudhook(hass, entry.data["webhook_id"])
