"""Typed shapes of Pushover's answers, and the fields each answer must have.

They are ``TypedDict`` s, so every answer is still the plain decoded JSON
``dict`` that ``pushover_complete`` returns. The Open Client login answer, which
carries a credential, is a dataclass that keeps the secret out of its repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NotRequired, TypedDict

type FieldTypes = Mapping[str, type | tuple[type, ...]]


@dataclass(frozen=True, slots=True)
class Limits:
    """The ``X-Limit-App-*`` headers of the last answer that had them."""

    limit: int
    remaining: int
    reset: int


class PushoverResponse(TypedDict):
    """Fields every successful answer has."""

    status: int
    request: str


class MessageResponse(PushoverResponse):
    """Answer to ``messages.json``."""

    receipt: NotRequired[str]


class SoundsResponse(PushoverResponse):
    """Answer to ``sounds.json``."""

    sounds: dict[str, str]


class ValidateResponse(PushoverResponse):
    """Answer to ``users/validate.json``."""

    group: int
    devices: list[str]
    licenses: NotRequired[list[str]]


class ReceiptResponse(PushoverResponse):
    """Answer to ``receipts/{receipt}.json``."""

    acknowledged: int
    acknowledged_at: int
    acknowledged_by: str
    acknowledged_by_device: str
    last_delivered_at: int
    expired: int
    expires_at: int
    called_back: int
    called_back_at: int


class CancelByTagResponse(PushoverResponse):
    """Answer to ``receipts/cancel_by_tag/{tag}.json``."""

    canceled: int


class GroupCreateResponse(PushoverResponse):
    """Answer to ``POST groups.json``."""

    group: str


class GroupSummary(TypedDict):
    """One group in ``GET groups.json``."""

    group: str
    name: str


class GroupListResponse(PushoverResponse):
    """Answer to ``GET groups.json``."""

    groups: list[GroupSummary]


class GroupMember(TypedDict):
    """One member in ``groups/{key}.json``."""

    user: str
    device: str | None
    memo: str | None
    disabled: bool


class GroupInfoResponse(PushoverResponse):
    """Answer to ``groups/{key}.json``."""

    name: str
    users: list[GroupMember]


class SubscriptionResponse(PushoverResponse):
    """Answer to ``subscriptions/migrate.json``."""

    subscribed_user_key: str


class LicenseResponse(PushoverResponse):
    """Answer to ``licenses/assign.json`` and ``licenses.json``."""

    credits: int


class LimitsResponse(PushoverResponse):
    """Answer to ``apps/limits.json``."""

    limit: int
    remaining: int
    reset: int


@dataclass(frozen=True, slots=True)
class LoginResponse:
    """Answer to ``users/login.json``: the user key and a session secret."""

    id: str
    secret: str = field(repr=False)
    request: str | None = None


class ReceivedMessage(TypedDict):
    """One message from ``GET messages.json``; absent fields are ``None``."""

    id: int
    umid: int | None
    title: str | None
    message: str | None
    app: str | None
    aid: int | None
    icon: str | None
    date: int | None
    priority: int
    sound: str | None
    url: str | None
    url_title: str | None
    html: bool
    acked: bool
    receipt: str | None


class PushFrame(StrEnum):
    """A frame of Pushover's push websocket."""

    KEEPALIVE = "#"
    NEW_MESSAGE = "!"
    RELOAD = "R"
    ERROR = "E"
    LOGGED_OUT = "A"


_NULL = type(None)
_RECEIPT_FIELDS: FieldTypes = {
    "acknowledged": int,
    "acknowledged_at": (int, _NULL),
    "acknowledged_by": (str, _NULL),
    "acknowledged_by_device": (str, _NULL),
    "expired": int,
    "expires_at": int,
}

# The fields a caller reads from each answer (by method and endpoint template).
# An answer without them is a connection error: Pushover is not itself.
REQUIRED_FIELDS: Mapping[tuple[str, str], FieldTypes] = {
    ("GET", "sounds.json"): {"sounds": dict},
    ("GET", "apps/limits.json"): {"limit": int, "remaining": int, "reset": int},
    ("POST", "users/validate.json"): {"group": int, "devices": list},
    ("GET", "receipts/{}.json"): _RECEIPT_FIELDS,
    ("POST", "receipts/cancel_by_tag/{}.json"): {"canceled": int},
    ("POST", "groups.json"): {"group": str},
    ("GET", "groups.json"): {"groups": list},
    ("GET", "groups/{}.json"): {"name": str, "users": list},
    ("POST", "subscriptions/migrate.json"): {"subscribed_user_key": str},
    ("POST", "licenses/assign.json"): {"credits": int},
    ("GET", "licenses.json"): {"credits": int},
    ("POST", "users/login.json"): {"id": str, "secret": str},
    ("POST", "devices.json"): {"id": str},
    ("GET", "messages.json"): {"messages": list},
}

# An emergency (priority 2) answer is only usable with its receipt.
EMERGENCY_FIELDS: FieldTypes = {"receipt": str}
