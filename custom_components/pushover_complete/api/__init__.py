"""Async Pushover client: the ``pushover_complete`` interface on aiohttp.

No Home Assistant import lives in this package. Callers use the names exported
here, never the submodules:

- ``client``: :class:`PushoverAPI`, an application's calls (send, receipts,
  groups, subscriptions, licenses, glances, limits);
- ``open_client``: :class:`OpenClient`, this program as a Pushover device
  (login, registration, download, deletion, acknowledgement, push websocket);
- ``transport``: the session, the limit of requests in flight, one request;
- ``response``: reading and checking answers; ``errors``: the exceptions;
- ``attachment``: reading an image off the event loop, sniffing its type;
- ``validation``: checks made before sending; ``models``: typed answers;
- ``push``: the push websocket's frames.
"""

from .attachment import guess_content_type
from .client import PushoverAPI
from .errors import (
    BadAPIRequestError,
    PushoverAnswerTooLargeError,
    PushoverAuthError,
    PushoverCompleteError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverTwoFactorRequiredError,
    PushoverValidationError,
)
from .models import (
    CancelByTagResponse,
    GroupCreateResponse,
    GroupInfoResponse,
    GroupListResponse,
    GroupMember,
    GroupSummary,
    LicenseResponse,
    Limits,
    LimitsResponse,
    LoginResponse,
    MessageResponse,
    PushFrame,
    PushoverResponse,
    ReceiptResponse,
    ReceivedMessage,
    SoundsResponse,
    SubscriptionResponse,
    ValidateResponse,
)
from .open_client import MAX_DOWNLOAD, OpenClient
from .push import MAX_PUSH_FRAME, PUSHOVER_PUSH_URL, PushConnection
from .response import MAX_RESPONSE
from .transport import DEFAULT_TIMEOUT, MAX_IN_FLIGHT, PUSHOVER_API_URL, request_limiter
from .validation import (
    DEVICE_RE,
    KEY_RE,
    MAX_ATTACHMENT,
    MAX_EXPIRE,
    MAX_MESSAGE,
    MAX_TITLE,
    MAX_URL,
    MAX_URL_TITLE,
    MAX_USERS,
    MIN_RETRY,
    OS_NAMES,
    check_key,
    check_message,
    check_text,
    check_timestamp,
    join_devices,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEVICE_RE",
    "KEY_RE",
    "MAX_ATTACHMENT",
    "MAX_DOWNLOAD",
    "MAX_EXPIRE",
    "MAX_IN_FLIGHT",
    "MAX_MESSAGE",
    "MAX_PUSH_FRAME",
    "MAX_RESPONSE",
    "MAX_TITLE",
    "MAX_URL",
    "MAX_URL_TITLE",
    "MAX_USERS",
    "MIN_RETRY",
    "OS_NAMES",
    "PUSHOVER_API_URL",
    "PUSHOVER_PUSH_URL",
    "BadAPIRequestError",
    "CancelByTagResponse",
    "GroupCreateResponse",
    "GroupInfoResponse",
    "GroupListResponse",
    "GroupMember",
    "GroupSummary",
    "LicenseResponse",
    "Limits",
    "LimitsResponse",
    "LoginResponse",
    "MessageResponse",
    "OpenClient",
    "PushConnection",
    "PushFrame",
    "PushoverAPI",
    "PushoverAnswerTooLargeError",
    "PushoverAuthError",
    "PushoverCompleteError",
    "PushoverConnectionError",
    "PushoverQuotaError",
    "PushoverResponse",
    "PushoverTwoFactorRequiredError",
    "PushoverValidationError",
    "ReceiptResponse",
    "ReceivedMessage",
    "SoundsResponse",
    "SubscriptionResponse",
    "ValidateResponse",
    "check_key",
    "check_message",
    "check_text",
    "check_timestamp",
    "guess_content_type",
    "join_devices",
    "request_limiter",
]
