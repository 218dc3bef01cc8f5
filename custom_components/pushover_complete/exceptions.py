"""One place that turns the client's errors into Home Assistant errors.

What the caller sees (the exception) is built here; what happened at Pushover
(a rejected token starts reauth, an exhausted quota opens a repair issue) is a
separate call, :func:`async_handle_refusal`, made by whoever meets the refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .const import DOMAIN
from .data import PushoverCompleteConfigEntry

QUOTA_ISSUE: Final = "quota_exceeded"


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """Build a translated error for input refused before anything is sent."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def validation_error(err: PushoverValidationError) -> ServiceValidationError:
    """Build a translated error for input the client refused."""
    return invalid("invalid_field", field=err.field, reason=err.reason)


def _reset_text(err: PushoverQuotaError) -> str:
    if not err.reset:
        return "the start of next month"
    reset = dt_util.as_local(dt_util.utc_from_timestamp(err.reset))
    return reset.strftime("%Y-%m-%d %H:%M %Z")


def refusal_error(err: BadAPIRequestError) -> HomeAssistantError:
    """Build the error a caller sees for a Pushover refusal, in Pushover's words."""
    if isinstance(err, PushoverAuthError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="token_rejected",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, PushoverQuotaError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="quota_exceeded",
            translation_placeholders={"error": str(err), "reset": _reset_text(err)},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="pushover_error",
        translation_placeholders={"error": str(err)},
    )


def connection_error(err: PushoverConnectionError) -> HomeAssistantError:
    """Build the error a caller sees when Pushover cannot be reached."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="cannot_connect",
        translation_placeholders={"error": str(err)},
    )


def async_handle_refusal(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, err: BadAPIRequestError
) -> None:
    """Act on a refusal: reauth for a rejected token, a repair issue for the quota."""
    if isinstance(err, PushoverAuthError):
        entry.async_start_reauth(hass)
    elif isinstance(err, PushoverQuotaError):
        applications = _quota_applications(hass)
        applications[entry.entry_id] = entry.title
        _async_quota_issue(hass, applications, _reset_text(err))


def async_sending_works(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Take an application off the quota repair issue: Pushover took a message."""
    applications = _quota_applications(hass)
    if applications.pop(entry.entry_id, None) is None:
        return
    if not applications:
        ir.async_delete_issue(hass, DOMAIN, QUOTA_ISSUE)
        return
    issue = ir.async_get(hass).async_get_issue(DOMAIN, QUOTA_ISSUE)
    reset = (issue.translation_placeholders or {}).get("reset", "") if issue else ""
    _async_quota_issue(hass, applications, reset)


def _quota_applications(hass: HomeAssistant) -> dict[str, str]:
    """Return the applications (entry id → title) the quota issue names."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, QUOTA_ISSUE)
    if issue is None or not issue.data:
        return {}
    return {str(key): str(value) for key, value in issue.data.items()}


def _async_quota_issue(
    hass: HomeAssistant, applications: dict[str, str], reset: str
) -> None:
    """Open (or update) the one quota issue: the quota is the account's, shared."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        QUOTA_ISSUE,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=QUOTA_ISSUE,
        translation_placeholders={
            "name": ", ".join(sorted(applications.values())),
            "reset": reset,
        },
        data=dict(applications),
    )


@asynccontextmanager
async def pushover_errors(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> AsyncIterator[None]:
    """Turn the client's errors raised inside into Home Assistant errors."""
    try:
        yield
    except PushoverValidationError as err:
        raise validation_error(err) from err
    except BadAPIRequestError as err:
        async_handle_refusal(hass, entry, err)
        raise refusal_error(err) from err
    except PushoverConnectionError as err:
        raise connection_error(err) from err
