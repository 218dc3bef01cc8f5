"""How each injected fault answers on the wire (see `faults.py` for the kinds).

5xx kinds answer a small HTML page like a proxy would; "408" a plain text body;
"hang" holds the request until the client gives up (or the simulator stops) and
"drop" closes the connection without an answer; the 4xx kinds answer Pushover's
real bodies; "missing_field" a bare success and "oversized" a ~2 MB success.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .checks import quota_exceeded
from .responses import (
    PARAMS,
    api_response,
    bad_token,
    bad_user,
    error_response,
    limit_headers,
    receipt_not_found,
)

if TYPE_CHECKING:
    from .model import Account
    from .state import SimulatorState

HTML_REASONS = {
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
}
OVERSIZED_PADDING = 2_000_000
# Endpoints whose answers (errors included) carry the X-Limit-App-* headers.
LIMIT_HEADER_PATHS = ("messages.json", "glances.json")
_HANG_STEP = 0.02


async def _hang(sim: SimulatorState, request: web.Request) -> None:
    """Hold the request until the client gives up, the simulator stops or time runs out."""
    waited = 0.0
    while waited < sim.hang_timeout and not sim.stopping:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await sim.pause(_HANG_STEP)
        waited += _HANG_STEP


def _fault_account(sim: SimulatorState, params: dict[str, Any]) -> Account:
    """Return the account of the request's token, or the default account."""
    app = sim.apps.get(params.get("token") or "")
    return sim.account(app.account if app else "default")


def _refusal(sim: SimulatorState, kind: str, path: str) -> web.Response:
    """Answer a 4xx fault with Pushover's real body (and its limit headers)."""
    acc = _fault_account(sim, PARAMS.get({}))
    if kind == "quota":
        err = quota_exceeded(acc)
        err.headers = {**limit_headers(acc), "X-Limit-App-Remaining": "0"}
    elif kind == "invalid_token":
        err = bad_token()
    elif kind == "not_found":
        err = receipt_not_found()
        err.status = 404
    else:
        err = bad_user()
    if kind != "quota" and path.endswith(LIMIT_HEADER_PATHS):
        err.headers = limit_headers(acc)
    return error_response(err)


def _success_fault(kind: str) -> web.Response:
    """Answer 200 with only `status` and `request`, or with a ~2 MB padded body."""
    if kind == "oversized":
        return api_response({"padding": "x" * OVERSIZED_PADDING})
    return api_response()


async def apply_fault(
    sim: SimulatorState, request: web.Request, kind: str
) -> web.StreamResponse:
    """Answer the request as the injected fault `kind` says."""
    if kind == "hang":
        await _hang(sim, request)
    if kind in ("hang", "drop"):
        request.protocol.force_close()
        return web.Response(status=499)  # never reaches the client
    if kind in HTML_REASONS:
        status = int(kind)
        return web.Response(
            status=status,
            text=f"<html><body><h1>{status} {HTML_REASONS[kind]}</h1></body></html>",
            content_type="text/html",
        )
    if kind == "408":
        return web.Response(status=408, text="408 Request Timeout")
    if kind in ("missing_field", "oversized"):
        return _success_fault(kind)
    return _refusal(sim, kind, request.path)
