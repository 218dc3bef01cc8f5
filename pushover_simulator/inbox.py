"""The HTML inbox page (GET /) and the acknowledge control endpoint.

Messages are shown as Pushover's apps show them: an html=1 body with its
supported tags rendered and everything else escaped (`html_body.py`), links
only to http(s) addresses. The page carries no script and its Content Security
Policy allows none, nor anything from elsewhere but the links themselves.
"""

from __future__ import annotations

import base64
import datetime as dt
from html import escape
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .html_body import render_html_body, safe_href

if TYPE_CHECKING:
    from .state import Receipt, SimulatorState

PRIORITY_NAMES = {
    "-2": "lowest",
    "-1": "low",
    "0": "normal",
    "1": "high",
    "2": "emergency",
}
_MAGIC = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"RIFF": "image/webp",
}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;background:#f4f4f6}
.msg{background:#fff;border-radius:8px;padding:1em;margin:0 0 1em;box-shadow:0 1px 3px #0002}
.p2{border-left:6px solid #c00}.p1{border-left:6px solid #e80}
.meta{color:#666;font-size:.85em}img{max-width:160px;max-height:160px;display:block}
h2{margin:.2em 0}pre,.body{white-space:pre-wrap;margin:.4em 0}
"""
# No scripts at all, styles and images from the page itself only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _image_type(data: bytes, declared: str | None) -> str | None:
    if declared and declared.startswith("image/"):
        return declared
    return next((ct for magic, ct in _MAGIC.items() if data.startswith(magic)), None)


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )


def _render_attachment(data: bytes, declared: str | None) -> str:
    """Show an image attachment inline, anything else as its size."""
    image_type = _image_type(data, declared)
    if not image_type:
        return f"<p>attachment: {len(data)} bytes</p>"
    uri = f"data:{image_type};base64,{base64.b64encode(data).decode()}"
    return f'<img alt="attachment" src="{escape(uri)}">'


def _receipt_state(sim: SimulatorState, receipt: Receipt) -> str:
    """Describe where an emergency receipt stands."""
    if receipt.acknowledged:
        state = (
            f"acknowledged by {receipt.acknowledged_by} "
            f"({receipt.acknowledged_by_device}) at {_when(receipt.acknowledged_at)}"
        )
    elif receipt.canceled:
        state = "canceled"
    elif receipt.expired(sim.clock()):
        state = "expired"
    else:
        state = f"awaiting acknowledgement until {_when(receipt.expires_at)}"
    if receipt.called_back:
        state += ", callback delivered"
    return state


def _render_receipt(sim: SimulatorState, receipt: Receipt) -> str:
    """Show a receipt's state and, while it is active, the Acknowledge button."""
    rid = escape(receipt.receipt)
    html = (
        f'<div class="meta">receipt {rid}: {escape(_receipt_state(sim, receipt))}</div>'
    )
    if receipt.active(sim.clock()):
        html += (
            f'<form method="post" action="/_sim/acknowledge/{rid}">'
            f'<button type="submit" data-receipt="{rid}">Acknowledge</button></form>'
        )
    return html


def _render_body(msg: dict[str, Any]) -> str:
    """Render the message text: html=1 as Pushover's apps do, monospace as such."""
    text = msg.get("message", "")
    if msg.get("html") == "1":
        return f'<div class="body html">{render_html_body(text)}</div>'
    if msg.get("monospace") == "1":
        return f'<pre class="body">{escape(text)}</pre>'
    return f'<div class="body">{escape(text)}</div>'


def _render_url(msg: dict[str, Any]) -> str:
    """Render the supplementary URL: a link when it is http(s), else its text."""
    url = msg.get("url") or ""
    if not url:
        return ""
    label = escape(msg.get("url_title") or url)
    if safe_href(url) is None:
        return f'<div class="url">{label} ({escape(url)})</div>'
    return (
        f'<div class="url"><a href="{escape(url)}" rel="noopener noreferrer">'
        f"{label}</a></div>"
    )


def _render_meta(msg: dict[str, Any], priority: str) -> str:
    """Render the priority, sound, recipients, device parameter and time."""
    devices = "; ".join(
        f"{user}: {', '.join(devs) or '(no devices)'}"
        for user, devs in msg.get("deliveries", {}).items()
    )
    meta = [
        f"priority {escape(priority)} ({PRIORITY_NAMES.get(priority, '?')})",
        f"sound {escape(msg.get('sound') or 'default')}",
        f"to {escape(devices)}",
        f"device param {escape(msg.get('device') or '(all)')}",
        _when(msg["received_at"]),
    ]
    if msg.get("encrypted") == "1":
        meta.append("encrypted")
    return f'<div class="meta">{" · ".join(meta)}</div>'


def _render_message(sim: SimulatorState, index: int, msg: dict[str, Any]) -> str:
    """Render one delivered message (number `index` of `sim.messages`) as a card."""
    priority = msg.get("priority") or "0"
    parts = [
        f'<div class="msg p{escape(priority)}" id="message-{index}">',
        f"<h2>{escape(msg.get('title') or '(application name)')}</h2>",
        _render_body(msg),
        _render_url(msg),
    ]
    if msg.get("attachment") is not None:
        parts.append(
            _render_attachment(msg["attachment"], msg.get("attachment_content_type"))
        )
    parts.append(_render_meta(msg, priority))
    receipt = sim.receipts.get(msg.get("receipt") or "")
    if receipt is not None:
        parts.append(_render_receipt(sim, receipt))
    parts.append("</div>")
    return "".join(parts)


def _render_open_client(sim: SimulatorState) -> str:
    """List the Open Client devices and the messages waiting for each."""
    devices = sim.open_client.devices.values()
    if not devices:
        return ""
    items = []
    for device in devices:
        pending = "".join(
            f'<li data-message-id="{m["id"]}">#{m["id"]} '
            f"{escape(str(m.get('title') or ''))}: {escape(str(m['message']))}</li>"
            for m in device.messages
        )
        items.append(
            f'<div class="msg open-client" data-device-id="{escape(device.id)}">'
            f"<h2>{escape(device.name)}</h2>"
            f'<div class="meta">user {escape(device.user)} · '
            f"{sim.push_connections(device.id)} push connection(s) · "
            f"{len(device.messages)} pending</div>"
            f"<ul>{pending}</ul></div>"
        )
    return f"<h1>Open Client devices</h1>{''.join(items)}"


def render_inbox(sim: SimulatorState) -> str:
    """Return the inbox page: Open Client devices, then every message, newest first."""
    body = "".join(
        _render_message(sim, index, msg)
        for index, msg in reversed(list(enumerate(sim.messages)))
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        "<title>Pushover simulator inbox</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"{_render_open_client(sim)}"
        f"<h1>Pushover simulator: {len(sim.messages)} message(s)</h1>"
        f"{body or '<p>No messages yet.</p>'}</body></html>"
    )


def add_ui_routes(app: web.Application, sim: SimulatorState) -> None:
    """Register GET / and POST /_sim/acknowledge/{receipt}."""

    async def inbox(request: web.Request) -> web.Response:
        return web.Response(
            text=render_inbox(sim),
            content_type="text/html",
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        )

    async def acknowledge(request: web.Request) -> web.Response:
        receipt = request.match_info["receipt"]
        from_form = request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        data: dict[str, Any] = {}
        if request.content_type == "application/json" and request.can_read_body:
            data = await request.json()
        elif from_form:
            data = dict(await request.post())
        try:
            sim.acknowledge(
                receipt,
                user=data.get("user") or None,
                device=data.get("device") or None,
            )
        except KeyError:
            return web.json_response(
                {"status": 0, "error": "unknown receipt"}, status=404
            )
        except ValueError as err:
            return web.json_response({"status": 0, "error": str(err)}, status=409)
        if from_form:
            raise web.HTTPSeeOther("/")
        rec = sim.receipts[receipt]
        return web.json_response(
            {"status": 1, "receipt": receipt, **rec.api_fields(sim.clock())}
        )

    app.router.add_get("/", inbox)
    app.router.add_post("/_sim/acknowledge/{receipt}", acknowledge)
