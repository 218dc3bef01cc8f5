"""Config flow for Pushover Complete: the application, its recipients, options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import voluptuous as vol

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_NAME
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
    ValidateResponse,
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
    SUBENTRY_RECIPIENT,
)
from .encryption import is_valid_key
from .helpers import create_client, token_unique_id

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# Emergency retry/expire: Pushover takes retry >= 30 s and expire <= 10800 s.
SECONDS_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=30, max=10800, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
    )
)
PRIORITIES = {"lowest": -2, "low": -1, "normal": 0, "high": 1, "emergency": 2}
PRIORITY_NAMES: dict[int | None, str] = {v: k for k, v in PRIORITIES.items()}
PRIORITY_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[PRIORITY_DEFAULT, *PRIORITIES],
        mode=SelectSelectorMode.DROPDOWN,
        translation_key="priority",
    )
)


def sound_selector(sounds: Mapping[str, str]) -> SelectSelector:
    """A dropdown of the account's sounds plus "user's default"."""
    options = [SelectOptionDict(value=SOUND_USER_DEFAULT, label="User's default")]
    options += [
        SelectOptionDict(value=sound_id, label=name)
        for sound_id, name in sorted(sounds.items(), key=lambda item: item[1])
    ]
    return SelectSelector(
        SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
    )


async def _async_sounds(hass: HomeAssistant, entry: ConfigEntry) -> Mapping[str, str]:
    """The application's sounds: known when loaded, else asked for now."""
    if entry.state is ConfigEntryState.LOADED:
        return cast(Mapping[str, str], entry.runtime_data.sounds)
    try:
        return await create_client(hass, entry.data[CONF_API_KEY]).get_sounds()
    except PushoverCompleteError:
        return {}


async def _check_token(
    flow: ConfigFlow, token: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Fetch the sound list with ``token``; return (sounds, errors)."""
    try:
        sounds = await create_client(flow.hass, token).get_sounds()
    except (PushoverAuthError, PushoverValidationError):
        return {}, {CONF_API_KEY: "invalid_api_key"}
    except PushoverConnectionError:
        return {}, {"base": "cannot_connect"}
    except BadAPIRequestError:
        return {}, {CONF_API_KEY: "invalid_api_key"}
    except Exception:
        LOGGER.exception("Unexpected error while checking the application token")
        return {}, {"base": "unknown"}
    return sounds, {}


async def _check_user(
    flow: ConfigFlow | ConfigSubentryFlow, token: str, user_key: str
) -> tuple[ValidateResponse | None, dict[str, str]]:
    """Validate ``user_key`` with ``users/validate.json``."""
    try:
        result = await create_client(flow.hass, token).validate(user_key)
    except PushoverAuthError:
        # The recipient form has no token field: say it on the whole form.
        field = CONF_API_KEY if isinstance(flow, ConfigFlow) else "base"
        return None, {field: "invalid_api_key"}
    except (BadAPIRequestError, PushoverValidationError):
        return None, {CONF_USER_KEY: "invalid_user_key"}
    except PushoverConnectionError:
        return None, {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error while checking the user key")
        return None, {"base": "unknown"}
    return result, {}


class PushoverCompleteConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one Pushover application."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The options flow."""
        return PushoverCompleteOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Recipients are subentries."""
        return {SUBENTRY_RECIPIENT: RecipientSubentryFlow}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the token and the first recipient's key."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_KEY].strip()
            await self.async_set_unique_id(token_unique_id(token))
            self._abort_if_unique_id_configured()
            _, errors = await _check_token(self, token)
            if not errors:
                _, errors = await _check_user(
                    self, token, user_input[CONF_USER_KEY].strip()
                )
            if not errors:
                name = user_input[CONF_NAME]
                return self.async_create_entry(
                    title=name,
                    data={CONF_API_KEY: token, "webhook_id": async_generate_id()},
                    subentries=[
                        {
                            "subentry_type": SUBENTRY_RECIPIENT,
                            "title": name,
                            "data": {
                                CONF_USER_KEY: user_input[CONF_USER_KEY].strip(),
                                CONF_DEVICES: [],
                            },
                            "unique_id": None,
                        }
                    ],
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=DEFAULT_NAME): str,
                vol.Required(CONF_API_KEY): PASSWORD,
                vol.Required(CONF_USER_KEY): PASSWORD,
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),  # type: ignore[arg-type, unused-ignore]
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Pushover rejected the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token."""
        entry = self._get_reauth_entry()
        result, errors = await self._async_replace_token(entry, user_input)
        if result is not None:
            return result
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): PASSWORD}),  # type: ignore[arg-type, unused-ignore]
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the application's name or token."""
        entry = self._get_reconfigure_entry()
        result, errors = await self._async_replace_token(entry, user_input)
        if result is not None:
            return result
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=entry.title): str,
                vol.Required(CONF_API_KEY): PASSWORD,
            }
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=schema,  # type: ignore[arg-type, unused-ignore]
            errors=errors,
        )

    async def _async_replace_token(
        self, entry: ConfigEntry, user_input: dict[str, Any] | None
    ) -> tuple[ConfigFlowResult | None, dict[str, str]]:
        """Check a replacement token; store it (and a new name) and reload."""
        if user_input is None:
            return None, {}
        token = user_input[CONF_API_KEY].strip()
        errors = await self._async_check_new_token(entry, token)
        if errors:
            return None, errors
        return self.async_update_reload_and_abort(
            entry,
            title=user_input.get(CONF_NAME, entry.title),
            unique_id=token_unique_id(token),
            data_updates={CONF_API_KEY: token},
        ), {}

    async def _async_check_new_token(
        self, entry: ConfigEntry, token: str
    ) -> dict[str, str]:
        token = token.strip()
        unique_id = token_unique_id(token)
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.unique_id == unique_id:
                return {"base": "already_configured"}
        _, errors = await _check_token(self, token)
        return errors


