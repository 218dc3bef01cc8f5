"""Config flow for Pushover Complete: the application, its recipients, options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import voluptuous as vol

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_NAME, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverCompleteError,
    PushoverConnectionError,
    PushoverValidationError,
)
from .const import (
    CONF_DEVICES,
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_USER_KEY,
    DEFAULT_EXPIRE,
    DEFAULT_NAME,
    DEFAULT_RETRY,
    DOMAIN,
    LOGGER,
    PRIORITY_DEFAULT,
    SOUND_USER_DEFAULT,
    SUBENTRY_OPEN_CLIENT,
    SUBENTRY_RECIPIENT,
)
from .encryption import is_valid_key
from .helpers import create_client, token_unique_id
from .open_client_flow import OpenClientSubentryFlow

CONF_RECIPIENT_NAME = "recipient_name"
# The note shown when a key is valid but none of its devices is active.
NO_ACTIVE_DEVICES = "no_active_devices"
# Pushover's emergency durations: retry at least 30 s, expire at most 3 hours.
DURATION_MIN = 30
DURATION_MAX = 10800
# Answers that mean "not now" rather than "no": a request timeout, a rate limit.

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PRIORITIES = {"lowest": -2, "low": -1, "normal": 0, "high": 1, "emergency": 2}
PRIORITY_NAMES: dict[int | None, str] = {v: k for k, v in PRIORITIES.items()}
# A recipient's priority may fall back to the application's default.
PRIORITY_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[PRIORITY_DEFAULT, *PRIORITIES],
        mode=SelectSelectorMode.DROPDOWN,
        translation_key="priority",
    )
)
# The application's own default: left empty, Pushover's normal priority applies.
LEVEL_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(PRIORITIES),
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


@dataclass(frozen=True)
class KeyCheck:
    """What ``users/validate.json`` said about a key that can be used."""

    devices: list[str] = field(default_factory=list)
    inactive: bool = False


def sound_selector(sounds: Mapping[str, str]) -> SelectSelector:
    """Return a dropdown of the account's sounds plus "user's default"."""
    options = [SelectOptionDict(value=SOUND_USER_DEFAULT, label="User's default")]
    options += [
        SelectOptionDict(value=sound_id, label=name)
        for sound_id, name in sorted(sounds.items(), key=lambda item: item[1])
    ]
    return SelectSelector(
        SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
    )


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the values that are not set, so that no field shows "None"."""
    return {key: value for key, value in values.items() if value is not None}


async def _async_sounds(hass: HomeAssistant, entry: ConfigEntry) -> Mapping[str, str]:
    """Return the application's sounds: known when loaded, else asked for now."""
    if entry.state is ConfigEntryState.LOADED:
        return cast(Mapping[str, str], entry.runtime_data.sounds)
    try:
        return await create_client(hass, entry.data[CONF_API_KEY]).get_sounds()
    except PushoverCompleteError:
        return {}


class Failure(StrEnum):
    """Why a check with Pushover failed."""

    TOKEN = "token"  # the application token was rejected
    LATER = "later"  # Pushover unreachable, or asking to try again later
    REFUSED = "refused"  # the value checked was refused
    UNKNOWN = "unknown"  # an odd answer, or an error nobody expected


def _failure(err: Exception) -> Failure:
    """Classify what a failed check raised (logging what is unexpected)."""
    if isinstance(err, PushoverAuthError):
        return Failure.TOKEN
    if isinstance(err, BadAPIRequestError):
        return Failure.LATER if err.ask_later else Failure.REFUSED
    if isinstance(err, PushoverValidationError):
        return Failure.REFUSED
    # A 2xx that the client refused is an odd answer, not an outage.
    if isinstance(err, PushoverConnectionError) and not (
        200 <= (err.http_status or 0) < 300
    ):
        return Failure.LATER
    LOGGER.error("Unexpected answer or error from Pushover", exc_info=err)
    return Failure.UNKNOWN


