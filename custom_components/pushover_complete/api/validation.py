"""Checks made before anything is sent, mirroring Pushover's own rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
import re

from .errors import PushoverValidationError

KEY_RE = re.compile(r"^[A-Za-z0-9]{30}$")
DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{1,25}$")
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9]{1,100}$")
# Printable ASCII without ":" (the push login frame is "login:<device>:<secret>").
SECRET_RE = re.compile(r"^[!-9;-~]{1,200}$")
CONTENT_TYPE_RE = re.compile(r"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$")

MAX_MESSAGE = 1024
MAX_TITLE = 250
MAX_URL = 512
MAX_URL_TITLE = 100
MAX_ATTACHMENT = 5_242_880
MAX_USERS = 50
MAX_MEMO = 200
MAX_GLANCE_TEXT = 100
MIN_RETRY = 30
MAX_EXPIRE = 10800
PRIORITIES = range(-2, 3)
OS_NAMES = ("Android", "iOS", "Desktop")


def check_text(field: str, value: str) -> str:
    """Refuse text that cannot be encoded as UTF-8 (a lone surrogate, say)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PushoverValidationError(
            field, "contains characters that cannot be encoded as UTF-8"
        ) from None
    return value


def check_pattern(field: str, value: str, *, pattern: re.Pattern[str]) -> str:
    """Refuse a value that is not a string matching ``pattern`` (never shown)."""
    if not isinstance(value, str) or not pattern.match(value):
        raise PushoverValidationError(field, "is not in the expected format")
    return value


def check_blank(field: str, value: str | None) -> str:
    """Refuse a missing or blank string."""
    if not isinstance(value, str) or not value.strip():
        raise PushoverValidationError(field, "cannot be blank")
    return check_text(field, value)


def check_timestamp(value: int | datetime | None) -> int | None:
    """Turn a timestamp into Unix seconds, refusing one before 1970."""
    if value is None:
        return None
    if isinstance(value, datetime):
        try:
            value = int(value.timestamp())
        except (OverflowError, OSError, ValueError):
            raise PushoverValidationError("timestamp", "is out of range") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PushoverValidationError("timestamp", "must be Unix seconds")
    if value < 0:
        raise PushoverValidationError("timestamp", "cannot be before 1970")
    return value


def check_key(field: str, value: str) -> str:
    """Refuse anything that is not a 30-character Pushover key."""
    if not isinstance(value, str) or not KEY_RE.match(value):
        raise PushoverValidationError(field, "must be 30 letters and digits")
    return value


def join_users(user: str | Iterable[str]) -> str:
    """Check one key or several and join them as Pushover expects."""
    users = [user] if isinstance(user, str) else list(user)
    if not users:
        raise PushoverValidationError("user", "cannot be empty")
    if len(users) > MAX_USERS:
        raise PushoverValidationError("user", f"at most {MAX_USERS} users per message")
    for key in users:
        check_key("user", key)
    return ",".join(users)


def join_devices(device: str | Iterable[str] | None) -> str | None:
    """Check device names and join several with commas."""
    if device is None:
        return None
    names = device.split(",") if isinstance(device, str) else list(device)
    names = [name.strip() for name in names if name and name.strip()]
    if not names:
        return None
    for name in names:
        if not DEVICE_RE.match(name):
            raise PushoverValidationError(
                "device", f"{name[:30]!r} is not a valid device name"
            )
    return ",".join(names)


def check_length(field: str, value: str | None, *, limit: int) -> None:
    """Refuse text longer than Pushover takes (counted in code points)."""
    if value is not None and len(value) > limit:
        raise PushoverValidationError(field, f"is longer than {limit} characters")


def check_numbers(**values: object) -> None:
    """Refuse a value that is not a number (``None`` passes, a bool does not)."""
    for field, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PushoverValidationError(field, "must be a number")


def check_priority(
    priority: int | None, *, retry: int | None, expire: int | None
) -> None:
    """Check priority and the emergency fields that go with it."""
    check_numbers(priority=priority, retry=retry, expire=expire)
    if priority is not None and priority not in PRIORITIES:
        raise PushoverValidationError("priority", "must be between -2 and 2")
    if priority == 2:
        if retry is None:
            raise PushoverValidationError("retry", "is required with priority 2")
        if expire is None:
            raise PushoverValidationError("expire", "is required with priority 2")
    if retry is not None and retry < MIN_RETRY:
        raise PushoverValidationError("retry", f"must be at least {MIN_RETRY} seconds")
    if expire is not None and not 0 < expire <= MAX_EXPIRE:
        raise PushoverValidationError(
            "expire", f"must be between 1 and {MAX_EXPIRE} seconds"
        )


def check_message(
    *,
    message: str,
    title: str | None = None,
    url: str | None = None,
    url_title: str | None = None,
    priority: int | None = None,
    retry: int | None = None,
    expire: int | None = None,
    html: bool = False,
    monospace: bool = False,
    ttl: int | None = None,
    encrypted: bool = False,
) -> None:
    """Every check ``messages.json`` makes that needs no network."""
    if not message or not str(message).strip():
        raise PushoverValidationError("message", "cannot be blank")
    texts = {"message": message, "title": title, "url": url, "url_title": url_title}
    for field, value in texts.items():
        if isinstance(value, str):
            check_text(field, value)
    if not encrypted:
        check_length("message", message, limit=MAX_MESSAGE)
        check_length("title", title, limit=MAX_TITLE)
        check_length("url", url, limit=MAX_URL)
        check_length("url_title", url_title, limit=MAX_URL_TITLE)
    check_priority(priority, retry=retry, expire=expire)
    if html and monospace:
        raise PushoverValidationError("html", "cannot be used with monospace")
    check_numbers(ttl=ttl)
    if ttl is not None and ttl <= 0:
        raise PushoverValidationError("ttl", "must be a positive number of seconds")
