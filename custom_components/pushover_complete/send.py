"""Sending: recipients and call values become Pushover requests.

Everything is checked before the first byte goes out, so bad input never
leaves a call half-sent. Recipients that can share a request do (up to 50
users); the answer still speaks per recipient.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import io
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .api import (
    BadAPIRequestError,
    PushoverAuthError,
    PushoverConnectionError,
    PushoverQuotaError,
    PushoverValidationError,
)
from .api.validation import (
    MAX_MESSAGE,
    MAX_TITLE,
    MAX_URL,
    MAX_USERS,
    check_key,
    check_message,
    join_devices,
)
from .const import (
    CONF_DEVICES,
    CONF_ENCRYPTION_KEY,
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    CONF_USER_KEY,
    DEFAULT_EXPIRE,
    DEFAULT_RETRY,
    DOMAIN,
    LOGGER,
    SOUND_USER_DEFAULT,
)
from .data import PushoverCompleteConfigEntry
from .encryption import encrypt_field

ELLIPSIS = "…"
QUOTA_ISSUE = "quota_exceeded"


@dataclass(frozen=True, slots=True)
class Attachment:
    """An image ready to go up as the multipart part ``attachment``."""

    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a message goes to, with that recipient's defaults."""

    user_key: str
    name: str | None = None
    devices: tuple[str, ...] = ()
    sound: str | None = None
    priority: int | None = None
    encryption_key: str | None = None
    notify_entity_id: str | None = None


@dataclass(slots=True)
class Message:
    """What the caller asked for; ``None`` means "use the defaults"."""

    message: str
    title: str | None = None
    device: list[str] | None = None
    url: str | None = None
    url_title: str | None = None
    priority: int | None = None
    retry: int | None = None
    expire: int | None = None
    callback_url: str | None = None
    tags: list[str] = field(default_factory=list)
    sound: str | None = None
    html: bool = False
    monospace: bool = False
    timestamp: int | None = None
    ttl: int | None = None
    attachment: Attachment | None = None


@dataclass(slots=True)
class PlannedRequest:
    """One request to ``messages.json`` and the recipients it serves."""

    recipients: list[Recipient]
    fields: dict[str, Any]
    attachment: Attachment | None = None

    @property
    def priority(self) -> int | None:
        """The request's priority."""
        value = self.fields.get("priority")
        return int(value) if value is not None else None


@dataclass(slots=True)
class RecipientResult:
    """What happened for one recipient."""

    recipient: Recipient
    request: str | None = None
    receipt: str | None = None
    queued: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The action's response for this recipient (no keys)."""
        return {
            "recipient": self.recipient.name,
            "notify_entity_id": self.recipient.notify_entity_id,
            "request": self.request,
            "receipt": self.receipt,
            "queued": self.queued,
        }


def recipient_from_subentry(
    subentry: ConfigSubentry, notify_entity_id: str | None = None
) -> Recipient:
    """A recipient from its subentry."""
    data = subentry.data
    priority = data.get(CONF_PRIORITY)
    return Recipient(
        user_key=data[CONF_USER_KEY],
        name=subentry.title,
        devices=tuple(data.get(CONF_DEVICES) or ()),
        sound=data.get(CONF_SOUND) or None,
        priority=int(priority) if priority is not None else None,
        encryption_key=data.get(CONF_ENCRYPTION_KEY) or None,
        notify_entity_id=notify_entity_id,
    )


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[: limit - 1] + ELLIPSIS, True


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def validation_error(err: PushoverValidationError) -> ServiceValidationError:
    """A translated error for input the client refused."""
    return _invalid("invalid_field", field=err.field, reason=err.reason)


