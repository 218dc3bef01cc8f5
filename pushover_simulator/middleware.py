"""The /1/ middleware: each request recorded, counted, delayed, parsed, then answered.

Every /1/ request is appended to `sim.requests` (method, path, parameters, status,
time, whether it opened a connection, its fault), counted in `in_flight` and
`peak_in_flight`, delayed by `connect_latency` (new connections) and `latency`,
and answered by a pending fault or storm (`fault_answers.py`) or by its handler,
an `ApiError` becoming Pushover's error body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .fault_answers import apply_fault
from .params import parse_params
from .responses import PARAMS, ApiError, api_response, error_response

if TYPE_CHECKING:
    from .state import SimulatorState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _answer(
    sim: SimulatorState, request: web.Request, handler: Handler, entry: dict[str, Any]
) -> web.StreamResponse:
    """Answer an API request with its fault (injected or storm) or its handler."""
    fault = sim.take_fault(request.path, request.method)
    if fault is None and (fault := sim.take_storm(request.path, request.method)):
        entry["storm"] = True
    if fault is not None:
        entry["fault"] = fault
        resp = await apply_fault(sim, request, fault)
        entry["status"] = 0 if fault in ("hang", "drop") else resp.status
        return resp
    try:
        resp = await handler(request)
    except ApiError as err:
        resp = error_response(err)
    except web.HTTPException as exc:
        resp = api_response(
            {"errors": [exc.reason.lower()]}, status=0, http_status=exc.status
        )
    entry["status"] = resp.status
    return resp


async def _delay_parse_answer(
    sim: SimulatorState, request: web.Request, handler: Handler, entry: dict[str, Any]
) -> web.StreamResponse:
    """Apply the latencies, parse the parameters and answer the request."""
    entry["new_connection"] = sim.note_connection(request.transport)
    if entry["new_connection"]:
        await sim.pause(sim.connect_latency)
    await sim.pause(sim.latency)
    try:
        params = await parse_params(request)
    except ValueError:
        entry["status"] = 400
        return error_response(ApiError(["request body could not be parsed"]))
    PARAMS.set(params)
    entry["params"] = {k: v for k, v in params.items() if not k.startswith("_")}
    return await _answer(sim, request, handler, entry)


def api_middleware(sim: SimulatorState) -> Any:
    """Record, count, delay and parse every /1/ request, then answer it."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record, count, delay and parse a /1/ request, then answer it."""
        if not request.path.startswith("/1/"):
            return await handler(request)
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "params": {},
            "status": None,
            "at": sim.clock(),
        }
        sim.requests.append(entry)
        sim.in_flight += 1
        sim.peak_in_flight = max(sim.peak_in_flight, sim.in_flight)
        sim.notify_change()
        try:
            return await _delay_parse_answer(sim, request, handler, entry)
        finally:
            sim.in_flight -= 1
            sim.notify_change()

    return middleware
