"""The checks of a messages.json send, each answering Pushover's real 4xx body.

Format (html vs monospace), priority, emergency `retry`/`expire`, `timestamp` and
`ttl`, field lengths, the attachment and the account's monthly quota. Recipients
and sounds need the state and are checked by the handler (`api_messages.py`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .model import Account
from .params import int_param
from .responses import ApiError, field_error

MAX_ATTACHMENT = 5_242_880
FIELD_LIMITS = {"message": 1024, "title": 250, "url": 512, "url_title": 100}
MIN_RETRY = 30
MAX_EXPIRE = 10800


def check_format(params: dict[str, Any]) -> None:
    """Refuse html and monospace together."""
    if params.get("html") == "1" and params.get("monospace") == "1":
        raise ApiError(
            ["html and monospace are mutually exclusive"],
            {
                "html": "cannot be set with monospace",
                "monospace": "cannot be set with html",
            },
        )


def priority(params: dict[str, Any]) -> int:
    """Return the priority, -2 to 2 (0 when absent)."""
    try:
        value = int_param(params, "priority") or 0
    except ApiError:
        value = 99
    if value not in range(-2, 3):
        raise ApiError(
            ["priority is invalid"],
            {"priority": "is invalid, can only be -2, -1, 0, 1, or 2"},
        )
    return value


def emergency_timing(params: dict[str, Any]) -> tuple[int, int]:
    """Return an emergency message's `retry` and `expire`, both required."""
    for name in ("retry", "expire"):
        if not params.get(name, "").strip():
            raise field_error(
                name,
                "must be supplied with priority=2",
                f"{name} must be supplied with priority=2",
            )
    retry = int_param(params, "retry") or 0
    expire = int_param(params, "expire") or 0
    if retry < MIN_RETRY:
        raise ApiError(
            ["retry is invalid"],
            {"retry": "is too small, must be at least 30 seconds"},
        )
    if expire > MAX_EXPIRE:
        raise ApiError(
            ["expire is invalid"],
            {"expire": "is too large, must be at most 10800 seconds"},
        )
    if expire <= 0:
        raise ApiError(
            ["expire is invalid"], {"expire": "is too small, must be at least 1 second"}
        )
    return retry, expire


def check_schedule(params: dict[str, Any]) -> None:
    """Refuse a non-integer `timestamp` and a non-positive `ttl`."""
    int_param(params, "timestamp")
    ttl = int_param(params, "ttl")
    if ttl is not None and ttl <= 0:
        raise field_error("ttl", "must be a positive integer")


def check_lengths(params: dict[str, Any]) -> None:
    """Refuse over-long text fields (not checked for encrypted messages)."""
    if params.get("encrypted") == "1":
        return
    for name, limit in FIELD_LIMITS.items():
        if len(params.get(name, "")) > limit:
            raise field_error(
                name,
                f"is too long, must be at most {limit} characters",
                f"{name} is too long, must be at most {limit} characters",
            )


def attachment(params: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """Return the attachment (multipart part or base64) and its content type."""
    data: bytes | None = params["_attachment"]
    content_type: str | None = params["_content_type"]
    if data is None and params.get("attachment_base64"):
        try:
            data = base64.b64decode(params["attachment_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise field_error("attachment_base64", "is invalid") from None
    if data is not None and params.get("attachment_type"):
        content_type = params["attachment_type"]
    if data is not None and len(data) > MAX_ATTACHMENT:
        raise field_error(
            "attachment",
            f"is too large, must be at most {MAX_ATTACHMENT} bytes",
            f"attachment is too large, must be at most {MAX_ATTACHMENT} bytes",
        )
    return data, content_type


def quota_exceeded(acc: Account) -> ApiError:
    """Return the 429 refusal of an account whose monthly messages are used up."""
    return ApiError(
        [f"application has exceeded current limit of {acc.limit} messages"],
        {"token": "invalid"},
        status=429,
    )


def charge(acc: Account, count: int) -> None:
    """Take one message per recipient from the account, or answer 429."""
    if acc.remaining < count:
        raise quota_exceeded(acc)
    acc.remaining -= count
