"""Errors raised by the Pushover client."""

from __future__ import annotations

from typing import Any

from .models import Limits


class PushoverCompleteError(Exception):
    """Base class of every error raised by this client."""


class PushoverConnectionError(PushoverCompleteError):
    """Pushover could not be reached or answered with a server error.

    Raised for network failures, timeouts, HTTP 5xx (whatever the body) and
    2xx answers whose body is not JSON. Retrying later is allowed.
    """

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class PushoverAnswerTooLargeError(PushoverConnectionError):
    """Pushover's answer was larger than the client reads (``max_size`` bytes).

    Nothing of it was used. Asking again helps only once Pushover has less to say.
    """

    def __init__(
        self, message: str, *, http_status: int | None = None, max_size: int
    ) -> None:
        super().__init__(message, http_status=http_status)
        self.max_size = max_size


_LATER_STATUS = frozenset({408, 429})


class BadAPIRequestError(PushoverCompleteError):
    """Pushover refused the request (HTTP 4xx, or a 200 whose status is not 1).

    Never repeat the same request.
    """

    def __init__(
        self,
        http_status: int,
        errors: list[str],
        *,
        fields: dict[str, str] | None = None,
        request: str | None = None,
        limits: Limits | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        self.http_status = http_status
        self.errors = errors or [f"HTTP {http_status}"]
        self.fields = fields or {}
        self.request = request
        self.limits = limits
        self.body = body or {}
        super().__init__("; ".join(self.errors))

    @property
    def ask_later(self) -> bool:
        """Tell whether the refusal means "ask again later" (HTTP 408 or 429)."""
        return self.http_status in _LATER_STATUS


class PushoverQuotaError(BadAPIRequestError):
    """HTTP 429: the monthly message quota is used up."""

    @property
    def reset(self) -> int | None:
        """Return the Unix time at which the quota resets, when Pushover said."""
        return self.limits.reset if self.limits else None


class PushoverAuthError(BadAPIRequestError):
    """Pushover rejected the application token."""


class PushoverTwoFactorRequiredError(BadAPIRequestError):
    """HTTP 412 on login: repeat it with the current two-factor code."""


class PushoverValidationError(PushoverCompleteError, ValueError):
    """Refused before sending: an argument Pushover would reject."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")
