"""What a send is made of: the message, its recipients, the planned requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.util import dt as dt_util

from .api import BadAPIRequestError
from .const import (
    CONF_DEVICES,
    CONF_ENCRYPTION_KEY,
    CONF_PRIORITY,
    CONF_SOUND,
    CONF_USER_KEY,
    SUBENTRY_RECIPIENT,
)


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
    subentry_id: str | None = None


@dataclass(frozen=True, slots=True)
class MessageAction:
    """A link in a message that acts in Home Assistant once tapped and confirmed."""

    action: str
    title: str


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
    actions: list[MessageAction] = field(default_factory=list)


@dataclass(slots=True)
class PlannedRequest:
    """One request to ``messages.json`` and the recipients it serves."""

    recipients: list[Recipient]
    fields: dict[str, Any]
    attachment: Attachment | None = None
    # The request's action links, when it has any (``action_links.py``).
    link_ref: str | None = None


@dataclass(slots=True)
class RecipientResult:
    """What happened for one recipient."""

    recipient: Recipient
    request: str | None = None
    receipt: str | None = None
    queued: bool = False
    # Pushover's refusal of this recipient (4xx), if it refused.
    error: BadAPIRequestError | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the action's response for this recipient (no keys)."""
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
    """Build a recipient from its subentry."""
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
        subentry_id=subentry.subentry_id,
    )


def _iso(value: Any) -> str | None:
    if not value:
        return None
    return dt_util.utc_from_timestamp(int(value)).isoformat()


def receipt_summary(answer: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a ``receipts/<receipt>.json`` answer into clean values."""
    return {
        "acknowledged": bool(answer.get("acknowledged")),
        "acknowledged_at": _iso(answer.get("acknowledged_at")),
        "acknowledged_by": answer.get("acknowledged_by") or None,
        "acknowledged_by_device": answer.get("acknowledged_by_device") or None,
        "last_delivered_at": _iso(answer.get("last_delivered_at")),
        "expired": bool(answer.get("expired")),
        "expires_at": _iso(answer.get("expires_at")),
        "called_back": bool(answer.get("called_back")),
        "called_back_at": _iso(answer.get("called_back_at")),
    }


def recipient_subentries(
    subentries: Iterable[ConfigSubentry], user_key: str
) -> list[ConfigSubentry]:
    """Return the recipients configured with ``user_key``."""
    return [
        subentry
        for subentry in subentries
        if subentry.subentry_type == SUBENTRY_RECIPIENT
        and subentry.data.get(CONF_USER_KEY) == user_key
    ]
