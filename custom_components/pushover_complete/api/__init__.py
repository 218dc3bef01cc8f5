"""Async Pushover client: the ``pushover_complete`` interface on aiohttp.

No Home Assistant import lives in this package.
"""

from .client import MAX_IN_FLIGHT, PUSHOVER_API_URL, PushoverAPI, request_limiter
from .errors import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverCompleteError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .models import (
    CancelByTagResponse,
    GroupCreateResponse,
    GroupInfoResponse,
    GroupListResponse,
    GroupMember,
    LicenseResponse,
    Limits,
    LimitsResponse,
    MessageResponse,
    PushoverResponse,
    ReceiptResponse,
    SubscriptionResponse,
    ValidateResponse,
)

__all__ = [
    "MAX_IN_FLIGHT",
    "PUSHOVER_API_URL",
    "BadAPIRequestError",
    "CancelByTagResponse",
    "GroupCreateResponse",
    "GroupInfoResponse",
    "GroupListResponse",
    "GroupMember",
    "LicenseResponse",
    "Limits",
    "LimitsResponse",
    "MessageResponse",
    "PushoverAPI",
    "PushoverAuthError",
    "PushoverCompleteError",
    "PushoverConnectionError",
    "PushoverQuotaError",
    "PushoverResponse",
    "PushoverValidationError",
    "ReceiptResponse",
    "SubscriptionResponse",
    "ValidateResponse",
    "request_limiter",
]
