"""The "Receive messages in Home Assistant" flow: this Home Assistant as a device.

A config subentry of type ``device``. The form asks the account's
e-mail address, its password and the device name, in that order; HTTP 412 asks
the two-factor code in a second step. The flow logs in, registers the device
(``os=O``) and stores the user key, the device id, the session secret, the
device name and the e-mail address: never the password. A form shown again
after an error keeps the e-mail address and the device name, never the
password, which is asked for again (a session already opened for the same
e-mail address is used on, so that a taken name costs no second two-factor
code).
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_EMAIL, CONF_NAME, CONF_PASSWORD
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import DEVICE_RE, LoginResponse
from .compat import as_schema
from .const import (
    CONF_OPEN_CLIENT_ID,
    CONF_SECRET,
    CONF_TWOFA,
    CONF_USER_KEY,
    DEFAULT_OPEN_CLIENT_NAME,
)
from .open_client_account import async_login, async_register_open_client

ACCOUNT_PASSWORD = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
ONE_TIME_CODE = TextSelector(TextSelectorConfig(autocomplete="one-time-code"))
TWOFA_SCHEMA = vol.Schema({vol.Required(CONF_TWOFA): ONE_TIME_CODE})


class OpenClientSubentryFlow(ConfigSubentryFlow):
    """Register this Home Assistant as a device on a Pushover account."""

    def __init__(self) -> None:
        """Start logged out; the password lives only until it has been used."""
        self._email = ""
        self._password = ""
        self._name = ""
        self._login: LoginResponse | None = None
        self._login_email = ""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the account's e-mail address and password, and the device name."""
        if user_input is None:
            return self._async_show_user({})
        self._email = user_input[CONF_EMAIL].strip()
        self._password = user_input[CONF_PASSWORD]
        self._name = user_input[CONF_NAME].strip()
        if not DEVICE_RE.fullmatch(self._name):
            self._password = ""
            return self._async_show_user({CONF_NAME: "invalid_name"})
        return await self._async_log_in_and_register(None)

    async def async_step_twofa(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the current two-factor code."""
        code = (user_input or {}).get(CONF_TWOFA)
        return await self._async_log_in_and_register(
            None if code is None else code.strip()
        )

    async def _async_log_in_and_register(self, twofa: str | None) -> SubentryFlowResult:
        """Log in (once per e-mail address), then register the device."""
        if self._login is None or self._login_email != self._email:
            result = await async_login(
                self.hass, email=self._email, password=self._password, twofa=twofa
            )
            if result.login is None:
                if result.twofa_required or twofa is not None:
                    return self._async_show_twofa(result.errors)
                self._password = ""
                return self._async_show_user(result.errors)
            self._login, self._login_email = result.login, self._email
        self._password = ""
        device_id, errors = await async_register_open_client(
            self.hass, secret=self._login.secret, name=self._name
        )
        if device_id is None:
            return self._async_show_user(errors)
        return self.async_create_entry(
            title=self._name,
            data={
                CONF_USER_KEY: self._login.id,
                CONF_OPEN_CLIENT_ID: device_id,
                CONF_SECRET: self._login.secret,
                CONF_NAME: self._name,
                CONF_EMAIL: self._login_email,
            },
        )

    @callback
    def _async_show_user(self, errors: dict[str, str]) -> SubentryFlowResult:
        """Show the login form with the e-mail address and name typed, no password."""
        # The e-mail address is a plain text field: Home Assistant's frontend
        # draws those before selectors and focuses the first field it can, so
        # the form opens on it (as a selector, it left the focus to the name).
        schema = vol.Schema(
            {
                vol.Required(CONF_EMAIL): str,
                vol.Required(CONF_PASSWORD): ACCOUNT_PASSWORD,
                vol.Required(CONF_NAME, default=DEFAULT_OPEN_CLIENT_NAME): str,
            }
        )
        typed = {CONF_EMAIL: self._email, CONF_NAME: self._name}
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                as_schema(schema),
                {key: value for key, value in typed.items() if value},
            ),
            errors=errors,
        )

    @callback
    def _async_show_twofa(self, errors: dict[str, str]) -> SubentryFlowResult:
        """Show the two-factor form."""
        return self.async_show_form(
            step_id="twofa",
            data_schema=as_schema(TWOFA_SCHEMA),
            errors=errors,
        )
