"""Typed shapes of Pushover's answers.

They are ``TypedDict`` s, so every answer is still the plain decoded JSON
``dict`` that ``pushover_complete`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NotRequired, TypedDict


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
