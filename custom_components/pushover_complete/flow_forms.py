"""The fields the application's and the recipients' forms share.

Every choice has a value that reads in words: a recipient's sound and priority
start at "Application default", the application's at "User's default" and
"Normal". They are required fields, so a dropdown cannot be cleared to a
blank that would mean the same thing without saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

import voluptuous as vol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .api import MAX_EXPIRE, MIN_RETRY, PushoverCompleteError
from .const import (
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RECIPIENT_DEVICES,
    CONF_RETRY,
    CONF_SOUND,
    DEFAULT_EXPIRE,
    DEFAULT_RETRY,
    PRIORITY_DEFAULT,
    PRIORITY_NAMES,
    SOUND_USER_DEFAULT,
)
from .pushover_client import create_client

# Pushover's emergency durations: retry at least 30 s, expire at most 3 hours.
DURATION_MIN: Final = MIN_RETRY
DURATION_MAX: Final = MAX_EXPIRE
# A recipient's sound left to the application's options.
SOUND_APP_DEFAULT: Final = "default"
PRIORITY_OF_LEVEL: Final[dict[int | None, str]] = {
    level: name for name, level in PRIORITY_NAMES.items()
}
NORMAL: Final = PRIORITY_OF_LEVEL[0]
# A recipient's priority may fall back to the application's default.
PRIORITY_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[PRIORITY_DEFAULT, *PRIORITY_NAMES],
        mode=SelectSelectorMode.DROPDOWN,
        translation_key="priority",
    )
)
# The application's own default; "normal" is what Pushover does unasked.
LEVEL_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(PRIORITY_NAMES),
        mode=SelectSelectorMode.DROPDOWN,
        translation_key="priority",
    )
)


class SecondsSelector(NumberSelector):
    """A number of seconds whose range the form checks, to answer in words."""

    def __call__(self, data: Any) -> float:
        """Take any number; the step names one out of range as a field error."""
        return cast(float, vol.Coerce(float)(data))


SECONDS_SELECTOR = SecondsSelector(
    NumberSelectorConfig(
        min=DURATION_MIN,
        max=DURATION_MAX,
        step=1,
        unit_of_measurement="seconds",
        mode=NumberSelectorMode.BOX,
    )
)


def sound_selector(
    sounds: Mapping[str, str], *, app_default: bool = False
) -> SelectSelector:
    """Return a dropdown of the account's sounds after "user's default".

    ``app_default`` puts "Application default" first (a recipient's form).
    Built-in sounds and the defaults are labelled by the translations; a
    custom sound by its name in the account.
    """
    firsts = [SOUND_APP_DEFAULT] if app_default else []
    options = [
        SelectOptionDict(value=value, label=value)
        for value in (*firsts, SOUND_USER_DEFAULT)
    ]
    options += [
        SelectOptionDict(value=sound_id, label=name)
        for sound_id, name in sorted(sounds.items(), key=lambda item: item[1])
    ]
    return SelectSelector(
        SelectSelectorConfig(
            options=options, mode=SelectSelectorMode.DROPDOWN, translation_key="sound"
        )
    )


def present(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the values that are not set, so that no field shows "None"."""
    return {key: value for key, value in values.items() if value is not None}


async def async_sounds(hass: HomeAssistant, entry: ConfigEntry) -> Mapping[str, str]:
    """Return the application's sounds: known when loaded, else asked for now."""
    if entry.state is ConfigEntryState.LOADED:
        return cast(Mapping[str, str], entry.runtime_data.sounds)
    try:
        return await create_client(hass, entry.data[CONF_API_KEY]).get_sounds()
    except PushoverCompleteError:
        return {}


def defaults_schema(
    devices: list[str], sounds: Mapping[str, str], current: Mapping[str, Any]
) -> vol.Schema:
    """Return the form of a recipient's devices, sound and priority.

    ``devices`` are the account's (none: no device to choose); ``current``
    the recipient's data so far.
    """
    fields: dict[Any, Any] = {}
    if devices:
        chosen = [d for d in current.get(CONF_RECIPIENT_DEVICES, []) if d in devices]
        fields[vol.Optional(CONF_RECIPIENT_DEVICES, default=chosen)] = SelectSelector(
            SelectSelectorConfig(
                options=devices, multiple=True, mode=SelectSelectorMode.LIST
            )
        )
    sound = current.get(CONF_SOUND) or SOUND_APP_DEFAULT
    fields[vol.Required(CONF_SOUND, default=sound)] = sound_selector(
        sounds, app_default=True
    )
    priority = PRIORITY_OF_LEVEL.get(current.get(CONF_PRIORITY), PRIORITY_DEFAULT)
    fields[vol.Required(CONF_PRIORITY, default=priority)] = PRIORITY_SELECTOR
    return vol.Schema(fields)


def with_defaults(
    data: Mapping[str, Any], user_input: Mapping[str, Any]
) -> dict[str, Any]:
    """Return a recipient's data with the devices, sound and priority chosen."""
    chosen = dict(data)
    chosen[CONF_RECIPIENT_DEVICES] = list(user_input.get(CONF_RECIPIENT_DEVICES, []))
    chosen.pop(CONF_SOUND, None)
    chosen.pop(CONF_PRIORITY, None)
    if (sound := user_input.get(CONF_SOUND)) and sound != SOUND_APP_DEFAULT:
        chosen[CONF_SOUND] = sound
    if (priority := user_input.get(CONF_PRIORITY)) in PRIORITY_NAMES:
        chosen[CONF_PRIORITY] = PRIORITY_NAMES[priority]
    return chosen


def options_schema(sounds: Mapping[str, str]) -> vol.Schema:
    """Return the application's options form (the values are suggested)."""
    return vol.Schema(
        {
            vol.Required(CONF_SOUND): sound_selector(sounds),
            vol.Required(CONF_PRIORITY): LEVEL_SELECTOR,
            vol.Required(CONF_RETRY): SECONDS_SELECTOR,
            vol.Required(CONF_EXPIRE): SECONDS_SELECTOR,
        }
    )


def current_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options as the form shows them: every field in words."""
    return {
        CONF_SOUND: options.get(CONF_SOUND) or SOUND_USER_DEFAULT,
        CONF_PRIORITY: PRIORITY_OF_LEVEL.get(options.get(CONF_PRIORITY), NORMAL),
        CONF_RETRY: options.get(CONF_RETRY, DEFAULT_RETRY),
        CONF_EXPIRE: options.get(CONF_EXPIRE, DEFAULT_EXPIRE),
    }


def duration_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Name retry/expire values outside Pushover's range, or not whole seconds."""
    errors: dict[str, str] = {}
    if not _whole_seconds_in_range(user_input[CONF_RETRY]):
        errors[CONF_RETRY] = "retry_out_of_range"
    if not _whole_seconds_in_range(user_input[CONF_EXPIRE]):
        errors[CONF_EXPIRE] = "expire_out_of_range"
    return errors


def _whole_seconds_in_range(value: float) -> bool:
    """Tell whether ``value`` is a whole number of seconds Pushover takes."""
    return DURATION_MIN <= value <= DURATION_MAX and value == int(value)
