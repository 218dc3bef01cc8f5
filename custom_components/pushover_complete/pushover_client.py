"""How this Home Assistant reaches Pushover: a client on the shared session.

A developer may point it at a Pushover simulator (``scripts/develop``, the
tests); it then says so once in the log.
"""

from __future__ import annotations

import os

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import DEFAULT_TIMEOUT, PUSHOVER_API_URL, PushoverAPI
from .const import ENV_API_URL, LOGGER

_warned: set[str] = set()
# Connect within 10 s, answer within 30 s; after that the message is queued.
CLIENT_TIMEOUT = DEFAULT_TIMEOUT


def api_base_url() -> str:
    """Pushover's URL, unless a developer pointed us at a simulator."""
    url = os.environ.get(ENV_API_URL) or PUSHOVER_API_URL
    if url != PUSHOVER_API_URL and url not in _warned:
        _warned.add(url)
        LOGGER.warning(
            "Not talking to Pushover itself: %s is set to %s", ENV_API_URL, url
        )
    return url


def create_client(hass: HomeAssistant, token: str) -> PushoverAPI:
    """A client on Home Assistant's shared session."""
    return PushoverAPI(
        token,
        async_get_clientsession(hass),
        base_url=api_base_url(),
        timeout=CLIENT_TIMEOUT,
    )
