"""Emergency receipts: the fields of GET receipts/{receipt}.json, retries, expiry, cancel.

A receipt is created by a priority-2 send and lives for a week (`RECEIPT_LIFETIME`).
Times are Unix seconds of the simulator's clock: `sent_at`, `acknowledged_at`,
`called_back_at` and `canceled_at` (0 while it has not happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_EMERGENCY_RETRIES = 50
RECEIPT_LIFETIME = 7 * 24 * 3600


@dataclass
class Receipt:
    """An emergency-priority receipt (§4.1 fields plus what the simulator knows)."""

    receipt: str
    token: str
    sent_at: int
    retry: int
    expire: int
    expires_at: int
    title: str | None
    message: str
    users: list[str]
    deliveries: dict[str, list[str]]
    tags: list[str] = field(default_factory=list)
    callback: str | None = None
    acknowledged: bool = False
    acknowledged_at: int = 0
    acknowledged_by: str = ""
    acknowledged_by_device: str = ""
    called_back: bool = False
    called_back_at: int = 0
    callback_attempts: int = 0
    canceled: bool = False
    canceled_at: int = 0

    @property
    def user(self) -> str:
        """Return the first recipient."""
        return self.users[0] if self.users else ""

    def expired(self, now: float) -> bool:
        """Return whether retrying has stopped because `expire` has passed."""
        return now >= self.expires_at

    def active(self, now: float) -> bool:
        """Return whether the notification is still retrying."""
        return not (self.acknowledged or self.canceled or self.expired(now))

    def queryable(self, now: float) -> bool:
        """Return whether Pushover still answers for the receipt (up to a week)."""
        return now <= self.sent_at + RECEIPT_LIFETIME

    def cancel(self, now: float) -> bool:
        """Stop the retries if they still run; return whether they did."""
        if not self.active(now):
            return False
        self.canceled = True
        self.canceled_at = int(now)
        return True

    def last_delivered_at(self, now: float) -> int:
        """When the notification was last (re)delivered."""
        end = min(now, self.expires_at)
        if self.acknowledged:
            end = min(end, self.acknowledged_at)
        if self.canceled:
            end = min(end, self.canceled_at)
        rounds = min(
            MAX_EMERGENCY_RETRIES, max(0, int((end - self.sent_at) // self.retry))
        )
        return self.sent_at + rounds * self.retry

    def api_fields(self, now: float) -> dict[str, Any]:
        """Return the fields GET receipts/{receipt}.json answers with."""
        return {
            "acknowledged": int(self.acknowledged),
            "acknowledged_at": self.acknowledged_at,
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_by_device": self.acknowledged_by_device,
            "last_delivered_at": self.last_delivered_at(now),
            "expired": int(self.expired(now)),
            "expires_at": self.expires_at,
            "called_back": int(self.called_back),
            "called_back_at": self.called_back_at,
        }
