"""Read Pushover's HTTP answers: a bounded body, then the JSON or a typed error.

Errors name the endpoint template (``groups/{}.json``), never the formatted path,
and every text taken from an answer or from aiohttp passes through a
:class:`Redactor` first, so no token, key, receipt or secret reaches a message.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import re
from typing import Any

import aiohttp

from .errors import (
    BadAPIRequestError,
    PushoverAnswerTooLargeError,
    PushoverAuthError,
    PushoverCompleteError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverTwoFactorRequiredError,
)
from .models import FieldTypes, Limits

MAX_RESPONSE = 512 * 1024
REDACTED = "**REDACTED**"
_CHUNK = 16 * 1024
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>()]+")
_NOT_FIELDS = frozenset({"errors", "status", "request"})


class Redactor:
    """Replace given secrets in texts meant for an error message."""

    def __init__(self, *secrets: str | None) -> None:
        """Remember the non-empty secrets."""
        self._secrets = tuple(secret for secret in secrets if secret)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def json(self, value: Any) -> Any:
        """Return decoded JSON with every secret replaced in its strings."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        return value

    def transport(self, err: BaseException) -> str:
        """Describe an aiohttp error without any URL (paths and queries hold keys)."""
        text = self(_URL_RE.sub("<url>", str(err)))
        return f"{type(err).__name__}: {text}" if text else type(err).__name__


async def read_body(
    response: aiohttp.ClientResponse, *, name: str, max_size: int = MAX_RESPONSE
) -> bytes:
    """Read an answer in chunks, refusing one larger than ``max_size`` bytes."""
    length = response.content_length
    if length is not None:
        if length > max_size:
            raise _too_large(name, status=response.status, max_size=max_size)
        # aiohttp reads no more than the announced length.
        return await response.read()
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_size:
            raise _too_large(name, status=response.status, max_size=max_size)
    return bytes(body)


def _too_large(name: str, *, status: int, max_size: int) -> PushoverAnswerTooLargeError:
    return PushoverAnswerTooLargeError(
        f"Pushover's answer is larger than {max_size} bytes ({name})",
        http_status=status,
        max_size=max_size,
    )


def parse_limits(headers: Mapping[str, str]) -> Limits | None:
    """Return the ``X-Limit-App-*`` headers, when all three are integers."""
    try:
        return Limits(
            limit=int(headers["X-Limit-App-Limit"]),
            remaining=int(headers["X-Limit-App-Remaining"]),
            reset=int(headers["X-Limit-App-Reset"]),
        )
    except (KeyError, ValueError):
        return None


def parse_answer(
    name: str,
    *,
    status: int,
    raw: bytes,
    limits: Limits | None,
    redact: Redactor,
) -> dict[str, Any]:
    """Return the JSON object of a successful answer, else raise the typed error."""
    if status >= 500:
        raise PushoverConnectionError(
            f"Pushover answered HTTP {status} ({name})", http_status=status
        )
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _not_json(name, status=status, raw=raw, limits=limits, redact=redact)
    if status >= 400 or body.get("status") != 1:
        raise bad_request(status, body, limits=limits, redact=redact)
    return body


def _not_json(
    name: str,
    *,
    status: int,
    raw: bytes,
    limits: Limits | None,
    redact: Redactor,
) -> PushoverCompleteError:
    if 200 <= status < 300:
        return PushoverConnectionError(
            f"Pushover answered HTTP {status} without JSON ({name})",
            http_status=status,
        )
    if status >= 400:
        text = redact(raw.decode("utf-8", "replace").strip())[:200]
        return bad_request(
            status,
            {"errors": [text or f"HTTP {status}"]},
            limits=limits,
            redact=redact,
        )
    return PushoverConnectionError(
        f"Pushover answered HTTP {status} ({name})", http_status=status
    )


def bad_request(
    status: int, body: dict[str, Any], *, limits: Limits | None, redact: Redactor
) -> BadAPIRequestError:
    """Build the error for a refusal: status, errors, per-field reasons, request."""
    errors = [redact(error) for error in _errors(body)]
    fields = _fields(body, redact)
    request = body.get("request")
    cls = _error_class(status, errors=errors, fields=fields)
    return cls(
        status,
        errors,
        fields=fields,
        request=request if isinstance(request, str) else None,
        limits=limits,
        body=redact.json(body),
    )


def _error_class(
    status: int, *, errors: list[str], fields: Mapping[str, str]
) -> type[BadAPIRequestError]:
    if status == 429:
        return PushoverQuotaError
    if status == 412:
        return PushoverTwoFactorRequiredError
    if fields.get("token") == "invalid" or any(
        "application token is invalid" in error.lower() for error in errors
    ):
        return PushoverAuthError
    return BadAPIRequestError


def _errors(body: Mapping[str, Any]) -> list[str]:
    """Return Pushover's ``errors``: usually a list, sometimes a dict of lists."""
    errors = body.get("errors")
    if isinstance(errors, list):
        return [str(error) for error in errors]
    if isinstance(errors, dict):
        return [
            f"{key} {reason}"
            for key, value in errors.items()
            for reason in _reasons(value)
        ]
    if isinstance(errors, str):
        return [errors]
    return []


def _fields(body: Mapping[str, Any], redact: Redactor) -> dict[str, str]:
    """Return the per-field reasons, from the body's keys and an ``errors`` object."""
    fields = {
        str(key): redact(str(value))
        for key, value in body.items()
        if key not in _NOT_FIELDS
    }
    errors = body.get("errors")
    if isinstance(errors, dict):
        for key, value in errors.items():
            fields.setdefault(str(key), redact("; ".join(_reasons(value))))
    return fields


def _reasons(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def check_answer(name: str, body: Mapping[str, Any], *, required: FieldTypes) -> None:
    """Refuse an answer without the fields a caller reads (Pushover is not itself)."""
    missing = [
        field
        for field, types in required.items()
        if field not in body or not isinstance(body[field], types)
    ]
    if missing:
        raise PushoverConnectionError(
            f"Pushover's answer lacks {', '.join(missing)} ({name})",
            http_status=200,
        )
