"""The application's calls: the interface of ``pushover_complete``, on aiohttp.

:class:`PushoverAPI` holds an application token and offers every call of
``pushover_complete``'s ``PushoverAPI`` with its parameter names and defaults,
plus what that library lacks (receipts by tag, groups, licenses, glances,
limits). The transport (session, limit of requests in flight, checked
answers) is :class:`~.transport.ClientBase`; a device's own calls are
:class:`~.open_client.OpenClient`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

import aiohttp

from .attachment import Image, attachment_part
from .errors import PushoverValidationError
from .models import (
    EMERGENCY_FIELDS,
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
from .response import check_answer
from .transport import DEFAULT_TIMEOUT, PUSHOVER_API_URL, ClientBase, Files, Payload
from .validation import (
    MAX_GLANCE_TEXT,
    MAX_MEMO,
    OS_NAMES,
    check_blank,
    check_key,
    check_length,
    check_message,
    check_numbers,
    check_text,
    check_timestamp,
    join_devices,
    join_users,
)


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


def _message_payload(
    *,
    user: str | Iterable[str],
    message: str,
    device: str | Iterable[str] | None,
    callback_url: str | None,
    timestamp: int | datetime | None,
    sound: str | None,
    tags: str | Iterable[str] | None,
    flags: Mapping[str, bool],
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """Return the form fields of ``messages.json`` (checked by the caller)."""
    if callback_url is not None:
        check_text("callback_url", callback_url)
    return {
        "user": join_users(user),
        "message": message,
        "device": join_devices(device),
        **fields,
        "callback": callback_url,
        "timestamp": check_timestamp(timestamp),
        "sound": sound or None,
        **{name: _flag(on) for name, on in flags.items()},
        "tags": _tags(tags),
    }


class PushoverAPI(ClientBase):
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
        """Remember the token, the session and where Pushover is."""
        super().__init__(session, base_url=base_url, timeout=timeout)
        self.token = token

    async def _app_request(
        self,
        method: str,
        endpoint: str,
        *,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
        files: Files | None = None,
        secrets: Iterable[str | None] = (),
    ) -> dict[str, Any]:
        """Send one request carrying the application token (redacted from errors)."""
        return await self._request(
            method,
            endpoint,
            url_parameter=url_parameter,
            payload={"token": check_key("token", self.token), **(payload or {})},
            session=session,
            files=files,
            secrets=(self.token, *secrets),
        )

    async def _generic_get(
        self,
        endpoint: str,
        url_parameter: str | None = None,
        payload: Payload | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> dict[str, Any]:
        """GET ``endpoint`` (formatted with ``url_parameter``) with ``payload``."""
        return await self._app_request(
            "GET",
            endpoint,
            url_parameter=url_parameter,
            payload=payload,
            session=session,
            secrets=(url_parameter,),
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
        return await self._app_request(
            "POST",
            endpoint,
            url_parameter=url_parameter,
            payload=payload,
            session=session,
            files=files,
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
        fields: dict[str, Any] = {
            "title": title,
            "url": url,
            "url_title": url_title,
            "priority": priority,
            "retry": retry,
            "expire": expire,
            "ttl": ttl,
        }
        flags: dict[str, Any] = {
            "html": html,
            "monospace": monospace,
            "encrypted": encrypted,
        }
        check_message(message=message, **fields, **flags)
        payload = _message_payload(
            user=user,
            message=message,
            device=device,
            callback_url=callback_url,
            timestamp=timestamp,
            sound=sound,
            tags=tags,
            flags=flags,
            fields=fields,
        )
        files = None if image is None else await attachment_part(image, attachment_type)
        result = await self._generic_post(
            "messages.json", payload=payload, session=session, files=files
        )
        if priority == 2:
            check_answer("messages.json", result, required=EMERGENCY_FIELDS)
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
            device=device,
            title=title,
            url=url,
            url_title=url_title,
            image=image,
            priority=priority,
            retry=retry,
            expire=expire,
            callback_url=callback_url,
            timestamp=timestamp,
            sound=sound,
            html=html,
            ttl=ttl,
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
        self.limits = Limits(
            limit=result["limit"], remaining=result["remaining"], reset=result["reset"]
        )
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
        result = await self._app_request(
            "POST", "receipts/cancel_by_tag/{}.json", url_parameter=quote(tag, safe="")
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
            user, subscription_code, device=device, sound=sound
        )

    async def migrate_multiple_to_subscription(
        self, users: Iterable[Mapping[str, Any]], subscription_code: str
    ) -> list[SubscriptionResponse]:
        """Migrate several users, each a dict of ``user`` and maybe ``device``/``sound``."""
        return [
            await self._migrate_to_subscription(
                user["user"],
                subscription_code,
                device=user.get("device"),
                sound=user.get("sound"),
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
        *,
        group_key: str,
        user: str,
        device: str | None,
        memo: str | None = None,
    ) -> PushoverResponse:
        """Call ``groups/{key}/<action>.json`` for one member."""
        check_length("memo", memo, limit=MAX_MEMO)
        payload = {
            "user": check_key("user", user),
            "device": join_devices(device),
            "memo": memo,
        }
        result = await self._generic_post(
            f"groups/{{}}/{action}.json",
            url_parameter=check_key("group_key", group_key),
            payload=payload,
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
        return await self._group_member_call(
            "add_user", group_key=group_key, user=user, device=device, memo=memo
        )

    async def group_remove_user(
        self, group_key: str, user: str, device: str | None = None
    ) -> PushoverResponse:
        """Remove a user (or one of its devices) from a group."""
        return await self._group_member_call(
            "remove_user", group_key=group_key, user=user, device=device
        )

    group_delete_user = group_remove_user

    async def group_disable_user(
        self, group_key: str, user: str, device: str | None = None
    ) -> PushoverResponse:
        """Stop sending to a member without removing it."""
        return await self._group_member_call(
            "disable_user", group_key=group_key, user=user, device=device
        )

    async def group_enable_user(
        self, group_key: str, user: str, device: str | None = None
    ) -> PushoverResponse:
        """Send to a disabled member again."""
        return await self._group_member_call(
            "enable_user", group_key=group_key, user=user, device=device
        )

    async def group_rename(self, group_key: str, new_name: str) -> PushoverResponse:
        """Rename a group."""
        check_blank("name", new_name)
        result = await self._generic_post(
            "groups/{}/rename.json",
            url_parameter=check_key("group_key", group_key),
            payload={"name": new_name},
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
            check_length(field, value, limit=MAX_GLANCE_TEXT)
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