def pushover_error(
    hass: HomeAssistant, entry: PushoverCompleteConfigEntry, err: BadAPIRequestError
) -> HomeAssistantError:
    """A translated error carrying Pushover's own words; side effects too.

    A rejected token starts reauth; an exhausted quota opens a repair issue.
    """
    if isinstance(err, PushoverAuthError):
        entry.async_start_reauth(hass)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="invalid_token"
        )
    if isinstance(err, PushoverQuotaError):
        reset = (
            dt_util.as_local(dt_util.utc_from_timestamp(err.reset)).strftime(
                "%Y-%m-%d %H:%M %Z"
            )
            if err.reset
            else "the start of next month"
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"{QUOTA_ISSUE}_{entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=QUOTA_ISSUE,
            translation_placeholders={"name": entry.title, "reset": reset},
        )
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="quota_exceeded",
            translation_placeholders={"error": str(err), "reset": reset},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="pushover_error",
        translation_placeholders={"error": str(err)},
    )


def plan(
    entry: PushoverCompleteConfigEntry,
    recipients: Sequence[Recipient],
    msg: Message,
) -> tuple[list[PlannedRequest], bool]:
    """Turn a call into checked requests; raise before anything is sent.

    Returns the requests and whether text had to be cut to fit.
    """
    if not recipients:
        raise _invalid("no_recipients")
    options = entry.options
    sounds = entry.runtime_data.sounds
    message, cut_message = _cut(msg.message, MAX_MESSAGE)
    title: str | None = None
    cut_title = False
    if msg.title:
        title, cut_title = _cut(msg.title, MAX_TITLE)
    if cut_message or cut_title:
        LOGGER.warning(
            "Message or title too long for Pushover; cut to %d/%d characters",
            MAX_MESSAGE,
            MAX_TITLE,
        )
    default_sound = options.get(CONF_SOUND)
    default_priority = options.get(CONF_PRIORITY)
    requests: list[PlannedRequest] = []
    shared: dict[tuple[Any, ...], PlannedRequest] = {}
    try:
        devices = join_devices(msg.device)
    except PushoverValidationError as err:
        raise validation_error(err) from err
    for recipient in recipients:
        try:
            check_key("user_key", recipient.user_key)
        except PushoverValidationError as err:
            raise validation_error(err) from err
        sound = msg.sound or recipient.sound or default_sound
        if sound == SOUND_USER_DEFAULT:
            sound = None
        if sound and sound not in sounds:
            raise _invalid(
                "invalid_sound", sound=sound, sounds=", ".join(sorted(sounds))
            )
        priority = msg.priority
        if priority is None:
            priority = recipient.priority
        if priority is None and default_priority is not None:
            priority = int(default_priority)
        fields: dict[str, Any] = {
            "message": message,
            "title": title,
            "device": devices or ",".join(recipient.devices) or None,
            "url": msg.url or None,
            "url_title": msg.url_title or None,
            "priority": priority,
            "sound": sound,
            "html": msg.html,
            "monospace": msg.monospace,
            "timestamp": msg.timestamp,
            "ttl": msg.ttl,
            "tags": ",".join(msg.tags) or None,
        }
        if priority == 2:
            fields["retry"] = msg.retry or int(options.get(CONF_RETRY, DEFAULT_RETRY))
            fields["expire"] = msg.expire or int(
                options.get(CONF_EXPIRE, DEFAULT_EXPIRE)
            )
            fields["callback_url"] = (
                msg.callback_url or entry.runtime_data.receipts.callback_url()
            )
        elif msg.retry or msg.expire:
            fields["retry"], fields["expire"] = msg.retry, msg.expire
        try:
            check_message(
                message=message,
                title=title,
                url=fields["url"],
                url_title=fields["url_title"],
                priority=priority,
                retry=fields.get("retry"),
                expire=fields.get("expire"),
                html=msg.html,
                monospace=msg.monospace,
                ttl=msg.ttl,
            )
        except PushoverValidationError as err:
            raise validation_error(err) from err
        if recipient.encryption_key:
            fields = _encrypt(fields, recipient.encryption_key)
        can_share = (
            not fields["device"]
            and not recipient.encryption_key
            and (priority is None or priority < 2)
        )
        if can_share:
            key = tuple(sorted((k, str(v)) for k, v in fields.items()))
            planned = shared.get(key)
            if planned is not None and len(planned.recipients) < MAX_USERS:
                planned.recipients.append(recipient)
                continue
            planned = PlannedRequest([recipient], fields, msg.attachment)
            shared[key] = planned
        else:
            planned = PlannedRequest([recipient], fields, msg.attachment)
        requests.append(planned)
    return requests, cut_message or cut_title


