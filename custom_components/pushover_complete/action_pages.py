"""The pages an action link shows: confirm, done, already used, not valid.

Small, readable on a phone, in the visitor's language where Home Assistant
has it (``Accept-Language``; else English). Everything shown is escaped, no
script runs (a Content-Security-Policy forbids any), nothing of the query
string is shown, and the page is never cached or framed. A GET only shows:
phones and chat apps fetch links to preview them. The button POSTs to the
same address.
"""

from __future__ import annotations

import html
from pathlib import Path
import re
from typing import Final

from aiohttp import web

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .action_links import ActionToken
from .const import DOMAIN

HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
STYLE: Final = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:2rem 1rem;"
    "background:#f4f4f4;color:#222}main{max-width:28rem;margin:auto;background:#fff;"
    "padding:1.5rem;border-radius:.75rem}h1{font-size:1.4rem;margin:0 0 .75rem}"
    "button{font-size:1.1rem;padding:.75rem 1.5rem;border:0;border-radius:.5rem;"
    "background:#03a9f4;color:#fff;width:100%}"
)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$", re.IGNORECASE)


def shipped_languages() -> frozenset[str]:
    """Return the languages this integration has translations for (reads the disk)."""
    folder = Path(__file__).parent / "translations"
    return frozenset(path.stem for path in folder.glob("*.json"))


def best_language(header: str, shipped: frozenset[str]) -> str:
    """Pick the visitor's first language this integration speaks, else English."""
    for part in header.split(",")[:10]:
        tag = part.split(";")[0].strip()
        if not _LANGUAGE.match(tag):
            continue
        for candidate in (tag, tag.split("-")[0].lower()):
            if candidate in shipped:
                return candidate
    return "en"


class ActionPages:
    """Render the action pages in the visitor's language."""

    def __init__(self, hass: HomeAssistant, shipped: frozenset[str]) -> None:
        """Speak the ``shipped`` languages."""
        self.hass = hass
        self._shipped = shipped

    async def _texts(self, request: web.Request) -> tuple[str, dict[str, str]]:
        language = best_language(
            request.headers.get("Accept-Language", ""), self._shipped
        )
        strings = await async_get_translations(
            self.hass, language, "exceptions", [DOMAIN]
        )
        prefix = f"component.{DOMAIN}.exceptions."
        return language, {
            key[len(prefix) : -len(".message")]: value
            for key, value in strings.items()
            if key.startswith(prefix + "action_link_")
        }

    async def async_confirm(
        self, request: web.Request, item: ActionToken
    ) -> web.Response:
        """The page a GET shows: what would happen, and a button that does it."""
        language, texts = await self._texts(request)
        about = (
            texts["action_link_about"].format(title=item.title) if item.title else ""
        )
        form = (
            '<form method="post"><button type="submit">'
            f"{html.escape(texts['action_link_confirm'])}</button></form>"
        )
        return _page(language, f"{item.action_title}?", about, form, 200)

    async def async_done(self, request: web.Request, item: ActionToken) -> web.Response:
        """The page after the confirming POST."""
        language, texts = await self._texts(request)
        text = texts["action_link_done"].format(action=item.action_title)
        return _page(language, item.action_title, text, "", 200)

    async def async_used(self, request: web.Request) -> web.Response:
        """The page of a link already used (410)."""
        language, texts = await self._texts(request)
        return _page(language, texts["action_link_used"], "", "", 410)

    async def async_unknown(self, request: web.Request) -> web.Response:
        """The page of a link never issued, or expired (404)."""
        language, texts = await self._texts(request)
        return _page(language, texts["action_link_unknown"], "", "", 404)


def _page(
    language: str, heading: str, text: str, form: str, status: int
) -> web.Response:
    """Return one small page; ``heading`` and ``text`` are escaped here."""
    body = (
        f'<!doctype html><html lang="{html.escape(language)}"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(heading)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{html.escape(heading)}</h1>"
        f"{f'<p>{html.escape(text)}</p>' if text else ''}{form}</main></body></html>"
    )
    return web.Response(
        text=body, status=status, content_type="text/html", headers=HEADERS
    )