class PushoverCompleteOptionsFlow(OptionsFlow):
    """Defaults for every message of this application."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Default sound, priority, and emergency retry/expire."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SOUND: user_input[CONF_SOUND],
                    CONF_PRIORITY: PRIORITIES.get(user_input[CONF_PRIORITY]),
                    CONF_RETRY: int(user_input[CONF_RETRY]),
                    CONF_EXPIRE: int(user_input[CONF_EXPIRE]),
                }
            )
        entry = self.config_entry
        sounds = await _async_sounds(self.hass, entry)
        options = entry.options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SOUND, default=options.get(CONF_SOUND, SOUND_USER_DEFAULT)
                ): sound_selector(sounds),
                vol.Required(
                    CONF_PRIORITY,
                    default=PRIORITY_NAMES.get(
                        options.get(CONF_PRIORITY), PRIORITY_DEFAULT
                    ),
                ): PRIORITY_SELECTOR,
                vol.Required(
                    CONF_RETRY, default=options.get(CONF_RETRY, DEFAULT_RETRY)
                ): SECONDS_SELECTOR,
                vol.Required(
                    CONF_EXPIRE, default=options.get(CONF_EXPIRE, DEFAULT_EXPIRE)
                ): SECONDS_SELECTOR,
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)  # type: ignore[arg-type, unused-ignore]


class RecipientSubentryFlow(ConfigSubentryFlow):
    """Add or change a recipient: a user or group key with its defaults."""

    def __init__(self) -> None:
        """Start with nothing validated."""
        self._data: dict[str, Any] = {}
        self._title = ""
        self._devices: list[str] = []

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Name and key of the recipient."""
        return await self._async_step_key("user", user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a recipient."""
        return await self._async_step_key("reconfigure", user_input)

    async def _async_step_key(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        errors: dict[str, str] = {}
        current: Mapping[str, Any] = {}
        if self.source == SOURCE_RECONFIGURE:
            subentry = self._get_reconfigure_subentry()
            current = {CONF_NAME: subentry.title, **subentry.data}
        if user_input is not None:
            user_key = user_input[CONF_USER_KEY].strip()
            encryption_key = (user_input.get(CONF_ENCRYPTION_KEY) or "").strip()
            if encryption_key and not is_valid_key(encryption_key):
                errors[CONF_ENCRYPTION_KEY] = "invalid_encryption_key"
            else:
                result, errors = await _check_user(
                    self, entry.data[CONF_API_KEY], user_key
                )
            if not errors and result is not None:
                self._title = user_input[CONF_NAME]
                self._data = {CONF_USER_KEY: user_key, CONF_DEVICES: []}
                if encryption_key:
                    self._data[CONF_ENCRYPTION_KEY] = encryption_key.lower()
                self._devices = list(result.get("devices") or [])
                return await self.async_step_defaults()
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): str,
                vol.Required(CONF_USER_KEY): PASSWORD,
                vol.Optional(CONF_ENCRYPTION_KEY): PASSWORD,
            }
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(  # type: ignore[arg-type, unused-ignore]
                schema,  # type: ignore[arg-type, unused-ignore]  # probatio on 2026.x
                user_input or current,
            ),
            errors=errors,
        )

    async def async_step_defaults(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Devices, sound and priority for this recipient."""
        if user_input is not None:
            data = dict(self._data)
            data[CONF_DEVICES] = list(user_input.get(CONF_DEVICES, []))
            if (sound := user_input.get(CONF_SOUND)) and sound != SOUND_USER_DEFAULT:
                data[CONF_SOUND] = sound
            if (priority := user_input.get(CONF_PRIORITY)) in PRIORITIES:
                data[CONF_PRIORITY] = PRIORITIES[priority]
            if self.source == SOURCE_RECONFIGURE:
                return self.async_update_and_abort(
                    self._get_entry(),
                    self._get_reconfigure_subentry(),
                    title=self._title,
                    data=data,
                )
            return self.async_create_entry(title=self._title, data=data)
        entry = self._get_entry()
        sounds = await _async_sounds(self.hass, entry)
        current: Mapping[str, Any] = {}
        if self.source == SOURCE_RECONFIGURE:
            current = self._get_reconfigure_subentry().data
        fields: dict[Any, Any] = {}
        if self._devices:
            fields[
                vol.Optional(
                    CONF_DEVICES,
                    default=[
                        d for d in current.get(CONF_DEVICES, []) if d in self._devices
                    ],
                )
            ] = SelectSelector(
                SelectSelectorConfig(
                    options=self._devices,
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        fields[
            vol.Optional(
                CONF_SOUND, default=current.get(CONF_SOUND, SOUND_USER_DEFAULT)
            )
        ] = sound_selector(sounds)
        fields[
            vol.Optional(
                CONF_PRIORITY,
                default=PRIORITY_NAMES.get(
                    current.get(CONF_PRIORITY), PRIORITY_DEFAULT
                ),
            )
        ] = PRIORITY_SELECTOR
        return self.async_show_form(step_id="defaults", data_schema=vol.Schema(fields))  # type: ignore[arg-type, unused-ignore]