def _encrypt(fields: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Encrypt the text fields (already cut to fit); drop ``url_title``."""
    result = dict(fields)
    url = _cut(result["url"], MAX_URL)[0] if result.get("url") else None
    result["message"] = encrypt_field(key, result["message"])
    if result.get("title"):
        result["title"] = encrypt_field(key, result["title"])
    if url:
        result["url"] = encrypt_field(key, url)
    result["url_title"] = None
    result["encrypted"] = True
    return result


def request_kwargs(planned: PlannedRequest) -> dict[str, Any]:
    """Keyword arguments for ``PushoverAPI.send_message``."""
    kwargs = {k: v for k, v in planned.fields.items() if v is not None}
    kwargs["user"] = [recipient.user_key for recipient in planned.recipients]
    if planned.attachment is not None:
        image = io.BytesIO(planned.attachment.data)
        image.name = planned.attachment.filename
        kwargs["image"] = image
        kwargs["attachment_type"] = planned.attachment.content_type
    return kwargs


async def async_send(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    recipients: Sequence[Recipient],
    msg: Message,
) -> dict[str, Any]:
    """Send ``msg`` to ``recipients`` through ``entry``; the action's response."""
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", name=entry.title)
    requests, truncated = plan(entry, recipients, msg)
    runtime = entry.runtime_data
    results: list[Any]
    if runtime.outbox.pending:
        results = [await runtime.outbox.async_enqueue(p, msg) for p in requests]
    elif len(requests) == 1:
        results = [await _async_deliver(hass, entry, requests[0], msg)]
    else:
        results = await asyncio.gather(
            *(_async_deliver(hass, entry, planned, msg) for planned in requests),
            return_exceptions=True,
        )
    flat: list[RecipientResult] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        flat.extend(result)
    return {
        "recipients": [result.as_dict() for result in flat],
        "truncated": truncated,
    }


async def _async_deliver(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    planned: PlannedRequest,
    msg: Message,
) -> list[RecipientResult]:
    runtime = entry.runtime_data
    try:
        answer = await runtime.client.send_message(**request_kwargs(planned))
    except PushoverValidationError as err:
        raise validation_error(err) from err
    except PushoverConnectionError as err:
        LOGGER.warning("Pushover did not take the message (%s); it is queued", err)
        return await runtime.outbox.async_enqueue(planned, msg)
    except BadAPIRequestError as err:
        raise pushover_error(hass, entry, err) from err
    finally:
        runtime.coordinator.async_headers_seen()
    ir.async_delete_issue(hass, DOMAIN, f"{QUOTA_ISSUE}_{entry.entry_id}")
    return async_delivered(entry, planned, msg, dict(answer))


def async_delivered(
    entry: PushoverCompleteConfigEntry,
    planned: PlannedRequest,
    msg: Message,
    answer: Mapping[str, Any],
) -> list[RecipientResult]:
    """Record a delivered request: track its receipt; results per recipient."""
    receipt = answer.get("receipt")
    request = answer.get("request")
    if receipt:
        recipient = planned.recipients[0]
        entry.runtime_data.receipts.async_track(
            receipt,
            title=msg.title,
            message=msg.message,
            tags=msg.tags,
            notify_entity_id=recipient.notify_entity_id,
            expire=int(planned.fields.get("expire") or DEFAULT_EXPIRE),
            callback_expected=bool(planned.fields.get("callback_url")),
        )
    return [
        RecipientResult(recipient, request=request, receipt=receipt)
        for recipient in planned.recipients
    ]


__all__ = [
    "Attachment",
    "Message",
    "PlannedRequest",
    "Recipient",
    "RecipientResult",
    "async_delivered",
    "async_send",
    "plan",
]
