"""Text cut to a length the way every text this integration shows is cut."""

from __future__ import annotations

from typing import Final

ELLIPSIS: Final = "…"


def cut(text: str, limit: int) -> tuple[str, bool]:
    """Cut ``text`` to ``limit`` characters, ending with "…"; say whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1] + ELLIPSIS, True
