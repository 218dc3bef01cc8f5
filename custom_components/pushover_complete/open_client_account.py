"""A Pushover account seen as an Open Client: the client, a login, a new device.

The device flow logs in and registers this Home Assistant as a device; the
repair flow of a device whose session ended logs in again for a new secret.
Both show what failed as form errors: ``base: invalid_auth``,
``base: cannot_connect``, ``base: unknown``, ``twofa: invalid_twofa``,
``name: invalid_name``, ``name: name_taken``. The password is passed on to
Pushover and forgotten; it never reaches a log or an error text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    BadAPIRequestError,
    LoginResponse,
    OpenClient,
    PushoverTwoFactorRequiredError,
)
from .const import CONF_TWOFA, LOGGER
from .exceptions import Failure, failure_of
from .pushover_client import CLIENT_TIMEOUT, api_base_url


def create_open_client(hass: HomeAssistant) -> OpenClient:
    """Return an Open Client on Home Assistant's shared session."""
    return OpenClient(
        async_get_clientsession(hass), base_url=api_base_url(), timeout=CLIENT_TIMEOUT
    )


@dataclass(frozen=True)
class LoginResult:
    """What logging in to a Pushover account gave: a session, or why not."""

    login: LoginResponse | None = None
    errors: dict[str, str] = field(default_factory=dict)
    twofa_required: bool = False


async def async_login(
    hass: HomeAssistant, *, email: str, password: str, twofa: str | None = None
) -> LoginResult:
    """Log in to a Pushover account for its user key and a new session secret."""
    try:
        login = await create_open_client(hass).login(email, password, twofa=twofa)
    except Exception as err:  # every failure is shown on the form
        if twofa is None and isinstance(err, PushoverTwoFactorRequiredError):
            return LoginResult(twofa_required=True)
        return LoginResult(errors=_login_errors(err, twofa))
    return LoginResult(login)


async def async_register_open_client(
    hass: HomeAssistant, *, secret: str, name: str
) -> tuple[str | None, dict[str, str]]:
    """Register this Home Assistant as the device ``name``; return its id."""
    try:
        return await create_open_client(hass).register_device(secret, name), {}
    except Exception as err:  # every failure is shown on the form
        return None, _register_errors(err)


def _login_errors(err: Exception, twofa: str | None) -> dict[str, str]:
    """Return the form errors for a failed login."""
    failure = failure_of(err)
    if failure is Failure.LATER:
        return {"base": "cannot_connect"}
    if failure is Failure.UNKNOWN:
        return {"base": "unknown"}
    # Any refusal of a login with a code is taken as a wrong code.
    if twofa is not None:
        return {CONF_TWOFA: "invalid_twofa"}
    return {"base": "invalid_auth"}


def _register_errors(err: Exception) -> dict[str, str]:
    """Return the form errors for a device registration that failed."""
    if isinstance(err, BadAPIRequestError) and (reason := err.fields.get(CONF_NAME)):
        return {CONF_NAME: "name_taken" if "taken" in reason else "invalid_name"}
    if failure_of(err) is Failure.LATER:
        return {"base": "cannot_connect"}
    LOGGER.error("Pushover refused to register the device: %s", err)
    return {"base": "unknown"}
