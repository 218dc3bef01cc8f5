"""Logbook: what happened, in words, on the entity it happened to.

Activity shows a line as the entity's name followed by its message, so each
message names its own subject: "“Leak” acknowledged by Alice on iphone",
"“Leak” resolved by Dana", "Bob chose “Silence the siren” in “Leak”",
"“Doorbell” from Monitoring". A message without a title is named by the
start of its text. The words come from the translations, in Home
Assistant's language; keys, receipts and tokens never appear.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN, EVENT_MESSAGE_RECEIVED, SUBENTRY_OPEN_CLIENT
from .entity import async_emergency_event_id, recipient_unique_id
from .events import ACKNOWLEDGED, ACTION, EXPIRED, RESOLVED, bus_event
from .open_client_event import RECEIVED
from .text import ELLIPSIS

# How much of a message's text names it when it has no title.
SUBJECT_LENGTH: Final = 40

type Describer = Callable[[Event], dict[str, str | None]]


class _Words:
    """The logbook's sentences in Home Assistant's language."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass

    def __call__(self, key: str, **placeholders: Any) -> str:
        strings = async_get_cached_translations(
            self.hass, self.hass.config.language, "exceptions", DOMAIN
        )
        text = strings.get(f"component.{DOMAIN}.exceptions.logbook_{key}.message", key)
        return text.format(**{k: str(v) for k, v in placeholders.items()})


def _emergency_entity(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
    """Return the emergency event entity of the entry an event came from."""
    if not (entry_id := data.get("config_entry_id")):
        return None
    return async_emergency_event_id(hass, str(entry_id))


def _received_entity(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
    """Return the event entity of the device that received a message."""
    entry = hass.config_entries.async_get_entry(str(data.get("config_entry_id")))
    if entry is None:
        return None
    subentry_id = next(
        (
            sid
            for sid, sub in entry.subentries.items()
            if sub.subentry_type == SUBENTRY_OPEN_CLIENT
            and sub.data.get(CONF_NAME) == data.get("device_name")
        ),
        None,
    )
    if subentry_id is None:
        return None
    unique_id = recipient_unique_id(entry.entry_id, subentry_id, RECEIVED)
    return er.async_get(hass).async_get_entity_id("event", DOMAIN, unique_id)


def _subject(data: Mapping[str, Any]) -> str:
    """Return what names a message: its title, else the start of its text."""
    if title := data.get("title"):
        return str(title)
    text = " ".join(str(data.get("message") or "").split())
    if len(text) <= SUBJECT_LENGTH:
        return text
    return text[: SUBJECT_LENGTH - 1].rstrip() + ELLIPSIS


def _acknowledged(words: _Words, data: Mapping[str, Any]) -> str:
    name, device = data.get("acknowledged_by_name"), data.get("acknowledged_by_device")
    title = _subject(data)
    if name and device:
        return words("acknowledged", title=title, name=name, device=device)
    if name or device:
        return words("acknowledged_by", title=title, name=name or device)
    return words("acknowledged_anonymous", title=title)


def _expired(words: _Words, data: Mapping[str, Any]) -> str:
    return words("expired", title=_subject(data))


def _resolved(words: _Words, data: Mapping[str, Any]) -> str:
    if who := data.get("resolved_by"):
        return words("resolved_by", title=_subject(data), name=who)
    return words("resolved", title=_subject(data))


def _action(words: _Words, data: Mapping[str, Any]) -> str:
    who = data.get("recipient") or words("someone")
    if title := data.get("title"):
        return words("action", name=who, action=data.get("action_title"), title=title)
    return words("action_untitled", name=who, action=data.get("action_title"))


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Describer], None],
) -> None:
    """Describe the integration's events for the logbook."""
    words = _Words(hass)

    def _alarm(message: Callable[[_Words, Mapping[str, Any]], str]) -> Describer:
        @callback
        def _describe(event: Event) -> dict[str, str | None]:
            return {
                LOGBOOK_ENTRY_NAME: event.data.get("title") or words("emergency"),
                LOGBOOK_ENTRY_MESSAGE: message(words, event.data),
                LOGBOOK_ENTRY_ENTITY_ID: _emergency_entity(hass, event.data),
            }

        return _describe

    @callback
    def _describe_action(event: Event) -> dict[str, str | None]:
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("recipient") or words("someone"),
            LOGBOOK_ENTRY_MESSAGE: _action(words, event.data),
            LOGBOOK_ENTRY_ENTITY_ID: _emergency_entity(hass, event.data),
        }

    @callback
    def _describe_received(event: Event) -> dict[str, str | None]:
        return {
            LOGBOOK_ENTRY_NAME: event.data.get("title") or words("message"),
            LOGBOOK_ENTRY_MESSAGE: words(
                "received", title=_subject(event.data), app=event.data.get("app") or ""
            ),
            LOGBOOK_ENTRY_ENTITY_ID: _received_entity(hass, event.data),
        }

    async_describe_event(DOMAIN, bus_event(ACKNOWLEDGED), _alarm(_acknowledged))
    async_describe_event(DOMAIN, bus_event(EXPIRED), _alarm(_expired))
    async_describe_event(DOMAIN, bus_event(RESOLVED), _alarm(_resolved))
    async_describe_event(DOMAIN, bus_event(ACTION), _describe_action)
    async_describe_event(DOMAIN, EVENT_MESSAGE_RECEIVED, _describe_received)
