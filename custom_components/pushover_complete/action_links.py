"""Action links: a tap in a Pushover message that acts in Home Assistant.

Pushover has no buttons; a link can be one. Each recipient's message gets,
per action, a link of its own: the entry's webhook URL with
``?action=<token>``, the token 128 random bits, URL-safe. A token works once
and expires with the message's ``ttl`` (else after 24 hours, counted from
sending). Tokens are stored privately (they survive a restart and wait with
a queued message), at most 1000 per entry (the oldest go first), and never
shown anywhere: not in logs, diagnostics, events, responses or errors.

The links go at the end of the message as ``<a href="LINK">TITLE</a>``, one
per line, and the message is sent as HTML; the caller's own text is escaped
first when it was not HTML, and cut (never the links) to fit Pushover's
1024 characters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import html
import re
import secrets
import time
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api import MAX_MESSAGE
from .const import LOGGER
from .models import MessageAction, Recipient
from .storage import ACTIONS, store_key
from .text import ELLIPSIS

MAX_TOKENS: Final = 1000
DEFAULT_LIFETIME: Final = 24 * 3600
TOKEN_BYTES: Final = 16
# The length of a token: what a link takes is known before it is issued.
TOKEN_LENGTH: Final = len(secrets.token_urlsafe(TOKEN_BYTES))
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 1.0


@dataclass(slots=True)
class ActionToken:
    """What one link does, for whom, and until when."""

    action: str
    action_title: str
    title: str | None
    recipient: str | None
    subentry_id: str | None
    alarm_id: str | None
    link_ref: str | None
    tags: list[str]
    expires_at: float
    receipt: str | None = None
    used: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActionToken:
        """Read the stored form; raise ``KeyError``/``TypeError`` if broken."""
        token = cls(**data)
        if not isinstance(token.action, str) or not isinstance(token.tags, list):
            raise TypeError("not an action token")
        return token


@dataclass(frozen=True, slots=True)
class LinkContext:
    """Where a message's links come from: its alarm (if any), and their lifetime."""

    alarm_id: str | None = None
    ttl: int | None = None


class ActionLinks:
    """The action tokens of one entry: issued, stored, used once."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Hold no token until :meth:`async_load`."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, store_key(entry_id, ACTIONS), private=True
        )
        self.tokens: dict[str, ActionToken] = {}

    async def async_load(self) -> None:
        """Read the stored tokens; expired and damaged ones are left out."""
        stored = await self._store.async_load() or {}
        now = time.time()
        for token, raw in (stored.get("tokens") or {}).items():
            try:
                item = ActionToken.from_dict(raw)
            except (KeyError, TypeError, ValueError):
                LOGGER.warning("Skipped a stored action link that cannot be read")
                continue
            if item.expires_at > now:
                self.tokens[str(token)] = item

    async def async_save(self) -> None:
        """Write the tokens now (before an unload)."""
        await self._store.async_save(self._data_to_save())

    @callback
    def async_issue(
        self,
        recipient: Recipient,
        actions: list[MessageAction],
        *,
        title: str | None,
        tags: list[str],
        context: LinkContext,
        link_ref: str,
    ) -> list[str]:
        """Issue one token per action for ``recipient``; return them in order."""
        expires = time.time() + (context.ttl or DEFAULT_LIFETIME)
        issued = []
        for action in actions:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            self.tokens[token] = ActionToken(
                action=action.action,
                action_title=action.title,
                title=title,
                recipient=recipient.name,
                subentry_id=recipient.subentry_id,
                alarm_id=context.alarm_id,
                link_ref=link_ref,
                tags=list(tags),
                expires_at=expires,
            )
            issued.append(token)
        while len(self.tokens) > MAX_TOKENS:
            del self.tokens[next(iter(self.tokens))]
        self._async_changed()
        return issued

    @callback
    def async_attach_receipt(self, link_ref: str | None, receipt: str) -> None:
        """Tell the links of a delivered emergency which receipt they came with."""
        if link_ref is None:
            return
        for item in self.tokens.values():
            if item.link_ref == link_ref:
                item.receipt = receipt
        self._async_changed()

    def lookup(self, token: str) -> ActionToken | None:
        """Return a token's link if it was issued and has not expired."""
        item = self.tokens.get(token)
        if item is None or item.expires_at <= time.time():
            return None
        return item

    @callback
    def async_use(self, item: ActionToken) -> bool:
        """Use a link once: ``True`` the first time, ``False`` after."""
        if item.used:
            return False
        item.used = True
        self._async_changed()
        return True

    @callback
    def _async_changed(self) -> None:
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    def _data_to_save(self) -> dict[str, Any]:
        now = time.time()
        return {
            "tokens": {
                token: asdict(item)
                for token, item in self.tokens.items()
                if item.expires_at > now
            }
        }


def link_html(url: str, token: str, title: str) -> str:
    """Return one action link as Pushover's HTML shows it."""
    return f'<a href="{html.escape(url + "?action=" + token)}">{html.escape(title)}</a>'


def compose(text: str, is_html: bool, links: list[str]) -> tuple[str, bool]:
    """Return the message with its links at the end; whether the text was cut.

    The caller's text is escaped when it was not HTML, then cut (never the
    links, never inside an entity or a tag) so that the whole fits Pushover's
    limit.
    """
    body = text if is_html else html.escape(text, quote=False)
    tail = "".join("\n" + link for link in links)
    room = MAX_MESSAGE - len(tail)
    if len(body) <= room:
        return body + tail, False
    cut = body[: room - 1]
    if (amp := cut.rfind("&")) > cut.rfind(";"):  # never half an entity
        cut = cut[:amp]
    if is_html and (lt := cut.rfind("<")) > cut.rfind(">"):  # nor half a tag
        cut = cut[:lt]
    return cut + ELLIPSIS + tail, True


# A link a message carries that holds a token: its address names a webhook
# (an id and the token), so a received message shows only its title. Every
# pattern here runs in time linear in the message (a download may be large).
_TOKEN = re.compile(rf"[?&]action=[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}(?![A-Za-z0-9_-])")
_ANCHOR = re.compile(rf'<a href="[^"<>]*{_TOKEN.pattern}">([^<]*)</a>')
_DELIMITER = re.compile(r"[\s\"'<>]")


def without_links(text: str) -> str:
    """Return a received message with its action links' addresses taken out.

    Home Assistant may receive its own messages (a Pushover device on a
    recipient's account): a token or a webhook id must not reach its events.
    A link keeps its title; a bare address goes.
    """
    if "action=" not in text:
        return text
    text = _ANCHOR.sub(r"\1", text)
    kept, done = [], 0
    for token in _TOKEN.finditer(text):
        start = done
        for delimiter in _DELIMITER.finditer(text, done, token.start()):
            start = delimiter.end()
        kept.append(text[done:start])
        done = token.end()
    kept.append(text[done:])
    return "".join(kept)


def placeholder_token() -> str:
    """Return a token's stand-in of the right length (a check issues nothing)."""
    return "x" * TOKEN_LENGTH
