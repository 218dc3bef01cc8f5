"""A typed view of the messages the simulator accepted, as each recipient reads them.

`sim.messages` keeps every accepted send as a dict of the parameters exactly as
they arrived (a field the client did not send is absent) plus what the simulator
added (`users`, `deliveries`, `receipt`, `received_at`, ...). `SentMessage` reads
one such record with types and defaults, and tells the text and the links a
recipient sees: for an html=1 body the text without markup and its http(s)
anchors, then the supplementary `url` when it is an http(s) address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .html_body import Link, body_links, body_text, safe_href


def _opt_int(value: str | None) -> int | None:
    """Return an integer parameter as sent, None when absent or blank."""
    return int(value) if value is not None and value.strip() else None


@dataclass(frozen=True)
class SentMessage:
    """One accepted messages.json send (see the module docstring)."""

    token: str
    users: tuple[str, ...]
    deliveries: dict[str, list[str]]
    message: str
    title: str | None
    html: bool
    monospace: bool
    priority: int
    retry: int | None
    expire: int | None
    tags: tuple[str, ...]
    callback: str | None
    url: str | None
    url_title: str | None
    sound: str | None
    device: str | None
    timestamp: int | None
    ttl: int | None
    receipt: str | None
    received_at: float
    record: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SentMessage:
        """Read a record of `sim.messages`."""
        get = record.get
        return cls(
            token=record["token"],
            users=tuple(record["users"]),
            deliveries=record["deliveries"],
            message=record["message"],
            title=get("title"),
            html=get("html") == "1",
            monospace=get("monospace") == "1",
            priority=_opt_int(get("priority")) or 0,
            retry=_opt_int(get("retry")),
            expire=_opt_int(get("expire")),
            tags=tuple(t for t in (get("tags") or "").split(",") if t),
            callback=get("callback"),
            url=get("url"),
            url_title=get("url_title"),
            sound=get("sound"),
            device=get("device"),
            timestamp=_opt_int(get("timestamp")),
            ttl=_opt_int(get("ttl")),
            receipt=record["receipt"],
            received_at=record["received_at"],
            record=record,
        )

    @property
    def text(self) -> str:
        """The body as the recipient reads it (markup of an html=1 body removed)."""
        return body_text(self.message) if self.html else self.message

    @property
    def links(self) -> list[Link]:
        """The clickable http(s) links: the body's anchors, then the supplementary url."""
        links = body_links(self.message) if self.html else []
        if self.url and safe_href(self.url):
            links.append(Link(self.url_title or self.url, self.url))
        return links