def _no_active_devices(err: Exception) -> bool:
    """Tell whether Pushover called the key valid but without an active device."""
    return isinstance(err, BadAPIRequestError) and any(
        "no active devices" in reason for reason in err.errors
    )


async def _check_token(hass: HomeAssistant, token: str) -> dict[str, str]:
    """Check ``token`` by fetching the application's sound list."""
    try:
        await create_client(hass, token).get_sounds()
    except Exception as err:  # every failure is shown on the form
        failure = _failure(err)
        if failure is Failure.LATER:
            return {"base": "cannot_connect"}
        if failure is Failure.UNKNOWN:
            return {"base": "unknown"}
        return {CONF_API_KEY: "invalid_api_key"}
    return {}


async def _check_user(
    hass: HomeAssistant, token: str, user_key: str, token_field: str
) -> tuple[KeyCheck | None, dict[str, str]]:
    """Validate ``user_key``; a key without an active device is usable."""
    try:
        result = await create_client(hass, token).validate(user_key)
        devices = list(result["devices"])
    except Exception as err:  # every failure is shown on the form
        if _no_active_devices(err):
            return KeyCheck(inactive=True), {}
        failure = _failure(err)
        if failure is Failure.TOKEN:
            return None, {token_field: "invalid_api_key"}
        if failure is Failure.LATER:
            return None, {"base": "cannot_connect"}
        if failure is Failure.UNKNOWN:
            return None, {"base": "unknown"}
        return None, {CONF_USER_KEY: "invalid_user_key"}
    return KeyCheck(devices), {}


class PushoverCompleteConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one Pushover application."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow."""
        return PushoverCompleteOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentry flows: recipients, and this Home Assistant as a device."""
        return {
            SUBENTRY_RECIPIENT: RecipientSubentryFlow,
            SUBENTRY_OPEN_CLIENT: OpenClientSubentryFlow,
        }

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the token and the first recipient's key and name."""
        errors: dict[str, str] = {}
        suggested: dict[str, Any] = dict(user_input or {})
        if user_input is not None:
            token = user_input[CONF_API_KEY].strip()
            await self.async_set_unique_id(token_unique_id(token))
            self._abort_if_unique_id_configured()
            check, errors = await self._async_check(token, user_input[CONF_USER_KEY])
            if check is not None:
                return self._async_create(user_input, token, check)
        else:
            suggested[CONF_RECIPIENT_NAME] = await self._async_owner_name()
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=DEFAULT_NAME): str,
                vol.Required(CONF_API_KEY): PASSWORD,
                vol.Required(CONF_USER_KEY): PASSWORD,
                vol.Optional(CONF_RECIPIENT_NAME): str,
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                schema,  # type: ignore[arg-type, unused-ignore]  # probatio's Schema on HA 2026
                _present(suggested),
            ),
            errors=errors,
        )

    async def _async_owner_name(self) -> str | None:
        """Return the name of Home Assistant's owner, to suggest for the recipient."""
        owner = await self.hass.auth.async_get_owner()
        return owner.name if owner else None

    async def _async_check(
        self, token: str, user_key: str
    ) -> tuple[KeyCheck | None, dict[str, str]]:
        """Check the token, then the key."""
        if errors := await _check_token(self.hass, token):
            return None, errors
        return await _check_user(self.hass, token, user_key.strip(), CONF_API_KEY)

    @callback
    def _async_create(
        self, user_input: dict[str, Any], token: str, check: KeyCheck
    ) -> ConfigFlowResult:
        """Create the entry with its first recipient."""
        name = user_input[CONF_NAME]
        recipient = (user_input.get(CONF_RECIPIENT_NAME) or "").strip() or name
        return self.async_create_entry(
            title=name,
            data={CONF_API_KEY: token, CONF_WEBHOOK_ID: async_generate_id()},
            description=NO_ACTIVE_DEVICES if check.inactive else None,
            subentries=[
                {
                    "subentry_type": SUBENTRY_RECIPIENT,
                    "title": recipient,
                    "data": {
                        CONF_USER_KEY: user_input[CONF_USER_KEY].strip(),
                        CONF_DEVICES: [],
                    },
                    "unique_id": None,
                }
            ],
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauth: Pushover rejected the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_KEY].strip()
            errors = await self._async_check_new_token(entry, token)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=token_unique_id(token),
                    data_updates={CONF_API_KEY: token},
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): PASSWORD}),  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rename the application; a new token only when one is given."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            current = entry.data[CONF_API_KEY]
            token = (user_input.get(CONF_API_KEY) or "").strip() or current
            if token != current:
                errors = await self._async_check_new_token(entry, token)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry,
                    title=user_input[CONF_NAME].strip() or entry.title,
                    unique_id=token_unique_id(token),
                    data_updates={CONF_API_KEY: token},
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=entry.title): str,
                vol.Optional(CONF_API_KEY): PASSWORD,
            }
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=schema,  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x
            errors=errors,
        )

    async def _async_check_new_token(
        self, entry: ConfigEntry, token: str
    ) -> dict[str, str]:
        """Refuse a token another entry uses, then check it with Pushover."""
        unique_id = token_unique_id(token)
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.unique_id == unique_id:
                return {"base": "already_configured"}
        return await _check_token(self.hass, token)


