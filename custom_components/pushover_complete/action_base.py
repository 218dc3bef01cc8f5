"""What every action of an application entry is made of.

Who may call it (``Access``), its handler's shape, its response, and the fields
they all take. ``services.py`` wraps each handler once: it resolves the entry,
checks the caller, and turns the client's errors into Home Assistant's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from typing import Any, Final

import voluptuous as vol

from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv

from .const import CONF_CONFIG_ENTRY_ID
from .data import PushoverCompleteConfigEntry
from .exceptions import invalid

# A key of Pushover's: no blanks around it.
KEY: Final = vol.All(cv.string, vol.Strip)
ENTRY_SCHEMA: Final[dict[Any, Any]] = {vol.Required(CONF_CONFIG_ENTRY_ID): cv.string}


class Access(Enum):
    """What a person calling an action needs."""

    ANYONE = "anyone"
    ADMIN = "admin"
    EVENT_CONTROL = "event_control"


type Handler = Callable[
    [HomeAssistant, PushoverCompleteConfigEntry, Mapping[str, Any], User | None],
    Awaitable[ServiceResponse],
]
type Action = tuple[Handler, dict[Any, Any], SupportsResponse, Access]


def one_selector(data: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """Return which one of ``names`` the call gives; refuse none or several."""
    given = [name for name in names if data.get(name)]
    if len(given) != 1:
        raise invalid("one_selector", fields=", ".join(names))
    return given[0]
