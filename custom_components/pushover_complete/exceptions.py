"""One place that turns the client's errors into Home Assistant errors.

A flow's form error starts from :func:`failure_of`, the same for every flow.

What the caller sees (the exception) is built here; what a refusal means for
the entry (a rejected token starts reauth, an exhausted quota opens a repair
issue) is the refusal guard's (``refusals.py``), called by whoever meets it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from .refusals import RefusalGuard


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


def reset_time(reset: int) -> str:
    """Return the quota's reset as a local date and time (no words to translate)."""
    return dt_util.as_local(dt_util.utc_from_timestamp(reset)).strftime(
        "%Y-%m-%d %H:%M %Z"
    )


def refusal_error(err: BadAPIRequestError) -> HomeAssistantError:
    """Build the error a caller sees for a Pushover refusal, in Pushover's words."""
    if isinstance(err, PushoverAuthError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="token_rejected",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, PushoverQuotaError):
        if not err.reset:
            return HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="quota_exceeded_next_month",
                translation_placeholders={"error": str(err)},
            )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="quota_exceeded",
            translation_placeholders={
                "error": str(err),
                "reset": reset_time(err.reset),
            },
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


@asynccontextmanager
async def pushover_errors(guard: RefusalGuard) -> AsyncIterator[None]:
    """Turn the client's errors raised inside into Home Assistant errors."""
    try:
        yield
    except PushoverValidationError as err:
        raise validation_error(err) from err
    except BadAPIRequestError as err:
        guard.async_refused(err)
        raise refusal_error(err) from err
    except PushoverConnectionError as err:
        raise connection_error(err) from err


class Failure(StrEnum):
    """Why a check with Pushover failed."""

    TOKEN = "token"  # the application token was rejected
    LATER = "later"  # Pushover unreachable, or asking to try again later
    REFUSED = "refused"  # the value checked was refused
    UNKNOWN = "unknown"  # an odd answer, or an error nobody expected


def failure_of(err: Exception) -> Failure:
    """Classify what a failed check with Pushover raised (logging what is unexpected).

    Something answering in Pushover's place with what is not Pushover's answer
    (a captive portal, a proxy's login page: HTML with HTTP 200, or JSON
    without Pushover's fields) is a connection problem, as any
    ``PushoverConnectionError`` is.
    """
    if isinstance(err, PushoverAuthError):
        return Failure.TOKEN
    if isinstance(err, BadAPIRequestError):
        return Failure.LATER if err.ask_later else Failure.REFUSED
    if isinstance(err, PushoverValidationError):
        return Failure.REFUSED
    if isinstance(err, PushoverConnectionError):
        return Failure.LATER
    LOGGER.error("Unexpected answer or error from Pushover", exc_info=err)
    return Failure.UNKNOWN
