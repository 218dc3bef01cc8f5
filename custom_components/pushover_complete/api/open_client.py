"""Pushover's Open Client: a program acting as a Pushover device of a user.

:class:`OpenClient` logs in to a user's account, registers a device, downloads
and deletes the messages waiting for it, acknowledges emergencies as it, and
opens the push websocket that announces new messages. None of these calls
carries an application token: the session ``secret`` of a login is the
credential, redacted from every error. They share the session rules and the
limit of requests in flight with :class:`~.client.PushoverAPI`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final, cast

import aiohttp

from .errors import PushoverValidationError
from .models import LoginResponse, PushoverResponse, ReceivedMessage
from .push import PushConnection, open_push, push_url_for
from .transport import DEFAULT_TIMEOUT, ClientBase
from .validation import (
    DEVICE_ID_RE,
    DEVICE_RE,
    SECRET_RE,
    check_blank,
    check_key,
    check_pattern,
)

# Pushover documents no paging for ``messages.json``: one download answers every
# message waiting for the device, and a message waits up to 21 days. A message
# is at most 1,024 + 250 + 512 + 100 characters of text plus ~400 bytes of
# other fields, about 2.5 KB as JSON for plain text; 32 MiB holds more than
# 10,000 such full-length messages, a month of a free account's whole quota.
# The other answers stay under MAX_RESPONSE (512 KiB).
MAX_DOWNLOAD: Final = 32 * 1024 * 1024
# Such a download may outlast an ordinary answer's time: it may take up to
# DOWNLOAD_TIME (MAX_DOWNLOAD at 55 KB/s) while data keeps coming, each pause no
# longer than an ordinary answer may take in all.
DOWNLOAD_TIME: Final = 600.0


class OpenClient(ClientBase):
    """This program as a Pushover device (Pushover's Open Client API)."""

    @property
    def push_url(self) -> str:
        """Return the push websocket's URL for this base URL."""
        return push_url_for(self.base_url)

    async def login(
        self, email: str, password: str, *, twofa: str | None = None
    ) -> LoginResponse:
        """Log in to a user's account for its key and a new session secret.

        Raises ``PushoverTwoFactorRequiredError`` (HTTP 412) when the account
        needs a two-factor code: call again with ``twofa``.
        """
        payload = {
            "email": check_blank("email", email),
            "password": check_blank("password", password),
            "twofa": None if twofa is None else check_blank("twofa", twofa),
        }
        result = await self._request(
            "POST", "users/login.json", payload=payload, secrets=(password, twofa)
        )
        request = result.get("request")
        return LoginResponse(
            id=result["id"],
            secret=result["secret"],
            request=request if isinstance(request, str) else None,
        )

    async def register_device(self, secret: str, name: str) -> str:
        """Register an Open Client device (``os=O``) called ``name``; return its id."""
        payload = {
            "secret": check_pattern("secret", secret, pattern=SECRET_RE),
            "name": check_pattern("name", name, pattern=DEVICE_RE),
            "os": "O",
        }
        result = await self._request(
            "POST", "devices.json", payload=payload, secrets=(secret,)
        )
        return cast(str, result["id"])

    async def download_messages(
        self, secret: str, device_id: str
    ) -> list[ReceivedMessage]:
        """Return the messages waiting for a device, oldest first, each id once.

        A message without a usable id is left out: it cannot be ordered or
        deleted (deleting a later id removes it at Pushover). An answer larger
        than ``MAX_DOWNLOAD`` raises ``PushoverAnswerTooLargeError``.
        """
        payload = {
            "secret": check_pattern("secret", secret, pattern=SECRET_RE),
            "device_id": check_pattern("device_id", device_id, pattern=DEVICE_ID_RE),
        }
        result = await self._request(
            "GET",
            "messages.json",
            payload=payload,
            secrets=(secret,),
            max_size=MAX_DOWNLOAD,
            time_limits=aiohttp.ClientTimeout(
                total=DOWNLOAD_TIME,
                connect=self._timeout.connect,
                sock_read=self._timeout.total,
            ),
        )
        by_id: dict[int, ReceivedMessage] = {}
        for item in result["messages"]:
            message = received_message(item)
            if message is not None:
                by_id.setdefault(message["id"], message)
        return [by_id[message_id] for message_id in sorted(by_id)]

    async def delete_messages(
        self, secret: str, device_id: str, *, highest_id: int
    ) -> PushoverResponse:
        """Delete a device's messages up to and including ``highest_id``."""
        if isinstance(highest_id, bool) or not isinstance(highest_id, int):
            raise PushoverValidationError("message", "must be a message id")
        if highest_id < 0:
            raise PushoverValidationError("message", "must be a message id")
        check_pattern("device_id", device_id, pattern=DEVICE_ID_RE)
        payload = {
            "secret": check_pattern("secret", secret, pattern=SECRET_RE),
            "message": highest_id,
        }
        result = await self._request(
            "POST",
            "devices/{}/update_highest_message.json",
            url_parameter=device_id,
            payload=payload,
            secrets=(secret, device_id),
        )
        return cast(PushoverResponse, result)

    async def acknowledge_receipt(self, receipt: str, secret: str) -> PushoverResponse:
        """Acknowledge an emergency notification as the device of ``secret``."""
        result = await self._request(
            "POST",
            "receipts/{}/acknowledge.json",
            url_parameter=check_key("receipt", receipt),
            payload={"secret": check_pattern("secret", secret, pattern=SECRET_RE)},
            secrets=(secret, receipt),
        )
        return cast(PushoverResponse, result)

    @asynccontextmanager
    async def push_connection(
        self, device_id: str, secret: str, *, silence_timeout: float | None = None
    ) -> AsyncIterator[PushConnection]:
        """Open the push websocket for a device and yield its frames.

        ``async for frame in frames`` yields ``PushFrame`` s; an unknown or
        oversized frame, a close, a failure, or no frame for ``silence_timeout``
        seconds raises ``PushoverConnectionError``.
        """
        login = (
            check_pattern("device_id", device_id, pattern=DEVICE_ID_RE),
            check_pattern("secret", secret, pattern=SECRET_RE),
        )
        async with open_push(
            self._get_session(),
            url=self.push_url,
            login=login,
            connect_timeout=self._timeout.total or DEFAULT_TIMEOUT.total or 30,
            silence_timeout=silence_timeout,
        ) as frames:
            yield frames


def received_message(item: Any) -> ReceivedMessage | None:
    """Return a downloaded message with every field typed, or None without an id."""
    if not isinstance(item, dict):
        return None
    message_id = _int(item.get("id_str")) or _int(item.get("id"))
    if message_id is None:
        return None
    return {
        "id": message_id,
        "umid": _int(item.get("umid_str")) or _int(item.get("umid")),
        "title": _str(item.get("title")),
        "message": _str(item.get("message")),
        "app": _str(item.get("app")),
        "aid": _int(item.get("aid_str")) or _int(item.get("aid")),
        "icon": _str(item.get("icon")),
        "date": _int(item.get("date")),
        "priority": _int(item.get("priority")) or 0,
        "sound": _str(item.get("sound")),
        "url": _str(item.get("url")),
        "url_title": _str(item.get("url_title")),
        "html": bool(_int(item.get("html"))),
        "acked": bool(_int(item.get("acked"))),
        "receipt": _str(item.get("receipt")),
    }


def _int(value: Any) -> int | None:
    """Return an integer (or a string of digits) as an int, anything else as None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _str(value: Any) -> str | None:
    """Return a non-empty string, anything else as None."""
    return value if isinstance(value, str) and value else None