class PushoverCompleteOptionsFlow(OptionsFlow):
    """Defaults for every message of this application."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the default sound, priority, and emergency retry/expire."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _duration_errors(user_input)
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_SOUND: user_input.get(CONF_SOUND, SOUND_USER_DEFAULT),
                        CONF_PRIORITY: PRIORITIES.get(
                            user_input.get(CONF_PRIORITY, "")
                        ),
                        CONF_RETRY: int(user_input[CONF_RETRY]),
                        CONF_EXPIRE: int(user_input[CONF_EXPIRE]),
                    }
                )
        options = self.config_entry.options
        schema = vol.Schema(
            {
                vol.Optional(CONF_SOUND): sound_selector(
                    await _async_sounds(self.hass, self.config_entry)
                ),
                vol.Optional(CONF_PRIORITY): LEVEL_SELECTOR,
                vol.Required(
                    CONF_RETRY, default=options.get(CONF_RETRY, DEFAULT_RETRY)
                ): SECONDS_SELECTOR,
                vol.Required(
                    CONF_EXPIRE, default=options.get(CONF_EXPIRE, DEFAULT_EXPIRE)
                ): SECONDS_SELECTOR,
            }
        )
        current = {
            CONF_SOUND: options.get(CONF_SOUND, SOUND_USER_DEFAULT),
            CONF_PRIORITY: PRIORITY_NAMES.get(options.get(CONF_PRIORITY)),
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x
                schema,  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x
                _present(user_input or current),
            ),
            errors=errors,
        )


def _duration_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
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


class RecipientSubentryFlow(ConfigSubentryFlow):
    """Add or change a recipient: a user or group key with its defaults."""

    def __init__(self) -> None:
        """Start with nothing validated."""
        self._data: dict[str, Any] = {}
        self._title = ""
        self._check = KeyCheck()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the recipient's name and key."""
        return await self._async_step_key("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a recipient."""
        return await self._async_step_key("reconfigure", user_input)

    async def _async_step_key(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        """Show or check the name-and-key form."""
        errors: dict[str, str] = {}
        if user_input is not None:
            check, errors = await self._async_check_key(user_input)
            if check is not None:
                self._check = check
                return await self.async_step_defaults()
        current: Mapping[str, Any] = {}
        if self.source == SOURCE_RECONFIGURE:
            subentry = self._get_reconfigure_subentry()
            current = {CONF_NAME: subentry.title, **subentry.data}
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): str,
                vol.Required(CONF_USER_KEY): PASSWORD,
                vol.Optional(CONF_ENCRYPTION_KEY): PASSWORD,
            }
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x
                schema,  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x
                user_input or current,
            ),
            errors=errors,
        )

    async def _async_check_key(
        self, user_input: dict[str, Any]
    ) -> tuple[KeyCheck | None, dict[str, str]]:
        """Check the encryption key's format, then the user key with Pushover."""
        user_key = user_input[CONF_USER_KEY].strip()
        encryption_key = (user_input.get(CONF_ENCRYPTION_KEY) or "").strip()
        if encryption_key and not is_valid_key(encryption_key):
            return None, {CONF_ENCRYPTION_KEY: "invalid_encryption_key"}
        token = self._get_entry().data[CONF_API_KEY]
        check, errors = await _check_user(self.hass, token, user_key, "base")
        if check is not None:
            self._title = user_input[CONF_NAME]
            self._data = {CONF_USER_KEY: user_key, CONF_DEVICES: []}
            if encryption_key:
                self._data[CONF_ENCRYPTION_KEY] = encryption_key.lower()
        return check, errors

    async def async_step_defaults(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the devices, sound and priority of this recipient."""
        if user_input is not None:
            return self._async_finish(self._with_defaults(user_input))
        sounds = await _async_sounds(self.hass, self._get_entry())
        current: Mapping[str, Any] = {}
        if self.source == SOURCE_RECONFIGURE:
            current = self._get_reconfigure_subentry().data
        fields: dict[Any, Any] = {}
        if devices := self._check.devices:
            chosen = [d for d in current.get(CONF_DEVICES, []) if d in devices]
            fields[vol.Optional(CONF_DEVICES, default=chosen)] = SelectSelector(
                SelectSelectorConfig(
                    options=devices, multiple=True, mode=SelectSelectorMode.LIST
                )
            )
        sound = current.get(CONF_SOUND, SOUND_USER_DEFAULT)
        fields[vol.Optional(CONF_SOUND, default=sound)] = sound_selector(sounds)
        priority = PRIORITY_NAMES.get(current.get(CONF_PRIORITY), PRIORITY_DEFAULT)
        fields[vol.Optional(CONF_PRIORITY, default=priority)] = PRIORITY_SELECTOR
        return self.async_show_form(step_id="defaults", data_schema=vol.Schema(fields))  # type: ignore[arg-type, unused-ignore]  # typed differently on HA 2026.x

    def _with_defaults(self, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """Return the recipient's data with the devices and defaults chosen."""
        data = dict(self._data)
        data[CONF_DEVICES] = list(user_input.get(CONF_DEVICES, []))
        if (sound := user_input.get(CONF_SOUND)) and sound != SOUND_USER_DEFAULT:
            data[CONF_SOUND] = sound
        if (priority := user_input.get(CONF_PRIORITY)) in PRIORITIES:
            data[CONF_PRIORITY] = PRIORITIES[priority]
        return data

    @callback
    def _async_finish(self, data: dict[str, Any]) -> SubentryFlowResult:
        """Create or update the recipient, unless another one is the same."""
        entry = self._get_entry()
        own = (
            self._get_reconfigure_subentry()
            if self.source == SOURCE_RECONFIGURE
            else None
        )
        if _duplicate(entry, data, own):
            return self.async_abort(reason="already_configured")
        note = NO_ACTIVE_DEVICES if self._check.inactive else None
        if own is None:
            return self.async_create_entry(
                title=self._title, data=data, description=note
            )
        self.hass.config_entries.async_update_subentry(
            entry, own, title=self._title, data=data
        )
        if note:
            return self.async_abort(reason="reconfigure_no_active_devices")
        return self.async_abort(reason="reconfigure_successful")


def _duplicate(
    entry: ConfigEntry, data: Mapping[str, Any], own: ConfigSubentry | None
) -> bool:
    """Tell whether another recipient has the same key and the same devices."""
    devices = set(data[CONF_DEVICES])
    return any(
        other.subentry_type == SUBENTRY_RECIPIENT
        and (own is None or other.subentry_id != own.subentry_id)
        and other.data.get(CONF_USER_KEY) == data[CONF_USER_KEY]
        and set(other.data.get(CONF_DEVICES) or ()) == devices
        for other in entry.subentries.values()
    )
