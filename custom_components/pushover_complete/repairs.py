"""Repairs: log an Open Client in again after Pushover ended its session."""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback

from .compat import RepairsFlowResult, as_schema
from .const import (
    CONF_SECRET,
    CONF_TWOFA,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_OPEN_CLIENT,
)
from .data import PushoverCompleteConfigEntry
from .open_client_account import async_login
from .open_client_flow import ACCOUNT_PASSWORD, TWOFA_SCHEMA
from .open_client_issues import SESSION_ISSUE

# The e-mail address first, as a plain text field: the form opens on it.
LOGIN_SCHEMA = vol.Schema(
    {vol.Required(CONF_EMAIL): str, vol.Required(CONF_PASSWORD): ACCOUNT_PASSWORD}
)


class OpenClientLoginRepairFlow(RepairsFlow):
    """Log the Open Client's account in again and give the device the new session.

    The device keeps its id; only its secret is new. The form suggests the
    account's e-mail address (the one typed, else the one stored at login),
    never the password, which lives only until it has been used.
    """

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Remember which Open Client to log in again."""
        self._entry_id = entry_id
        self._subentry_id = subentry_id
        self._email = ""
        self._password = ""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Start with the login form."""
        return await self.async_step_login()

    async def async_step_login(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask for the account's e-mail address and password."""
        found = self._open_client()
        if found is None:
            return self.async_abort(reason="device_removed")
        if user_input is None:
            self._email = found[1].data.get(CONF_EMAIL, "")
            return self._async_show_login({})
        self._email = user_input[CONF_EMAIL].strip()
        self._password = user_input[CONF_PASSWORD]
        return await self._async_log_in(None)

    async def async_step_twofa(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask for the current two-factor code."""
        if user_input is None:
            return self._async_show("twofa", schema=TWOFA_SCHEMA, errors={})
        return await self._async_log_in(user_input[CONF_TWOFA].strip())

    async def _async_log_in(self, twofa: str | None) -> RepairsFlowResult:
        """Log in; store the new secret in the Open Client's subentry and reconnect."""
        result = await async_login(
            self.hass, email=self._email, password=self._password, twofa=twofa
        )
        if result.login is None:
            if result.twofa_required or twofa is not None:
                return self._async_show(
                    "twofa", schema=TWOFA_SCHEMA, errors=result.errors
                )
            self._password = ""
            return self._async_show_login(result.errors)
        self._password = ""
        found = self._open_client()
        if found is None:
            return self.async_abort(reason="device_removed")
        entry, subentry = found
        if result.login.id != subentry.data[CONF_USER_KEY]:
            return self._async_show_login({"base": "wrong_account"})
        # The entry reloads on a change of its subentries: the device reconnects.
        self.hass.config_entries.async_update_subentry(
            entry,
            subentry,
            data={
                **subentry.data,
                CONF_SECRET: result.login.secret,
                CONF_EMAIL: self._email,
            },
        )
        return self.async_create_entry(data={})

    def _open_client(
        self,
    ) -> tuple[PushoverCompleteConfigEntry, ConfigSubentry] | None:
        """Return the entry and the Open Client's subentry, if both still exist."""
        entry: PushoverCompleteConfigEntry | None = (
            self.hass.config_entries.async_get_entry(self._entry_id)
        )
        if entry is None or entry.domain != DOMAIN:
            return None
        subentry = entry.subentries.get(self._subentry_id)
        if subentry is None or subentry.subentry_type != SUBENTRY_OPEN_CLIENT:
            return None
        return entry, subentry

    @callback
    def _async_show_login(self, errors: dict[str, str]) -> RepairsFlowResult:
        """Show the login form, suggesting the e-mail address, never the password."""
        schema: Any = LOGIN_SCHEMA
        if self._email:
            schema = self.add_suggested_values_to_schema(
                as_schema(LOGIN_SCHEMA),
                {CONF_EMAIL: self._email},
            )
        return self._async_show("login", schema=schema, errors=errors)

    @callback
    def _async_show(
        self, step_id: str, *, schema: Any, errors: dict[str, str]
    ) -> RepairsFlowResult:
        """Show a step's form, naming the device."""
        found = self._open_client()
        name = found[1].title if found else ""
        return self.async_show_form(
            step_id=step_id,
            data_schema=as_schema(schema),
            errors=errors,
            description_placeholders={"name": name},
        )


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Create the fix flow of one of this integration's fixable issues."""
    if data and issue_id.startswith(SESSION_ISSUE):
        return OpenClientLoginRepairFlow(
            str(data["entry_id"]), str(data["subentry_id"])
        )
    return ConfirmRepairFlow()
