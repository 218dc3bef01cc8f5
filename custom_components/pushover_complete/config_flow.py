"""Config flow for Pushover Complete: the application, its recipients, options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import hashlib
from typing import Any

import voluptuous as vol

from homeassistant.components.webhook import async_generate_id
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_NAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .account_devices import no_active_devices
from .compat import ReloadingOptionsFlow, as_schema
from .const import (
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RECIPIENT_DEVICES,
    CONF_RETRY,
    CONF_SOUND,
    CONF_USER_KEY,
    DEFAULT_NAME,
    DOMAIN,
    PRIORITY_NAMES,
    SUBENTRY_OPEN_CLIENT,
    SUBENTRY_RECIPIENT,
)
from .encryption import is_valid_key
from .exceptions import Failure, failure_of
from .flow_forms import (
    async_sounds,
    current_options,
    defaults_schema,
    duration_errors,
    options_schema,
    present,
    with_defaults,
)
from .open_client_flow import OpenClientSubentryFlow
from .pushover_client import create_client

CONF_RECIPIENT_NAME = "recipient_name"


def token_unique_id(token: str) -> str:
    """Return an entry's unique id: a hash of its token, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


# The note shown when a key is valid but none of its devices is active.
NO_ACTIVE_DEVICES = "no_active_devices"
# What a form that comes back with an error never shows again: it is asked again.
NOT_SHOWN_AGAIN = frozenset({CONF_API_KEY})

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


@dataclass(frozen=True)
class KeyCheck:
    """What ``users/validate.json`` said about a key that can be used."""

    # The devices of the key's account, to restrict the recipient to.
    account_devices: list[str] = field(default_factory=list)
    inactive: bool = False


def _typed(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return what a form keeps of the user's input when it comes back."""
    return {
        key: value
        for key, value in (user_input or {}).items()
        if key not in NOT_SHOWN_AGAIN
    }


def _check_errors(
    err: Exception, token_field: str, refused: dict[str, str]
) -> dict[str, str]:
    """Return the form errors of a failed check of the token or a key."""
    failure = failure_of(err)
    errors = {
        Failure.TOKEN: {token_field: "invalid_api_key"},
        Failure.LATER: {"base": "cannot_connect"},
        Failure.UNKNOWN: {"base": "unknown"},
        Failure.REFUSED: refused,
    }
    return errors[failure]


async def _check_token(
    hass: HomeAssistant, token: str
) -> tuple[Mapping[str, str], dict[str, str]]:
    """Check ``token`` by fetching the application's sound list; return the sounds."""
    try:
        sounds = await create_client(hass, token).get_sounds()
    except Exception as err:  # every failure is shown on the form
        return {}, _check_errors(err, CONF_API_KEY, {CONF_API_KEY: "invalid_api_key"})
    return sounds, {}


async def _check_user(
    hass: HomeAssistant, token: str, user_key: str, token_field: str
) -> tuple[KeyCheck | None, dict[str, str]]:
    """Validate ``user_key``; a key without an active device is usable."""
    try:
        result = await create_client(hass, token).validate(user_key)
        devices = list(result["devices"])
    except Exception as err:  # every failure is shown on the form
        if no_active_devices(err):
            return KeyCheck(inactive=True), {}
        refused = {CONF_USER_KEY: "invalid_user_key"}
        return None, _check_errors(err, token_field, refused)
    return KeyCheck(devices), {}


class PushoverCompleteConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one Pushover application."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._input: dict[str, Any] = {}
        self._token = ""
        self._sounds: Mapping[str, str] = {}
        self._check = KeyCheck()

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
        suggested = _typed(user_input)
        if user_input is not None:
            token = user_input[CONF_API_KEY].strip()
            await self.async_set_unique_id(token_unique_id(token))
            self._abort_if_unique_id_configured()
            check, errors = await self._async_check(token, user_input[CONF_USER_KEY])
            if check is not None:
                self._input, self._token, self._check = user_input, token, check
                return await self.async_step_defaults()
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
                as_schema(schema),
                present(suggested),
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
        """Check the token (keeping the application's sounds), then the key."""
        self._sounds, errors = await _check_token(self.hass, token)
        if errors:
            return None, errors
        return await _check_user(self.hass, token, user_key.strip(), CONF_API_KEY)

    def _recipient_title(self) -> str:
        """Return the first recipient's name: its own, else the application's."""
        name = (self._input.get(CONF_RECIPIENT_NAME) or "").strip()
        return name or str(self._input[CONF_NAME])

    async def async_step_defaults(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the first recipient's devices, sound and priority."""
        if user_input is None:
            return self.async_show_form(
                step_id="defaults",
                data_schema=as_schema(
                    defaults_schema(self._check.account_devices, self._sounds, {})
                ),
                description_placeholders={"recipient": self._recipient_title()},
            )
        data = {
            CONF_USER_KEY: self._input[CONF_USER_KEY].strip(),
            CONF_RECIPIENT_DEVICES: [],
        }
        return self.async_create_entry(
            title=self._input[CONF_NAME],
            data={CONF_API_KEY: self._token, CONF_WEBHOOK_ID: async_generate_id()},
            description=NO_ACTIVE_DEVICES if self._check.inactive else None,
            subentries=[
                {
                    "subentry_type": SUBENTRY_RECIPIENT,
                    "title": self._recipient_title(),
                    "data": with_defaults(data, user_input),
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
            data_schema=as_schema(vol.Schema({vol.Required(CONF_API_KEY): PASSWORD})),
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
            data_schema=self.add_suggested_values_to_schema(
                as_schema(schema),
                _typed(user_input),
            ),
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
        return (await _check_token(self.hass, token))[1]


class PushoverCompleteOptionsFlow(ReloadingOptionsFlow):
    """Defaults for every message of this application; new ones reload the entry."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the default sound, priority, and emergency retry/expire."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = duration_errors(user_input)
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_SOUND: user_input[CONF_SOUND],
                        CONF_PRIORITY: PRIORITY_NAMES.get(user_input[CONF_PRIORITY]),
                        CONF_RETRY: int(user_input[CONF_RETRY]),
                        CONF_EXPIRE: int(user_input[CONF_EXPIRE]),
                    }
                )
        schema = options_schema(await async_sounds(self.hass, self.config_entry))
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                as_schema(schema),
                user_input or current_options(self.config_entry.options),
            ),
            errors=errors,
        )


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
            data_schema=self.add_suggested_values_to_schema(
                as_schema(schema),
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
            self._data = {CONF_USER_KEY: user_key, CONF_RECIPIENT_DEVICES: []}
            if encryption_key:
                self._data[CONF_ENCRYPTION_KEY] = encryption_key.lower()
        return check, errors

    async def async_step_defaults(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the devices, sound and priority of this recipient."""
        if user_input is not None:
            return self._async_finish(with_defaults(self._data, user_input))
        sounds = await async_sounds(self.hass, self._get_entry())
        current: Mapping[str, Any] = {}
        if self.source == SOURCE_RECONFIGURE:
            current = self._get_reconfigure_subentry().data
        return self.async_show_form(
            step_id="defaults",
            data_schema=as_schema(
                defaults_schema(self._check.account_devices, sounds, current)
            ),
        )

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
    devices = set(data[CONF_RECIPIENT_DEVICES])
    return any(
        other.subentry_type == SUBENTRY_RECIPIENT
        and (own is None or other.subentry_id != own.subentry_id)
        and other.data.get(CONF_USER_KEY) == data[CONF_USER_KEY]
        and set(other.data.get(CONF_RECIPIENT_DEVICES) or ()) == devices
        for other in entry.subentries.values()
    )
