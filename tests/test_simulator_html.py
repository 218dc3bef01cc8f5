"""The simulator's inbox shows html=1 messages as Pushover's apps do, and runs no script."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import aiohttp
from multidict import CIMultiDictProxy
import pytest

from pushover_simulator import PushoverSimulator
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import Api


class Elements(HTMLParser):
    """The start tags of a page, with their attributes, and the text of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._href, self._words = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append(("".join(self._words), self._href))
            self._href = None

    def handle_data(self, data: str) -> None:
        self._words.append(data)


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


async def inbox(api: Api) -> tuple[str, CIMultiDictProxy[str]]:
    """GET the inbox: its page and headers."""
    async with api.session.get(api.root) as resp:
        assert resp.status == 200
        return await resp.text(), resp.headers


async def message_card(api: Api, **fields: str) -> str:
    """Send a message and return the inbox's card of it (the newest, shown first)."""
    status, _ = await api.send(**fields)
    assert status == 200
    page, _ = await inbox(api)
    start = page.index('id="message-')
    return page[start : page.index('<div class="meta">', start)]


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("<b>bold</b> <i>it</i> <u>under</u>", "<b>bold</b> <i>it</i> <u>under</u>"),
        ('<font color="#ff0000">red</font>', '<font color="#ff0000">red</font>'),
        ("<font color=blue>blue</font>", '<font color="blue">blue</font>'),
        (
            '<a href="https://example.com/a?x=1&amp;y=2">Open</a>',
            '<a href="https://example.com/a?x=1&amp;y=2" rel="noopener noreferrer">'
            "Open</a>",
        ),
        ("<B>loud</B>", "<b>loud</b>"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        (
            '<a href="javascript:alert(1)">x</a>',
            "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;",
        ),
        (
            '<a href="https://e.x" onclick="alert(1)">x</a>',
            "&lt;a href=&quot;https://e.x&quot; onclick=&quot;alert(1)&quot;&gt;x"
            "&lt;/a&gt;",
        ),
        (
            '<font color="red" style="x">r</font>',
            "&lt;font color=&quot;red&quot; style=&quot;x&quot;&gt;r&lt;/font&gt;",
        ),
        ("<b>open <i>both", "<b>open <i>both</i></b>"),
        ("</b>stray", "&lt;/b&gt;stray"),
        ("1 &lt; 2 &amp; 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
        ("line one\nline two", "line one\nline two"),
    ],
)
async def test_html_body_shows_only_pushovers_tags(
    api: Api, message: str, shown: str
) -> None:
    card = await message_card(api, message=message, html="1")
    assert f'<div class="body html">{shown}</div>' in card


async def test_plain_and_monospace_bodies_are_text(api: Api) -> None:
    card = await message_card(api, message="<b>not bold</b>")
    assert '<div class="body">&lt;b&gt;not bold&lt;/b&gt;</div>' in card
    card = await message_card(api, message="<b>x</b>", monospace="1")
    assert '<pre class="body">&lt;b&gt;x&lt;/b&gt;</pre>' in card


@pytest.mark.parametrize(
    ("url", "links"),
    [
        ("https://example.com/x", [("Go", "https://example.com/x")]),
        ("http://127.0.0.1:8123/lovelace", [("Go", "http://127.0.0.1:8123/lovelace")]),
        ("javascript:alert(1)", []),
        ("homeassistant://navigate/lovelace", []),
    ],
)
async def test_supplementary_url_is_a_link_only_when_http(
    api: Api, url: str, links: list[tuple[str, str]]
) -> None:
    card = await message_card(api, url=url, url_title="Go")
    elements = Elements()
    elements.feed(card)
    assert elements.links == links
    assert escape(url) in card


async def test_page_has_no_script_and_forbids_them(
    sim: PushoverSimulator, api: Api
) -> None:
    await api.send(message="<script src=https://evil.example/x.js></script>", html="1")
    await api.send(message="<iframe src=https://evil.example></iframe>")
    await api.send(
        message='<a href="data:text/html,<script>x</script>">d</a>', html="1"
    )
    page, headers = await inbox(api)
    elements = Elements()
    elements.feed(page)
    assert {tag for tag, _ in elements.tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "div",
        "p",
        "pre",
        "a",
        "b",
        "i",
        "u",
        "font",
        "img",
        "form",
        "button",
        "ul",
        "li",
    }
    assert not [
        name
        for _, attrs in elements.tags
        for name in attrs
        if name.startswith("on") or name in ("src", "srcdoc")
    ]
    assert [href for _, href in elements.links] == []
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy


async def test_an_action_link_in_the_inbox_can_be_followed(
    sim: PushoverSimulator, api: Api
) -> None:
    target = api.root + "_sim/state"
    await api.send(
        message=f'Water! <a href="{target}">Acknowledge</a> or <b>call</b>', html="1"
    )
    page, _ = await inbox(api)
    elements = Elements()
    elements.feed(page)
    assert elements.links == [("Acknowledge", target)]
    async with api.session.get(elements.links[0][1]) as resp:
        assert resp.status == 200
        assert (await resp.json())["messages"][0]["html"] == "1"
