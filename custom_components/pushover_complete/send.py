"""Sending: recipients and call values become Pushover requests.

Everything is checked before the first byte goes out, so bad input never
leaves a call half-sent. Recipients that can share a request do (up to 50
users); the answer still speaks per recipient. When Pushover refuses some of
several requests, the others still go out and one error names who did not
get the message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import io
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .api import (
    MAX_MESSAGE,
    MAX_TITLE,
    MAX_USERS,
    BadAPIRequestError,
    PushoverConnectionError,
    PushoverValidationError,
    check_key,
    check_message,
    check_timestamp,
    join_devices,
)
from .const import (
    CONF_EXPIRE,
    CONF_PRIORITY,
    CONF_RETRY,
    CONF_SOUND,
    DEFAULT_EXPIRE,
    DEFAULT_RETRY,
    DOMAIN,
    LOGGER,
    SOUND_USER_DEFAULT,
)
from .data import PushoverCompleteConfigEntry
from .encryption import encrypt_field
from .exceptions import (
    async_handle_refusal,
    async_sending_works,
    invalid,
    refusal_error,
    validation_error,
)
from .models import Message, PlannedRequest, Recipient, RecipientResult

ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class _Text:
    """The call's text, cut to Pushover's limits."""

    message: str
    title: str | None
    truncated: bool


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[: limit - 1] + ELLIPSIS, True


def _fit_text(msg: Message) -> _Text:
    """Cut message and title to fit, with a logged warning."""
    message, cut_message = _cut(msg.message, MAX_MESSAGE)
    title, cut_title = _cut(msg.title, MAX_TITLE) if msg.title else (None, False)
    if cut_message or cut_title:
        LOGGER.warning(
            "Message or title too long for Pushover; cut to %d/%d characters",
            MAX_MESSAGE,
            MAX_TITLE,
        )
    return _Text(message, title, cut_message or cut_title)


def _sound(
    entry: PushoverCompleteConfigEntry, recipient: Recipient, msg: Message
) -> str | None:
    """Pick the call's, the recipient's or the application's sound, and check it."""
    sound = msg.sound or recipient.sound or entry.options.get(CONF_SOUND)
    if not sound or sound == SOUND_USER_DEFAULT:
        return None
    sounds = entry.runtime_data.sounds
    if sound not in sounds:
        raise invalid("invalid_sound", sound=sound, sounds=", ".join(sorted(sounds)))
    return str(sound)


def _priority(
    entry: PushoverCompleteConfigEntry, recipient: Recipient, msg: Message
) -> int | None:
    """Pick the call's, the recipient's or the application's priority."""
    if msg.priority is not None:
        return msg.priority
    if recipient.priority is not None:
        return recipient.priority
    default = entry.options.get(CONF_PRIORITY)
    return int(default) if default is not None else None


def _emergency_fields(
    entry: PushoverCompleteConfigEntry, msg: Message, priority: int | None
) -> dict[str, Any]:
    """Retry, expire and callback: the options' defaults for an emergency."""
    if priority != 2:
        if msg.retry or msg.expire:
            return {"retry": msg.retry, "expire": msg.expire}
        return {}
    options = entry.options
    return {
        "retry": msg.retry or int(options.get(CONF_RETRY, DEFAULT_RETRY)),
        "expire": msg.expire or int(options.get(CONF_EXPIRE, DEFAULT_EXPIRE)),
        "callback_url": msg.callback_url or entry.runtime_data.receipts.callback_url(),
    }


def _checked(fields: dict[str, Any], msg: Message) -> dict[str, Any]:
    """Make every check ``messages.json`` makes; raise a translated error."""
    try:
        check_message(
            message=fields["message"],
            title=fields["title"],
            url=fields["url"],
            url_title=fields["url_title"],
            priority=fields["priority"],
            retry=fields.get("retry"),
            expire=fields.get("expire"),
            html=msg.html,
            monospace=msg.monospace,
            ttl=msg.ttl,
        )
    except PushoverValidationError as err:
        raise validation_error(err) from err
    return fields


