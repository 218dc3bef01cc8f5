"""Action links (CONTRACT §10): a tap on a message's link → the Home Assistant event.

100 messages with one action each (``pushover_complete.send_message`` to
``notify.ours_01``, ``actions: [{siren_off, Silence}]``, each with a title of its own so
its event can be told apart). Their links are read back from the simulator (what the
recipient's phone shows) and tapped one at a time from this process, as a phone would:
a ``GET`` (the confirm page, fires nothing), the confirming ``POST`` (fires
``pushover_complete_action`` once), then a second ``POST`` (answers 410, fires nothing).
Home Assistant's external URL is ``http://127.0.0.1:<its port>`` meanwhile; every
request goes to 127.0.0.1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import time
from typing import Any

from .common import measured
from .harness import Bench
from .incident_kit import EventLog

TAP_COUNT = 100
ACTION = {"action": "siren_off", "title": "Silence"}


@dataclass
class Tap:
    """One link tapped: when the POST left, how long each request took, the answers."""

    title: str
    get_s: float
    post_at: float
    post_s: float
    statuses: tuple[int, int, int]


async def action_taps(b: Bench) -> dict[str, Any]:
    """Send 100 messages with an action, tap every link; time and count the events."""
    import aiohttp

    log = EventLog(b.hass, "pushover_complete_action")
    b.hass.config.external_url = f"http://127.0.0.1:{b.http_port}"
    try:
        async with aiohttp.ClientSession() as session:
            await tap_round(b, session, log, b.tag("twarm"), 3)
            log.clear()
            return await tap_round(b, session, log, b.tag("tap"), TAP_COUNT)
    finally:
        b.hass.config.external_url = None
        log.close()


async def tap_round(
    b: Bench, session: Any, log: EventLog, prefix: str, count: int
) -> dict[str, Any]:
    """Send ``count`` messages with an action; tap each link (GET, POST, POST again)."""
    await b.ctl.forget()
    with measured() as window:
        for i in range(count):
            await b.send_ours(f"{prefix}{i}", title=f"{prefix}{i}", actions=[ACTION])
    sent = await b.ctl.counters(prefix)
    links = await b.ctl.links(prefix)
    taps = [await tap(session, link["title"], link["href"]) for link in links]
    await b.hass.async_block_till_done()
    fired = log.first("title")
    return {
        "send": {"cpu_s": window.cpu, "wall_s": window.wall, "count": count},
        "messages_at_sim": sent["distinct_deliveries"],
        "html_links": len(links),
        "link_texts": sorted({link["text"] for link in links}),
        "get_s": [t.get_s for t in taps],
        "post_s": [t.post_s for t in taps],
        "post_to_event_s": [
            fired[t.title] - t.post_at for t in taps if t.title in fired
        ],
        "statuses": sorted(Counter(t.statuses for t in taps).items()),
        "events": len(log.seen),
        "events_per_link": sorted(set(Counter(log.values("title")).values())),
        "event_actions": sorted(set(map(str, log.values("action")))),
    }


async def tap(session: Any, title: str, href: str) -> Tap:
    """Tap one link as a phone would: GET the page, POST to confirm, POST again."""
    if not href.startswith("http://127.0.0.1:"):
        raise ValueError("the bench only sends to 127.0.0.1")
    t0 = time.monotonic()
    async with session.get(href) as resp:
        await resp.read()
        shown = int(resp.status)
    get_s = time.monotonic() - t0
    post_at = time.monotonic()
    async with session.post(href) as resp:
        await resp.read()
        done = int(resp.status)
    post_s = time.monotonic() - post_at
    async with session.post(href) as resp:
        await resp.read()
        again = int(resp.status)
    return Tap(title, get_s, post_at, post_s, (shown, done, again))
