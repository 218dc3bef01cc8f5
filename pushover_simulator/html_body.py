"""Message bodies sent with html=1, shown the way Pushover's apps show them.

Only Pushover's tags are markup: `<b>`, `<i>`, `<u>`, `<font color="...">` and
`<a href="...">` with an http or https address. Anything else, including an
anchor to another scheme (`javascript:`, `data:`, an app's own scheme), stays
visible as text, escaped. Tags are balanced: a closing tag without its opening
one is text, and whatever is left open is closed at the end of the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape, unescape
import re
from urllib.parse import urlsplit

_TAG_RE = re.compile(r"<[^<>]*>")
_VALUE = r"""(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
_SIMPLE_RE = re.compile(r"<(b|i|u)>", re.IGNORECASE)
_CLOSE_RE = re.compile(r"</(a|b|i|u|font)\s*>", re.IGNORECASE)
_ANCHOR_RE = re.compile(rf"<a\s+href\s*=\s*{_VALUE}\s*>", re.IGNORECASE)
_FONT_RE = re.compile(rf"<font\s+color\s*=\s*{_VALUE}\s*>", re.IGNORECASE)
_COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|[a-zA-Z]{1,20}")
_HREF_RE = re.compile(r"https?://[^\s\"'<>\\`\x00-\x1f\x7f]+", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    """A clickable link of a message: the words shown and the address."""

    text: str
    href: str


@dataclass(frozen=True)
class Token:
    """A piece of a body: `text` (shown as is), or an opening or closing tag."""

    kind: str  # "text", "open" or "close"
    value: str  # the text, or the tag name
    attr: str = ""  # the checked href or color of an opening tag
    raw: str = ""  # a tag's source, shown as text if it cannot be markup here


def safe_href(href: str) -> str | None:
    """Return `href` if it is an http(s) address a browser opens as such, else None."""
    if not _HREF_RE.fullmatch(href) or not urlsplit(href).hostname:
        return None
    return href


def _attr(match: re.Match[str]) -> str:
    """Return the (unescaped) attribute value of a tag match."""
    return unescape(next(g for g in match.groups() if g is not None))


def _tag(raw: str) -> Token | None:
    """Return the supported tag `raw` is, or None (it is then text)."""
    if match := _SIMPLE_RE.fullmatch(raw):
        return Token("open", match.group(1).lower(), raw=raw)
    if match := _CLOSE_RE.fullmatch(raw):
        return Token("close", match.group(1).lower(), raw=raw)
    if (match := _ANCHOR_RE.fullmatch(raw)) and (href := safe_href(_attr(match))):
        return Token("open", "a", href, raw)
    if (match := _FONT_RE.fullmatch(raw)) and _COLOR_RE.fullmatch(_attr(match)):
        return Token("open", "font", _attr(match), raw)
    return None


def _raw_tokens(body: str) -> list[Token]:
    """Split `body` into text and supported tags (not yet balanced)."""
    tokens: list[Token] = []
    pos = 0
    for match in _TAG_RE.finditer(body):
        tokens.append(Token("text", unescape(body[pos : match.start()])))
        tag = _tag(match.group())
        tokens.append(tag or Token("text", unescape(match.group())))
        pos = match.end()
    tokens.append(Token("text", unescape(body[pos:])))
    return [t for t in tokens if t.kind != "text" or t.value]


def tokenize(body: str) -> list[Token]:
    """Split `body` into text and balanced supported tags."""
    tokens: list[Token] = []
    stack: list[str] = []
    for token in _raw_tokens(body):
        if token.kind == "open" and not (token.value == "a" and "a" in stack):
            stack.append(token.value)
            tokens.append(token)
        elif token.kind == "close" and token.value in stack:
            while (name := stack.pop()) != token.value:
                tokens.append(Token("close", name))
            tokens.append(token)
        elif token.kind != "text":  # a tag that cannot be markup here
            tokens.append(Token("text", unescape(token.raw)))
        else:
            tokens.append(token)
    tokens.extend(Token("close", name) for name in reversed(stack))
    return tokens


def _open_tag(token: Token) -> str:
    """Return the HTML of a checked opening tag."""
    if token.value == "a":
        return f'<a href="{escape(token.attr)}" rel="noopener noreferrer">'
    if token.value == "font":
        return f'<font color="{escape(token.attr)}">'
    return f"<{token.value}>"


def render_html_body(body: str) -> str:
    """Return `body` as safe HTML: Pushover's tags rendered, everything else escaped."""
    parts = []
    for token in tokenize(body):
        if token.kind == "open":
            parts.append(_open_tag(token))
        elif token.kind == "close":
            parts.append(f"</{token.value}>")
        else:
            parts.append(escape(token.value))
    return "".join(parts)


def body_text(body: str) -> str:
    """Return what a reader sees of an HTML body: its text, without the markup."""
    return "".join(t.value for t in tokenize(body) if t.kind == "text")


def body_links(body: str) -> list[Link]:
    """Return the body's clickable links, in order."""
    links: list[Link] = []
    href: str | None = None
    words: list[str] = []
    for token in tokenize(body):
        if token.kind == "open" and token.value == "a":
            href, words = token.attr, []
        elif token.kind == "close" and token.value == "a" and href is not None:
            links.append(Link("".join(words), href))
            href = None
        elif token.kind == "text":
            words.append(token.value)
    return links
