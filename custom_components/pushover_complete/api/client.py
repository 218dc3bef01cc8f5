"""Async client for the Pushover API, with the interface of ``pushover_complete``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
import mimetypes
import os
from pathlib import Path
import stat
from types import TracebackType
from typing import IO, Any, Self, cast
from urllib.parse import quote, urlencode, urlsplit
from weakref import WeakKeyDictionary

import aiohttp

from .errors import PushoverConnectionError, PushoverValidationError
from .models import (
    EMERGENCY_FIELDS,
    REQUIRED_FIELDS,
    CancelByTagResponse,
    GroupCreateResponse,
    GroupInfoResponse,
    GroupListResponse,
    LicenseResponse,
    Limits,
    LimitsResponse,
    LoginResponse,
    MessageResponse,
    PushoverResponse,
    ReceiptResponse,
    ReceivedMessage,
    SoundsResponse,
    SubscriptionResponse,
    ValidateResponse,
)
from .push import PushConnection, open_push, push_url_for
from .response import (
    Redactor,
    check_answer,
    parse_answer,
    parse_limits,
    read_body,
)
from .validation import (
    CONTENT_TYPE_RE,
    DEVICE_ID_RE,
    DEVICE_RE,
    MAX_ATTACHMENT,
    MAX_GLANCE_TEXT,
    MAX_MEMO,
    OS_NAMES,
    SECRET_RE,
    check_blank,
    check_key,
    check_length,
    check_message,
    check_numbers,
    check_pattern,
    check_text,
    check_timestamp,
    join_devices,
    join_users,
)

PUSHOVER_API_URL = "https://api.pushover.net/1/"
MAX_IN_FLIGHT = 2
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC

type Image = str | Path | bytes | bytearray | IO[bytes]
type Payload = Mapping[str, Any]
type Files = Mapping[str, tuple[str, bytes, str]]

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
    """Return the semaphore that bounds requests in flight to ``host``."""
    per_loop = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    if host not in per_loop:
        per_loop[host] = asyncio.Semaphore(MAX_IN_FLIGHT)
    return per_loop[host]


def guess_content_type(data: bytes, filename: str | None) -> str:
    """Return an image's content type from its first bytes, else from its name."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if filename and (guessed := mimetypes.guess_type(filename)[0]):
        return guessed
    return "application/octet-stream"


def _read_image(image: Image) -> tuple[bytes, str]:
    """Read an attachment (in an executor thread: it may touch the disk)."""
    if isinstance(image, bytes | bytearray):
        return bytes(image), "attachment"
    if isinstance(image, str | Path):
        return _read_path(os.fspath(image))
    if not callable(getattr(image, "read", None)):
        raise PushoverValidationError("image", "must be a path, bytes or a file")
    try:
        data = image.read(MAX_ATTACHMENT + 1)
    except OSError as err:
        raise PushoverValidationError("image", _unreadable(err)) from None
    if not isinstance(data, bytes | bytearray):
        raise PushoverValidationError("image", "must be opened in binary mode")
    name = getattr(image, "name", None)
    return bytes(data), Path(name).name if isinstance(name, str) else "attachment"


def _read_path(path: str) -> tuple[bytes, str]:
    """Read a regular file; anything else (a FIFO, a device) is never opened."""
    if "\0" in path:
        raise PushoverValidationError("image", "the path contains a NUL character")
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):
            raise PushoverValidationError("image", "is not a regular file")
        # O_NONBLOCK: should the path be swapped for a FIFO after the check,
        # opening it cannot hang; fstat then refuses it.
        with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise PushoverValidationError("image", "is not a regular file")
            data = file.read(MAX_ATTACHMENT + 1)
    except OSError as err:
        raise PushoverValidationError("image", _unreadable(err)) from None
    return data, Path(path).name


def _unreadable(err: OSError) -> str:
    return f"cannot be read ({err.strerror or type(err).__name__})"


def _filename(name: str) -> str:
    """Return a file name that can go into a multipart header (``_`` for odd ones)."""
    return "".join(char if char.isprintable() else "_" for char in name) or "attachment"


