"""One HTTP exchange with Pushover: the session, the shared limit, the checked answer.

:class:`ClientBase` is what :class:`~.client.PushoverAPI` (an application's
calls) and :class:`~.open_client.OpenClient` (a device's calls) share: where
Pushover is, the session (Home Assistant's, or one made and closed here), the
limit of requests in flight per host, and :meth:`ClientBase._request`, which
sends one request and returns its checked JSON body or raises a typed error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode, urlsplit
from weakref import WeakKeyDictionary

import aiohttp

from .errors import PushoverConnectionError
from .models import REQUIRED_FIELDS, Limits
from .response import (
    MAX_RESPONSE,
    Redactor,
    check_answer,
    parse_answer,
    parse_limits,
    read_body,
)
from .validation import check_text

PUSHOVER_API_URL = "https://api.pushover.net/1/"
MAX_IN_FLIGHT = 2
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

type Payload = Mapping[str, Any]
type Files = Mapping[str, tuple[str, bytes, str]]

# Pushover counts concurrent connections per source, so one limit serves every
# client in this process (per event loop, per API host).
_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]]
_LIMITERS = WeakKeyDictionary()


def request_limiter(host: str) -> asyncio.Semaphore:
    """Return the semaphore that bounds requests in flight to ``host``."""
    per_loop = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    if host not in per_loop:
        per_loop[host] = asyncio.Semaphore(MAX_IN_FLIGHT)
    return per_loop[host]


def form_fields(payload: Payload | None) -> dict[str, str]:
    """Return the payload as form fields: ``None`` dropped, text checked."""
    return {
        key: check_text(key, str(value))
        for key, value in (payload or {}).items()
        if value is not None
    }


def _request_kwargs(
    method: str, fields: dict[str, str], *, files: Files | None
) -> dict[str, Any]:
    """Return how the fields travel: query string, form body or multipart."""
    if method == "GET":
        return {"params": fields}
    if not files:
        return {"data": urlencode(fields), "headers": _FORM_HEADERS}
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    for name, (filename, data, content_type) in files.items():
        form.add_field(name, data, filename=filename, content_type=content_type)
    return {"data": form}


class ClientBase:
    """Where Pushover is, the session to reach it, and one checked request.

    Pass Home Assistant's shared ``aiohttp.ClientSession``; with none, the client
    makes one on first use and closes it in :meth:`close`.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        base_url: str = PUSHOVER_API_URL,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        """Remember the session and where Pushover is."""
        self.base_url = base_url if base_url.endswith("/") else f"{base_url}/"
        self._host = urlsplit(self.base_url).netloc
        self._session = session
        self._owns_session = session is None
        self._timeout = timeout
        self.limits: Limits | None = None

    def __repr__(self) -> str:
        """Show where the client talks to, never a credential."""
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        """Return the client."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session if this client made it."""
        await self.close()

    async def close(self) -> None:
        """Close the session if this client made it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(
        self, session: aiohttp.ClientSession | None = None
    ) -> aiohttp.ClientSession:
        """Return the session to use, making the client's own when needed."""
        if session is not None:
            return session
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _request(
        self,
        method: str,
        endpoint: str,
        *,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
        files: Files | None = None,
        secrets: Iterable[str | None] = (),
        max_size: int = MAX_RESPONSE,
        time_limits: aiohttp.ClientTimeout | None = None,
    ) -> dict[str, Any]:
        """Send one request and return its checked JSON body.

        Errors name ``endpoint`` (the template), never the formatted path;
        ``secrets`` are redacted from their texts. An answer over ``max_size``
        bytes is refused unread. ``time_limits`` replace the client's for this one.
        """
        fields = form_fields(payload)
        path = endpoint
        if url_parameter is not None:
            path = endpoint.format(check_text("url_parameter", url_parameter))
        redact = Redactor(*secrets)
        async with (
            request_limiter(self._host),
            _named_failures(endpoint, redact),
            self._get_session(session).request(
                method,
                self.base_url + path,
                timeout=time_limits or self._timeout,
                **_request_kwargs(method, fields, files=files),
            ) as response,
        ):
            status, headers = response.status, response.headers
            raw = await read_body(response, name=endpoint, max_size=max_size)
        limits = parse_limits(headers)
        if limits is not None:
            self.limits = limits
        body = parse_answer(
            endpoint, status=status, raw=raw, limits=limits, redact=redact
        )
        check_answer(
            endpoint, body, required=REQUIRED_FIELDS.get((method, endpoint), {})
        )
        return body


@asynccontextmanager
async def _named_failures(name: str, redact: Redactor) -> AsyncIterator[None]:
    """Turn transport failures into ``PushoverConnectionError`` s naming the call."""
    try:
        yield
    except TimeoutError:
        raise PushoverConnectionError(
            f"Timed out talking to Pushover ({name})"
        ) from None
    except aiohttp.ClientError as err:
        raise PushoverConnectionError(
            f"Cannot reach Pushover ({name}): {redact.transport(err)}"
        ) from None
