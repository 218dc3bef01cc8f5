"""What a send is made of: the message, its recipients, the planned requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .api import BadAPIRequestError


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
    # The recipient's own Pushover devices it is restricted to (empty: all).
    recipient_devices: tuple[str, ...] = ()
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
