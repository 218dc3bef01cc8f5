"""Async client for the Pushover API, with the interface of ``pushover_complete``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime
import json
import mimetypes
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, cast
from urllib.parse import quote, urlencode, urlsplit
from weakref import WeakKeyDictionary

import aiohttp

from .errors import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .models import (
    CancelByTagResponse,
    GroupCreateResponse,
    GroupInfoResponse,
    GroupListResponse,
    LicenseResponse,
    Limits,
    LimitsResponse,
    MessageResponse,
    PushoverResponse,
    ReceiptResponse,
    SoundsResponse,
    SubscriptionResponse,
    ValidateResponse,
)
from .validation import (
    MAX_ATTACHMENT,
    MAX_GLANCE_TEXT,
    MAX_MEMO,
    OS_NAMES,
    check_key,
    check_length,
    check_message,
    join_devices,
    join_users,
)

PUSHOVER_API_URL = "https://api.pushover.net/1/"
MAX_IN_FLIGHT = 2
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

type Image = str | Path | bytes | bytearray | IO[bytes]
type Payload = Mapping[str, Any]

# Pushover counts concurrent connections per source, so one limit serves every
# client in this process (per event loop, per API host).
_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]]
_LIMITERS = WeakKeyDictionary()

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def request_limiter(host: str) -> asyncio.Semaphore:
    """The semaphore that bounds requests in flight to ``host`` from this loop."""
    per_loop = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    if host not in per_loop:
        per_loop[host] = asyncio.Semaphore(MAX_IN_FLIGHT)
    return per_loop[host]


def guess_content_type(data: bytes, filename: str | None) -> str:
    """Content type of an image from its first bytes, else from its name."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if filename and (guessed := mimetypes.guess_type(filename)[0]):
        return guessed
    return "application/octet-stream"


def _read_image(image: Image) -> tuple[bytes, str]:
    """Read an attachment (runs in an executor thread: it may touch the disk)."""
    if isinstance(image, bytes | bytearray):
        return bytes(image), "attachment"
    if isinstance(image, str | Path):
        path = Path(image)
        with path.open("rb") as file:
            data = file.read(MAX_ATTACHMENT + 1)
        return data, path.name
    data = image.read(MAX_ATTACHMENT + 1)
    name = getattr(image, "name", None)
    return data, Path(name).name if isinstance(name, str) else "attachment"


def _flag(value: bool | None) -> int | None:
    """Pushover wants ``1`` for on and nothing for off."""
    return 1 if value else None


def _timestamp(value: int | datetime | None) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


def _tags(tags: str | Iterable[str] | None) -> str | None:
    if tags is None:
        return None
    items = [tags] if isinstance(tags, str) else list(tags)
    joined = ",".join(tag.strip() for tag in items if tag and tag.strip())
    return joined or None


