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

from .action_links import ActionLinks, async_remove_action_links
from .alarms import AlarmOwner, async_remove_alarms
from .api import (
    BadAPIRequestError,
    PushoverAPI,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverValidationError,
)
from .const import DOMAIN
from .coordinator import AccountCoordinator, SoundsCoordinator
from .data import EntrySettings, PushoverCompleteConfigEntry, PushoverCompleteData
from .descriptions import async_update_sound_suggestions
from .dispatch import Dispatcher
from .entity import async_migrate_unique_ids
from .legacy import async_load_legacy_services, async_unload_legacy_services
from .outbox import Outbox, async_remove_outbox
from .pushover_client import create_client
from .receiver import Receivers, async_remove_received
from .refusals import RefusalGuard
from .send import Sender
from .services import async_setup_services
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
    await async_load_legacy_services(hass, entry)
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
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
        legacy_services=[],
        settings=_settings(entry),
    )


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
    await runtime.receivers.async_stop()
    await async_unload_legacy_services(hass, entry)
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
    """Forget a removed entry's alarms, queue, received messages and cloud webhook."""
    await async_remove_alarms(hass, entry)
    await async_remove_action_links(hass, entry.entry_id)
    await async_remove_received(hass, entry.entry_id)
    await async_remove_cloudhook(hass, entry.data["webhook_id"])
    await async_remove_outbox(hass, entry.entry_id)
