"""Differences between the Home Assistant versions this integration supports.

Each shim names the oldest version that needs it. The day Home Assistant
2025.4 is no longer supported, every shim marked "2025.4" goes.
"""

from __future__ import annotations

from typing import Any


def set_last_notified(entity: Any, isoformat: str) -> None:
    """Set a notify entity's state (the time it last sent) without writing it.

    Both versions keep the time in ``NotifyEntity``'s private
    ``__last_notified_isoformat`` behind the cached ``state`` property; 2026
    has a method that also writes the state at once, 2025.4 has none.
    """
    entity.__dict__.pop("state", None)
    entity._NotifyEntity__last_notified_isoformat = isoformat