class PushoverAPI:
    """Async Pushover client offering the whole ``pushover_complete`` interface.

    Pass Home Assistant's shared ``aiohttp.ClientSession``; with none, the client
    makes one on first use and closes it in :meth:`close`.
    """

    def __init__(
        self,
        token: str,
        session: aiohttp.ClientSession | None = None,
        *,
        base_url: str = PUSHOVER_API_URL,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.token = token
        self.base_url = base_url if base_url.endswith("/") else f"{base_url}/"
        self._host = urlsplit(self.base_url).netloc
        self._session = session
        self._owns_session = session is None
        self._timeout = timeout
        self.limits: Limits | None = None

    def __repr__(self) -> str:
        return f"PushoverAPI(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this client made it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ transport

    def _get_session(
        self, session: aiohttp.ClientSession | None
    ) -> aiohttp.ClientSession:
        if session is not None:
            return session
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def _redact(self, text: str) -> str:
        return text.replace(self.token, "**REDACTED**") if self.token else text

    async def _request(
        self,
        method: str,
        endpoint: str,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        check_key("token", self.token)
        path = endpoint.format(url_parameter) if url_parameter is not None else endpoint
        url = self.base_url + path
        fields: dict[str, str] = {"token": self.token}
        for key, value in (payload or {}).items():
            if value is not None:
                fields[key] = str(value)
        http = self._get_session(session)
        kwargs: dict[str, Any] = {"timeout": self._timeout}
        if method == "GET":
            kwargs["params"] = fields
        elif files:
            form = aiohttp.FormData()
            for key, value in fields.items():
                form.add_field(key, value)
            for name, (filename, data, content_type) in files.items():
                form.add_field(name, data, filename=filename, content_type=content_type)
            kwargs["data"] = form
        else:
            kwargs["data"] = urlencode(fields)
            kwargs["headers"] = _FORM_HEADERS
        try:
            async with (
                request_limiter(self._host),
                http.request(method, url, **kwargs) as response,
            ):
                raw = await response.read()
                status = response.status
                headers = response.headers
        except TimeoutError:
            raise PushoverConnectionError(
                f"Timed out talking to Pushover ({path})"
            ) from None
        except aiohttp.ClientError as err:
            raise PushoverConnectionError(
                f"Cannot reach Pushover ({path}): "
                f"{self._redact(str(err)) or type(err).__name__}"
            ) from None
        return self._handle_response(path, status, headers, raw)

    def _handle_response(
        self, path: str, status: int, headers: Mapping[str, str], raw: bytes
    ) -> dict[str, Any]:
        limits = _parse_limits(headers)
        if limits is not None:
            self.limits = limits
        if status >= 500:
            raise PushoverConnectionError(
                f"Pushover answered HTTP {status} ({path})", http_status=status
            )
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if 200 <= status < 300:
                raise PushoverConnectionError(
                    f"Pushover answered HTTP {status} without JSON ({path})",
                    http_status=status,
                )
            if status >= 400:
                text = self._redact(raw.decode("utf-8", "replace").strip())[:200]
                self._raise_bad_request(status, {}, [text or f"HTTP {status}"], limits)
            raise PushoverConnectionError(
                f"Pushover answered HTTP {status} ({path})", http_status=status
            )
        if status >= 400 or body.get("status") != 1:
            self._raise_bad_request(status, body, _errors(body), limits)
        return body

    def _raise_bad_request(
        self,
        status: int,
        body: dict[str, Any],
        errors: list[str],
        limits: Limits | None,
    ) -> None:
        fields = {
            key: self._redact(str(value))
            for key, value in body.items()
            if key not in {"errors", "status", "request"}
        }
        errors = [self._redact(error) for error in errors]
        request = body.get("request")
        cls: type[BadAPIRequestError] = BadAPIRequestError
        if status == 429:
            cls = PushoverQuotaError
        elif any("application token is invalid" in e.lower() for e in errors) or (
            fields.get("token") == "invalid"
        ):
            cls = PushoverAuthError
        raise cls(
            status,
            errors,
            fields=fields,
            request=request if isinstance(request, str) else None,
            limits=limits,
            body={
                key: self._redact(value) if isinstance(value, str) else value
                for key, value in body.items()
            },
        )

    async def _generic_get(
        self,
        endpoint: str,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> dict[str, Any]:
        """GET ``endpoint`` (formatted with ``url_parameter``) with ``payload``."""
        return await self._request("GET", endpoint, url_parameter, payload, session)

    async def _generic_post(
        self,
        endpoint: str,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """POST ``payload`` to ``endpoint``; multipart when ``files`` is given."""
        return await self._request(
            "POST", endpoint, url_parameter, payload, session, files
        )

    # ------------------------------------------------------------------ messages

    async def _send_message(
        self,
        user: str | Iterable[str],
        message: str,
        device: str | Iterable[str] | None = None,
        title: str | None = None,
        url: str | None = None,
        url_title: str | None = None,
        image: Image | None = None,
        priority: int | None = None,
        retry: int | None = None,
        expire: int | None = None,
        callback_url: str | None = None,
        timestamp: int | datetime | None = None,
        sound: str | None = None,
        html: bool = False,
        ttl: int | None = None,
        session: aiohttp.ClientSession | None = None,
        *,
        monospace: bool = False,
        tags: str | Iterable[str] | None = None,
        attachment_type: str | None = None,
        encrypted: bool = False,
    ) -> MessageResponse:
        check_message(
            message=message,
            title=title,
            url=url,
            url_title=url_title,
            priority=priority,
            retry=retry,
            expire=expire,
            html=html,
            monospace=monospace,
            ttl=ttl,
            encrypted=encrypted,
        )
        payload: dict[str, Any] = {
            "user": join_users(user),
            "message": message,
            "device": join_devices(device),
            "title": title,
            "url": url,
            "url_title": url_title,
            "priority": priority,
            "retry": retry,
            "expire": expire,
            "callback": callback_url,
            "timestamp": _timestamp(timestamp),
            "sound": sound or None,
            "html": _flag(html),
            "monospace": _flag(monospace),
            "ttl": ttl,
            "tags": _tags(tags),
            "encrypted": _flag(encrypted),
        }
        files = None
        if image is not None:
            data, filename = await asyncio.get_running_loop().run_in_executor(
                None, _read_image, image
            )
            if len(data) > MAX_ATTACHMENT:
                raise PushoverValidationError(
                    "attachment", f"is larger than {MAX_ATTACHMENT} bytes"
                )
            content_type = attachment_type or guess_content_type(data, filename)
            files = {"attachment": (filename, data, content_type)}
        result = await self._generic_post(
            "messages.json", None, payload, session, files
        )
        return cast(MessageResponse, result)

    async def send_message(
        self,
        user: str | Iterable[str],
        message: str,
        device: str | Iterable[str] | None = None,
        title: str | None = None,
        url: str | None = None,
        url_title: str | None = None,
        image: Image | None = None,
        priority: int | None = None,
        retry: int | None = None,
        expire: int | None = None,
        callback_url: str | None = None,
        timestamp: int | datetime | None = None,
        sound: str | None = None,
        html: bool = False,
        ttl: int | None = None,
        *,
        monospace: bool = False,
        tags: str | Iterable[str] | None = None,
        attachment_type: str | None = None,
        encrypted: bool = False,
    ) -> MessageResponse:
        """Send a notification to one user or group key, or up to 50 user keys."""
        return await self._send_message(
            user,
            message,
            device,
            title,
            url,
            url_title,
            image,
            priority,
            retry,
            expire,
            callback_url,
            timestamp,
            sound,
            html,
            ttl,
            monospace=monospace,
            tags=tags,
            attachment_type=attachment_type,
            encrypted=encrypted,
        )

    async def send_messages(
        self, messages: Iterable[Mapping[str, Any]]
    ) -> list[MessageResponse]:
        """Send several messages in order, each given as ``send_message`` kwargs."""
        return [await self.send_message(**message) for message in messages]

    # ------------------------------------------------------------------ lookups

    async def get_sounds(self) -> dict[str, str]:
        """The application's sounds (built-in and custom): id → display name."""
        result = cast(SoundsResponse, await self._generic_get("sounds.json"))
        return dict(result["sounds"])

    async def validate(self, user: str, device: str | None = None) -> ValidateResponse:
        """Check a user or group key (and optionally one of its devices)."""
        payload = {"user": check_key("user", user), "device": join_devices(device)}
        result = await self._generic_post("users/validate.json", payload=payload)
        return cast(ValidateResponse, result)

    async def get_limits(self) -> LimitsResponse:
        """The account's monthly message limit, what remains and when it resets."""
        result = cast(LimitsResponse, await self._generic_get("apps/limits.json"))
        self.limits = Limits(
            int(result["limit"]), int(result["remaining"]), int(result["reset"])
        )
        return result

    # ------------------------------------------------------------------ receipts

    async def check_receipt(self, receipt: str) -> ReceiptResponse:
        """The state of an emergency notification's receipt."""
        result = await self._generic_get(
            "receipts/{}.json", check_key("receipt", receipt)
        )
        return cast(ReceiptResponse, result)

    async def cancel_receipt(self, receipt: str) -> PushoverResponse:
        """Stop the retries of one emergency notification."""
        result = await self._generic_post(
            "receipts/{}/cancel.json", check_key("receipt", receipt)
        )
        return cast(PushoverResponse, result)

    async def cancel_receipt_by_tag(self, tag: str) -> CancelByTagResponse:
        """Stop the retries of every emergency notification carrying ``tag``."""
        if not tag or not tag.strip():
            raise PushoverValidationError("tag", "cannot be blank")
        result = await self._generic_post(
            "receipts/cancel_by_tag/{}.json", quote(tag, safe="")
        )
        return cast(CancelByTagResponse, result)

    # ------------------------------------------------------------------ subscriptions

    async def _migrate_to_subscription(
        self,
        user: str,
        subscription_code: str,
        device: str | None = None,
        sound: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> SubscriptionResponse:
        if not subscription_code:
            raise PushoverValidationError("subscription", "cannot be blank")
        payload = {
            "user": check_key("user", user),
            "subscription": subscription_code,
            "device_name": join_devices(device),
            "sound": sound or None,
        }
        result = await self._generic_post(
            "subscriptions/migrate.json", payload=payload, session=session
        )
        return cast(SubscriptionResponse, result)

    async def migrate_to_subscription(
        self,
        user: str,
        subscription_code: str,
        device: str | None = None,
        sound: str | None = None,
    ) -> SubscriptionResponse:
        """Turn a user key into a subscribed user key of ``subscription_code``."""
        return await self._migrate_to_subscription(
            user, subscription_code, device, sound
        )

    async def migrate_multiple_to_subscription(
        self, users: Iterable[Mapping[str, Any]], subscription_code: str
    ) -> list[SubscriptionResponse]:
        """Migrate several users, each a dict with ``user`` and maybe ``device``/``sound``."""
        return [
            await self._migrate_to_subscription(
                user["user"], subscription_code, user.get("device"), user.get("sound")
            )
            for user in users
        ]

    # ------------------------------------------------------------------ groups

    async def group_create(self, name: str) -> GroupCreateResponse:
        """Create a delivery group; the answer's ``group`` is its key."""
        if not name or not name.strip():
            raise PushoverValidationError("name", "cannot be blank")
        result = await self._generic_post("groups.json", payload={"name": name})
        return cast(GroupCreateResponse, result)

    async def group_list(self) -> GroupListResponse:
        """The delivery groups of the application's account."""
        return cast(GroupListResponse, await self._generic_get("groups.json"))

    async def group_info(self, group_key: str) -> GroupInfoResponse:
        """A group's name and members."""
        result = await self._generic_get(
            "groups/{}.json", check_key("group_key", group_key)
        )
        return cast(GroupInfoResponse, result)

    async def _group_member_call(
        self,
        action: str,
        group_key: str,
        user: str,
        device: str | None,
        memo: str | None = None,
    ) -> PushoverResponse:
        check_length("memo", memo, MAX_MEMO)
        payload = {
            "user": check_key("user", user),
            "device": join_devices(device),
            "memo": memo,
        }
        result = await self._generic_post(
            f"groups/{{}}/{action}.json", check_key("group_key", group_key), payload
        )
        return cast(PushoverResponse, result)

    async def group_add_user(
        self,
        group_key: str,
        user: str,
        device: str | None = None,
        memo: str | None = None,
    ) -> PushoverResponse:
        """Add a user (optionally one device, with a memo) to a group."""
        return await self._group_member_call("add_user", group_key, user, device, memo)

    async def group_remove_user(
        self, group_key: str, user: str, device: str | None = None
    ) -> PushoverResponse:
        """Remove a user (or one of its devices) from a group."""
        return await self._group_member_call("remove_user", group_key, user, device)

    group_delete_user = group_remove_user

    async def group_disable_user(
        self, group_key: str, user: str, device: str | None = None
    ) -> PushoverResponse:
        """Stop sending to a member without removing it."""
        return await self._group_member_call("disable_user", group_key, user, device)

    async def group_enable_user(
        self, group_key: str, user: str, device: str | None = None
    ) -> PushoverResponse:
        """Send to a disabled member again."""
        return await self._group_member_call("enable_user", group_key, user, device)

    async def group_rename(self, group_key: str, new_name: str) -> PushoverResponse:
        """Rename a group."""
        if not new_name or not new_name.strip():
            raise PushoverValidationError("name", "cannot be blank")
        result = await self._generic_post(
            "groups/{}/rename.json",
            check_key("group_key", group_key),
            {"name": new_name},
        )
        return cast(PushoverResponse, result)

    # ------------------------------------------------------------------ licences

    async def assign_license(
        self, user_identifier: str, os: str | None = None
    ) -> LicenseResponse:
        """Spend a licence credit on a user key or an e-mail address."""
        if os is not None and os not in OS_NAMES:
            raise PushoverValidationError("os", f"must be one of {', '.join(OS_NAMES)}")
        payload: dict[str, Any] = {"os": os}
        if "@" in user_identifier:
            payload["email"] = user_identifier
        else:
            payload["user"] = check_key("user", user_identifier)
        result = await self._generic_post("licenses/assign.json", payload=payload)
        return cast(LicenseResponse, result)

    async def get_license_credits(self) -> LicenseResponse:
        """How many licence credits the account has left."""
        return cast(LicenseResponse, await self._generic_get("licenses.json"))

    # ------------------------------------------------------------------ glances

    async def send_glance(
        self,
        user: str,
        device: str | None = None,
        title: str | None = None,
        text: str | None = None,
        subtext: str | None = None,
        count: int | None = None,
        percent: int | None = None,
    ) -> PushoverResponse:
        """Update a user's glance widget (at least one data field)."""
        if all(value is None for value in (title, text, subtext, count, percent)):
            raise PushoverValidationError("glance", "needs at least one data field")
        for field, value in (("title", title), ("text", text), ("subtext", subtext)):
            check_length(field, value, MAX_GLANCE_TEXT)
        if percent is not None and not 0 <= percent <= 100:
            raise PushoverValidationError("percent", "must be between 0 and 100")
        payload = {
            "user": check_key("user", user),
            "device": join_devices(device),
            "title": title,
            "text": text,
            "subtext": subtext,
            "count": count,
            "percent": percent,
        }
        result = await self._generic_post("glances.json", payload=payload)
        return cast(PushoverResponse, result)


def _parse_limits(headers: Mapping[str, str]) -> Limits | None:
    try:
        return Limits(
            int(headers["X-Limit-App-Limit"]),
            int(headers["X-Limit-App-Remaining"]),
            int(headers["X-Limit-App-Reset"]),
        )
    except (KeyError, ValueError):
        return None


def _errors(body: Mapping[str, Any]) -> list[str]:
    """Pushover's ``errors``: usually a list, sometimes a dict of lists."""
    errors = body.get("errors")
    if isinstance(errors, list):
        return [str(error) for error in errors]
    if isinstance(errors, dict):
        flat: list[str] = []
        for key, value in errors.items():
            values = value if isinstance(value, list) else [value]
            flat.extend(f"{key} {item}" for item in values)
        return flat
    if isinstance(errors, str):
        return [errors]
    return []
