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
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"{QUOTA_ISSUE}_{entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=QUOTA_ISSUE,
            translation_placeholders={"name": entry.title, "reset": _reset_text(err)},
        )


def async_sending_works(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry
) -> None:
    """Clear the quota repair issue: Pushover took a message."""
    ir.async_delete_issue(hass, DOMAIN, f"{QUOTA_ISSUE}_{entry.entry_id}")


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