def _recipient_fields(
    entry: PushoverCompleteConfigEntry,
    recipient: Recipient,
    msg: Message,
    text: _Text,
    devices: str | None,
) -> dict[str, Any]:
    """Build and check the request fields for one recipient."""
    try:
        check_key("user_key", recipient.user_key)
    except PushoverValidationError as err:
        raise validation_error(err) from err
    priority = _priority(entry, recipient, msg)
    fields: dict[str, Any] = {
        "message": text.message,
        "title": text.title,
        "device": devices or ",".join(recipient.devices) or None,
        "url": msg.url or None,
        "url_title": msg.url_title or None,
        "priority": priority,
        "sound": _sound(entry, recipient, msg),
        "html": msg.html,
        "monospace": msg.monospace,
        "timestamp": msg.timestamp,
        "ttl": msg.ttl,
        "tags": ",".join(msg.tags) or None,
        **_emergency_fields(entry, msg, priority),
    }
    _checked(fields, msg)
    if recipient.encryption_key:
        title = text.title or _cut(entry.title, MAX_TITLE)[0]
        return _encrypt({**fields, "title": title}, recipient.encryption_key)
    return fields


def _encrypt(fields: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Encrypt the text fields (already cut or checked to fit); drop ``url_title``."""
    result = dict(fields)
    result["message"] = encrypt_field(key, result["message"])
    result["title"] = encrypt_field(key, result["title"])
    if result.get("url"):
        result["url"] = encrypt_field(key, result["url"])
    result["url_title"] = None
    result["encrypted"] = True
    return result


def _shares_requests(recipient: Recipient, fields: Mapping[str, Any]) -> bool:
    """Tell whether a recipient may share a request with others."""
    priority = fields["priority"]
    return (
        not fields["device"]
        and not recipient.encryption_key
        and (priority is None or priority < 2)
    )


def _batch(
    planned: Sequence[tuple[Recipient, dict[str, Any]]], msg: Message
) -> list[PlannedRequest]:
    """Group recipients with equal fields into shared requests (up to 50)."""
    if len(planned) == 1:  # the common case: nothing to group
        [(recipient, fields)] = planned
        return [PlannedRequest([recipient], fields, msg.attachment)]
    requests: list[PlannedRequest] = []
    shared: dict[tuple[Any, ...], PlannedRequest] = {}
    for recipient, fields in planned:
        if _shares_requests(recipient, fields):
            key = tuple(sorted((k, str(v)) for k, v in fields.items()))
            request = shared.get(key)
            if request is not None and len(request.recipients) < MAX_USERS:
                request.recipients.append(recipient)
                continue
            request = shared[key] = PlannedRequest([recipient], fields, msg.attachment)
        else:
            request = PlannedRequest([recipient], fields, msg.attachment)
        requests.append(request)
    return requests


def plan(
    entry: PushoverCompleteConfigEntry,
    recipients: Sequence[Recipient],
    msg: Message,
) -> tuple[list[PlannedRequest], bool]:
    """Turn a call into checked requests; raise before anything is sent.

    Returns the requests and whether text had to be cut to fit.
    """
    if not recipients:
        raise invalid("no_recipients")
    try:
        check_timestamp(msg.timestamp)
        devices = join_devices(msg.device)
    except PushoverValidationError as err:
        raise validation_error(err) from err
    text = _fit_text(msg)
    fields = [
        (recipient, _recipient_fields(entry, recipient, msg, text, devices))
        for recipient in recipients
    ]
    return _batch(fields, msg), text.truncated


def request_kwargs(planned: PlannedRequest) -> dict[str, Any]:
    """Return the keyword arguments for ``PushoverAPI.send_message``."""
    kwargs = {k: v for k, v in planned.fields.items() if v is not None}
    kwargs["user"] = [recipient.user_key for recipient in planned.recipients]
    if planned.attachment is not None:
        image = io.BytesIO(planned.attachment.data)
        image.name = planned.attachment.filename
        kwargs["image"] = image
        kwargs["attachment_type"] = planned.attachment.content_type
    return kwargs


type Outcome = list[RecipientResult] | BaseException


async def async_send(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    recipients: Sequence[Recipient],
    msg: Message,
    *,
    record_sent: bool = True,
) -> dict[str, Any]:
    """Send ``msg`` to ``recipients`` through ``entry``; the action's response.

    The entry is loaded (callers resolve it so), or setting up (an alarm's
    step that fell due while Home Assistant was down). ``record_sent`` sets
    the notify entities' state (the time they last sent); the entity's own
    ``notify.send_message`` path records it by itself.
    """
    requests, truncated = plan(entry, recipients, msg)
    outcomes = await _async_send_all(hass, entry, requests, msg)
    if record_sent:  # also for the recipients of a call refused for others
        entry.runtime_data.async_record_sent(
            result.recipient.notify_entity_id
            for outcome in outcomes
            if isinstance(outcome, list)
            for result in outcome
        )
    results = _results(hass, entry, requests, outcomes)
    return {
        "recipients": [result.as_dict() for result in results],
        "truncated": truncated,
    }


async def _async_send_all(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    requests: list[PlannedRequest],
    msg: Message,
) -> list[Outcome]:
    """Send (or queue) every request; each outcome is results or an error."""
    outbox = entry.runtime_data.outbox
    if outbox.pending:
        return [await outbox.async_enqueue(planned, msg) for planned in requests]
    if len(requests) == 1:
        try:
            return [await _async_deliver(hass, entry, requests[0], msg)]
        except BadAPIRequestError as err:
            return [err]
    return await asyncio.gather(
        *(_async_deliver(hass, entry, planned, msg) for planned in requests),
        return_exceptions=True,
    )


def _results(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    requests: list[PlannedRequest],
    outcomes: list[Outcome],
) -> list[RecipientResult]:
    """Collect the results; raise for refusals, naming who did not get it."""
    results: list[RecipientResult] = []
    refused: list[tuple[PlannedRequest, BadAPIRequestError]] = []
    for planned, outcome in zip(requests, outcomes, strict=True):
        if isinstance(outcome, BadAPIRequestError):
            async_handle_refusal(hass, entry, outcome)
            refused.append((planned, outcome))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            results.extend(outcome)
    if refused and not results:
        raise refusal_error(refused[0][1]) from refused[0][1]
    if refused:
        raise _partly_sent(refused, results)
    return results


def _who(recipient: Recipient) -> str:
    return recipient.name or recipient.notify_entity_id or "a recipient"


def _partly_sent(
    refused: list[tuple[PlannedRequest, BadAPIRequestError]],
    results: list[RecipientResult],
) -> HomeAssistantError:
    """Build the error of a call Pushover refused for some recipients only."""
    failed = "; ".join(
        f"{_who(recipient)} ({err})"
        for planned, err in refused
        for recipient in planned.recipients
    )
    sent = ", ".join(_who(result.recipient) for result in results)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="partly_sent",
        translation_placeholders={"failed": failed, "sent": sent},
    )


async def _async_deliver(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    planned: PlannedRequest,
    msg: Message,
) -> list[RecipientResult]:
    """Send one request; queue it when Pushover cannot be reached."""
    runtime = entry.runtime_data
    try:
        answer = await runtime.client.send_message(**request_kwargs(planned))
    except PushoverValidationError as err:
        raise validation_error(err) from err
    except PushoverConnectionError as err:
        LOGGER.warning("Pushover did not take the message (%s); it is queued", err)
        return await runtime.outbox.async_enqueue(planned, msg)
    finally:
        runtime.coordinator.async_headers_seen()
    async_sending_works(hass, entry)
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
        entry.runtime_data.receipts.async_track(
            receipt,
            recipient=planned.recipients[0],
            title=msg.title,
            message=msg.message,
            tags=msg.tags,
            expire=int(planned.fields.get("expire") or DEFAULT_EXPIRE),
            callback_expected=bool(planned.fields.get("callback_url")),
            alarm_id=msg.alarm_id,
        )
    return [
        RecipientResult(recipient, request=request, receipt=receipt)
        for recipient in planned.recipients
    ]