def _flag(value: bool | None) -> int | None:
    """Return ``1`` for on and nothing for off, as Pushover wants."""
    return 1 if value else None


def _tags(tags: str | Iterable[str] | None) -> str | None:
    """Join tags with commas, dropping blank ones."""
    if tags is None:
        return None
    items = [tags] if isinstance(tags, str) else list(tags)
    joined = ",".join(tag.strip() for tag in items if tag and tag.strip())
    return joined or None


def _form_fields(payload: Payload | None) -> dict[str, str]:
    """Return the payload as form fields: ``None`` dropped, text checked."""
    return {
        key: check_text(key, str(value))
        for key, value in (payload or {}).items()
        if value is not None
    }


def _request_kwargs(
    method: str, fields: dict[str, str], files: Files | None
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


def _received_message(item: Any) -> ReceivedMessage | None:
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


class PushoverAPI:
    """Async Pushover client offering the whole ``pushover_complete`` interface.

    Pass Home Assistant's shared ``aiohttp.ClientSession``; with none, the client
    makes one on first use and closes it in :meth:`close`. The Open Client calls
    (``login`` and the ones taking a ``secret``) never send the application token.
    """

    def __init__(
        self,
        token: str,
        session: aiohttp.ClientSession | None = None,
        *,
        base_url: str = PUSHOVER_API_URL,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        """Remember the token, the session and where Pushover is."""
        self.token = token
        self.base_url = base_url if base_url.endswith("/") else f"{base_url}/"
        self._host = urlsplit(self.base_url).netloc
        self._session = session
        self._owns_session = session is None
        self._timeout = timeout
        self.limits: Limits | None = None

    def __repr__(self) -> str:
        """Show where the client talks to, never the token."""
        return f"PushoverAPI(base_url={self.base_url!r})"

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

    @property
    def push_url(self) -> str:
        """Return the Open Client push websocket's URL for this base URL."""
        return push_url_for(self.base_url)

    def _get_session(
        self, session: aiohttp.ClientSession | None
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
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
        files: Files | None = None,
        *,
        token: bool = True,
        secrets: Iterable[str | None] = (),
    ) -> dict[str, Any]:
        """Send one request and return its checked JSON body.

        Errors name ``endpoint`` (the template), never the formatted path; the
        token and ``secrets`` are redacted from their texts.
        """
        fields = {"token": check_key("token", self.token)} if token else {}
        fields.update(_form_fields(payload))
        path = endpoint
        if url_parameter is not None:
            path = endpoint.format(check_text("url_parameter", url_parameter))
        redact = Redactor(self.token, *secrets)
        status, headers, raw = await self._fetch(
            self._get_session(session),
            method,
            self.base_url + path,
            _request_kwargs(method, fields, files),
            endpoint,
            redact,
        )
        limits = parse_limits(headers)
        if limits is not None:
            self.limits = limits
        body = parse_answer(endpoint, status, raw, limits, redact)
        check_answer(endpoint, body, REQUIRED_FIELDS.get((method, endpoint), {}))
        return body

    async def _fetch(
        self,
        http: aiohttp.ClientSession,
        method: str,
        url: str,
        kwargs: dict[str, Any],
        name: str,
        redact: Redactor,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Return status, headers and (bounded) body; transport failures raise."""
        try:
            async with (
                request_limiter(self._host),
                http.request(method, url, timeout=self._timeout, **kwargs) as response,
            ):
                return (
                    response.status,
                    response.headers,
                    await read_body(response, name),
                )
        except TimeoutError:
            raise PushoverConnectionError(
                f"Timed out talking to Pushover ({name})"
            ) from None
        except aiohttp.ClientError as err:
            raise PushoverConnectionError(
                f"Cannot reach Pushover ({name}): {redact.transport(err)}"
            ) from None

    async def _generic_get(
        self,
        endpoint: str,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> dict[str, Any]:
        """GET ``endpoint`` (formatted with ``url_parameter``) with ``payload``."""
        return await self._request(
            "GET", endpoint, url_parameter, payload, session, secrets=(url_parameter,)
        )

    async def _generic_post(
        self,
        endpoint: str,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
        files: Files | None = None,
    ) -> dict[str, Any]:
        """POST ``payload`` to ``endpoint``; multipart when ``files`` is given."""
        return await self._request(
            "POST",
            endpoint,
            url_parameter,
            payload,
            session,
            files,
            secrets=(url_parameter,),
        )

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
        """Send a notification, with ``session`` for this one request."""
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
        if callback_url is not None:
            check_text("callback_url", callback_url)
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
            "timestamp": check_timestamp(timestamp),
            "sound": sound or None,
            "html": _flag(html),
            "monospace": _flag(monospace),
            "ttl": ttl,
            "tags": _tags(tags),
            "encrypted": _flag(encrypted),
        }
        files = None
        if image is not None:
            files = await self._attachment(image, attachment_type)
        result = await self._generic_post(
            "messages.json", None, payload, session, files
        )
        if priority == 2:
            check_answer("messages.json", result, EMERGENCY_FIELDS)
        return cast(MessageResponse, result)

    async def _attachment(self, image: Image, attachment_type: str | None) -> Files:
        """Read an image (off the event loop) into the multipart part ``attachment``."""
        if attachment_type is not None:
            check_pattern("attachment_type", attachment_type, CONTENT_TYPE_RE)
        data, filename = await asyncio.get_running_loop().run_in_executor(
            None, _read_image, image
        )
        if len(data) > MAX_ATTACHMENT:
            raise PushoverValidationError(
                "attachment", f"is larger than {MAX_ATTACHMENT} bytes"
            )
        content_type = attachment_type or guess_content_type(data, filename)
        return {"attachment": (_filename(filename), data, content_type)}

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

    async def get_sounds(self) -> dict[str, str]:
        """Return the application's sounds (built-in and custom): id → name."""
        result = cast(SoundsResponse, await self._generic_get("sounds.json"))
        return {str(key): str(name) for key, name in result["sounds"].items()}

    async def validate(self, user: str, device: str | None = None) -> ValidateResponse:
        """Check a user or group key (and optionally one of its devices)."""
        payload = {"user": check_key("user", user), "device": join_devices(device)}
        result = await self._generic_post("users/validate.json", payload=payload)
        return cast(ValidateResponse, result)

    async def get_limits(self) -> LimitsResponse:
        """Return the account's monthly limit, what remains and when it resets."""
        result = cast(LimitsResponse, await self._generic_get("apps/limits.json"))
        self.limits = Limits(result["limit"], result["remaining"], result["reset"])
        return result

    async def check_receipt(self, receipt: str) -> ReceiptResponse:
        """Return the state of an emergency notification's receipt."""
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
        check_blank("tag", tag)
        result = await self._request(
            "POST", "receipts/cancel_by_tag/{}.json", quote(tag, safe="")
        )
        return cast(CancelByTagResponse, result)

    async def _migrate_to_subscription(
        self,
        user: str,
        subscription_code: str,
        device: str | None = None,
        sound: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> SubscriptionResponse:
        """Migrate one user, with ``session`` for this one request."""
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
        """Migrate several users, each a dict of ``user`` and maybe ``device``/``sound``."""
        return [
            await self._migrate_to_subscription(
                user["user"], subscription_code, user.get("device"), user.get("sound")
            )
            for user in users
        ]

    async def group_create(self, name: str) -> GroupCreateResponse:
        """Create a delivery group; the answer's ``group`` is its key."""
        check_blank("name", name)
        result = await self._generic_post("groups.json", payload={"name": name})
        return cast(GroupCreateResponse, result)

    async def group_list(self) -> GroupListResponse:
        """Return the delivery groups of the application's account."""
        return cast(GroupListResponse, await self._generic_get("groups.json"))

    async def group_info(self, group_key: str) -> GroupInfoResponse:
        """Return a group's name and members."""
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
        """Call ``groups/{key}/<action>.json`` for one member."""
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
        check_blank("name", new_name)
        result = await self._generic_post(
            "groups/{}/rename.json",
            check_key("group_key", group_key),
            {"name": new_name},
        )
        return cast(PushoverResponse, result)

    async def assign_license(
        self, user_identifier: str, os: str | None = None
    ) -> LicenseResponse:
        """Spend a license credit on a user key or an e-mail address."""
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
        """Return how many license credits the account has left."""
        return cast(LicenseResponse, await self._generic_get("licenses.json"))

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
        check_numbers(count=count, percent=percent)
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

    async def login(
        self, email: str, password: str, twofa: str | None = None
    ) -> LoginResponse:
        """Log in to a user's account (Open Client) for its key and a secret.

        Raises ``PushoverTwoFactorRequiredError`` (HTTP 412) when the account
        needs a two-factor code: call again with ``twofa``.
        """
        payload = {
            "email": check_blank("email", email),
            "password": check_blank("password", password),
            "twofa": None if twofa is None else check_blank("twofa", twofa),
        }
        result = await self._request(
            "POST",
            "users/login.json",
            payload=payload,
            token=False,
            secrets=(password, twofa),
        )
        request = result.get("request")
        return LoginResponse(
            id=result["id"],
            secret=result["secret"],
            request=request if isinstance(request, str) else None,
        )

    async def register_device(self, secret: str, name: str, os: str = "O") -> str:
        """Register an Open Client device on the account; return its id."""
        payload = {
            "secret": check_pattern("secret", secret, SECRET_RE),
            "name": check_pattern("name", name, DEVICE_RE),
            "os": check_blank("os", os),
        }
        result = await self._request(
            "POST", "devices.json", payload=payload, token=False, secrets=(secret,)
        )
        return cast(str, result["id"])

    async def download_messages(
        self, secret: str, device_id: str
    ) -> list[ReceivedMessage]:
        """Return the messages waiting for a device, oldest first.

        A message without a usable id is left out: it cannot be ordered or
        deleted (deleting a later id removes it at Pushover).
        """
        payload = {
            "secret": check_pattern("secret", secret, SECRET_RE),
            "device_id": check_pattern("device_id", device_id, DEVICE_ID_RE),
        }
        result = await self._request(
            "GET", "messages.json", payload=payload, token=False, secrets=(secret,)
        )
        messages = [_received_message(item) for item in result["messages"]]
        return sorted(
            (message for message in messages if message is not None),
            key=lambda message: message["id"],
        )

    async def delete_messages(
        self, secret: str, device_id: str, highest_id: int
    ) -> PushoverResponse:
        """Delete a device's messages up to and including ``highest_id``."""
        if not isinstance(highest_id, int) or isinstance(highest_id, bool):
            raise PushoverValidationError("message", "must be a message id")
        if highest_id < 0:
            raise PushoverValidationError("message", "must be a message id")
        check_pattern("device_id", device_id, DEVICE_ID_RE)
        payload = {
            "secret": check_pattern("secret", secret, SECRET_RE),
            "message": highest_id,
        }
        result = await self._request(
            "POST",
            "devices/{}/update_highest_message.json",
            device_id,
            payload,
            token=False,
            secrets=(secret, device_id),
        )
        return cast(PushoverResponse, result)

    async def acknowledge_receipt(self, receipt: str, secret: str) -> PushoverResponse:
        """Acknowledge an emergency notification as the device of ``secret``."""
        result = await self._request(
            "POST",
            "receipts/{}/acknowledge.json",
            check_key("receipt", receipt),
            {"secret": check_pattern("secret", secret, SECRET_RE)},
            token=False,
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
            check_pattern("device_id", device_id, DEVICE_ID_RE),
            check_pattern("secret", secret, SECRET_RE),
        )
        async with open_push(
            self._get_session(None),
            self.push_url,
            login,
            connect_timeout=self._timeout.total or DEFAULT_TIMEOUT.total or 30,
            silence_timeout=silence_timeout,
        ) as frames:
            yield frames
