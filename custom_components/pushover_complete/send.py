"""Sending: a call becomes checked Pushover requests, and one request goes out.

Everything is checked before the first byte goes out, so bad input never
leaves a call half-sent. Recipients that can share a request do (up to 50
users); the answer still speaks per recipient. Delivering one request says
what happened to it: delivered, refused (Pushover's 4xx, never repeated, with
its side effects: reauth, the quota issue), or Pushover could not be reached
(the caller queues it). This module knows requests, not alarms or queues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import io
from typing import Any
import uuid

from .action_links import (
    ActionLinks,
    LinkContext,
    compose,
    link_html,
    placeholder_token,
)
from .api import (
    MAX_MESSAGE,
    MAX_TITLE,
    MAX_USERS,
    BadAPIRequestError,
    MessageResponse,
    PushoverAPI,
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
    LOGGER,
    SOUND_USER_DEFAULT,
)
from .coordinator import AccountCoordinator
from .data import PushoverCompleteConfigEntry
from .encryption import encrypt_field
from .exceptions import invalid, validation_error
from .models import Message, PlannedRequest, Recipient
from .refusals import RefusalGuard
from .text import cut


@dataclass(frozen=True, slots=True)
class Delivered:
    """Pushover took the request."""

    answer: MessageResponse


@dataclass(frozen=True, slots=True)
class Refused:
    """Pushover refused the request (4xx): it is never repeated."""

    error: BadAPIRequestError


@dataclass(frozen=True, slots=True)
class Unreachable:
    """Pushover could not be reached (network, timeout, 5xx): queue the request."""

    error: PushoverConnectionError


type Delivery = Delivered | Refused | Unreachable


@dataclass(frozen=True, slots=True)
class Plan:
    """The checked requests of one call, and whether text had to be cut."""

    requests: list[PlannedRequest]
    truncated: bool


@dataclass(frozen=True, slots=True)
class _Text:
    """The call's text, cut to Pushover's limits."""

    message: str
    title: str | None
    truncated: bool


def _fit_text(msg: Message) -> _Text:
    """Cut message and title to fit, with a logged warning."""
    message, cut_message = cut(msg.message, MAX_MESSAGE)
    title, cut_title = cut(msg.title, MAX_TITLE) if msg.title else (None, False)
    if cut_message or cut_title:
        LOGGER.warning(
            "Message or title too long for Pushover; cut to %d/%d characters",
            MAX_MESSAGE,
            MAX_TITLE,
        )
    return _Text(message, title, cut_message or cut_title)


def _checked(fields: dict[str, Any], msg: Message, *, html: bool) -> dict[str, Any]:
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
            html=html,
            monospace=msg.monospace,
            ttl=msg.ttl,
        )
    except PushoverValidationError as err:
        raise validation_error(err) from err
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


class Sender:
    """Plan an entry's calls into requests, and deliver one request at a time."""

    def __init__(
        self,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
        *,
        guard: RefusalGuard,
        coordinator: AccountCoordinator,
        sounds: Callable[[], Mapping[str, str]],
        webhook_url: Callable[[], str | None],
        links: ActionLinks,
    ) -> None:
        """Send through ``client``; ``guard`` acts on refusals."""
        self._entry = entry
        self._client = client
        self._guard = guard
        self._coordinator = coordinator
        self._sounds = sounds
        self._webhook_url = webhook_url
        self._links = links

    def plan(
        self,
        recipients: Sequence[Recipient],
        msg: Message,
        context: LinkContext | None = None,
    ) -> Plan:
        """Turn a call into checked requests; raise before anything is sent.

        A message with actions gets its links here, issued for ``context``;
        without a context (a check) nothing is issued.
        """
        if not recipients:
            raise invalid("no_recipients")
        try:
            check_timestamp(msg.timestamp)
            devices = join_devices(msg.device)
        except PushoverValidationError as err:
            raise validation_error(err) from err
        text = _fit_text(msg)
        if msg.actions:
            return self._plan_with_links(recipients, msg, text, devices, context)
        fields = [
            (recipient, self._recipient_fields(recipient, msg, text, devices))
            for recipient in recipients
        ]
        return Plan(_batch(fields, msg), text.truncated)

    def _plan_with_links(
        self,
        recipients: Sequence[Recipient],
        msg: Message,
        text: _Text,
        devices: str | None,
        context: LinkContext | None,
    ) -> Plan:
        """One request per recipient, each with links of its own."""
        if msg.monospace:
            raise invalid("actions_with_monospace")
        if (url := self._webhook_url()) is None:
            raise invalid("actions_need_external_url")
        requests, truncated = [], text.truncated
        for recipient in recipients:
            link_ref = uuid.uuid4().hex
            tokens = (
                self._links.async_issue(
                    recipient,
                    msg.actions,
                    title=msg.title,
                    tags=msg.tags,
                    context=context,
                    link_ref=link_ref,
                )
                if context is not None
                else [placeholder_token() for _ in msg.actions]
            )
            links = [
                link_html(url, token, action.title)
                for token, action in zip(tokens, msg.actions, strict=True)
            ]
            message, cut_here = compose(msg.message, msg.html, links)
            truncated = truncated or cut_here
            linked = _Text(message, text.title, truncated)
            fields = self._recipient_fields(recipient, msg, linked, devices, html=True)
            requests.append(
                PlannedRequest([recipient], fields, msg.attachment, link_ref)
            )
        return Plan(requests, truncated)

    async def async_deliver(self, planned: PlannedRequest) -> Delivery:
        """Send one request and say what became of it."""
        if self._guard.rejection is not None:  # nothing repeats a refused token
            return Refused(self._guard.rejection)
        try:
            answer = await self._client.send_message(**request_kwargs(planned))
        except PushoverValidationError as err:
            raise validation_error(err) from err
        except PushoverConnectionError as err:
            return Unreachable(err)
        except BadAPIRequestError as err:
            self._guard.async_refused(err)
            return Refused(err)
        finally:
            self._coordinator.async_headers_seen()
        self._guard.async_accepted()
        return Delivered(answer)

    def _recipient_fields(
        self,
        recipient: Recipient,
        msg: Message,
        text: _Text,
        devices: str | None,
        *,
        html: bool = False,
    ) -> dict[str, Any]:
        """Build and check the request fields for one recipient."""
        try:
            check_key("user_key", recipient.user_key)
        except PushoverValidationError as err:
            raise validation_error(err) from err
        priority = self._priority(recipient, msg)
        fields: dict[str, Any] = {
            "message": text.message,
            "title": text.title,
            "device": devices or ",".join(recipient.recipient_devices) or None,
            "url": msg.url or None,
            "url_title": msg.url_title or None,
            "priority": priority,
            "sound": self._sound(recipient, msg),
            "html": msg.html or html,
            "monospace": msg.monospace,
            "timestamp": msg.timestamp,
            "ttl": msg.ttl,
            "tags": ",".join(msg.tags) or None,
            **self._emergency_fields(msg, priority),
        }
        _checked(fields, msg, html=fields["html"])
        if recipient.encryption_key:
            title = text.title or cut(self._entry.title, MAX_TITLE)[0]
            return _encrypt({**fields, "title": title}, recipient.encryption_key)
        return fields

    def _sound(self, recipient: Recipient, msg: Message) -> str | None:
        """Pick the call's, the recipient's or the application's sound, and check it."""
        sound = msg.sound or recipient.sound or self._entry.options.get(CONF_SOUND)
        if not sound or sound == SOUND_USER_DEFAULT:
            return None
        sounds = self._sounds()
        if sound not in sounds:
            raise invalid(
                "invalid_sound", sound=sound, sounds=", ".join(sorted(sounds))
            )
        return str(sound)

    def _priority(self, recipient: Recipient, msg: Message) -> int | None:
        """Pick the call's, the recipient's or the application's priority."""
        if msg.priority is not None:
            return msg.priority
        if recipient.priority is not None:
            return recipient.priority
        default = self._entry.options.get(CONF_PRIORITY)
        return int(default) if default is not None else None

    def _emergency_fields(self, msg: Message, priority: int | None) -> dict[str, Any]:
        """Retry, expire and callback: the options' defaults for an emergency."""
        if priority != 2:
            if msg.retry or msg.expire:
                return {"retry": msg.retry, "expire": msg.expire}
            return {}
        options = self._entry.options
        return {
            "retry": msg.retry or int(options.get(CONF_RETRY, DEFAULT_RETRY)),
            "expire": msg.expire or int(options.get(CONF_EXPIRE, DEFAULT_EXPIRE)),
            "callback_url": msg.callback_url or self._webhook_url(),
        }
