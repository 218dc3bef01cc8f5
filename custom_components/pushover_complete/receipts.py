"""Pushover's answer about an emergency receipt, in clean values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.util import dt as dt_util


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
