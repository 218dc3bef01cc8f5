"""The /_sim/ control endpoints: state, reset, faults, storm, latency and user keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from aiohttp import web

from .faults import FAULT_KINDS, FaultKind

if TYPE_CHECKING:
    from .state import SimulatorState


async def _json_body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body ({} when there is none)."""
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


class Control:
    """Handlers that let a test or a person steer the simulator over HTTP."""

    def __init__(self, sim: SimulatorState) -> None:
        """Bind the handlers to `sim`."""
        self.sim = sim

    async def state(self, request: web.Request) -> web.Response:
        """Answer the JSON snapshot of the state."""
        return web.json_response(self.sim.snapshot())

    async def reset(self, request: web.Request) -> web.Response:
        """Forget everything and re-seed."""
        self.sim.reset()
        return web.json_response({"status": 1})

    async def fault(self, request: web.Request) -> web.Response:
        """Inject a fault: JSON `path`, `kind`, optional `count` and `method`."""
        data = await _json_body(request)
        kind = str(data.get("kind", ""))
        if kind not in FAULT_KINDS or not data.get("path"):
            raise web.HTTPBadRequest(text=f"need path and kind in {FAULT_KINDS}")
        self.sim.inject_fault(
            str(data["path"]),
            cast(FaultKind, kind),
            int(data.get("count", 1)),
            method=data.get("method") or None,
        )
        return web.json_response({"status": 1, "faults": len(self.sim.faults)})

    async def storm(self, request: web.Request) -> web.Response:
        """Start (or with fraction 0 stop) a storm: JSON `fraction`, `seed`, `path`, `method`."""
        data = await _json_body(request)
        try:
            self.sim.set_storm(
                float(data.get("fraction", 0.0)),
                seed=int(data.get("seed", 0)),
                path_suffix=str(data.get("path", "messages.json")),
                method=data.get("method") or None,
            )
        except ValueError as err:
            raise web.HTTPBadRequest(text=str(err)) from None
        return web.json_response({"status": 1})

    async def latency(self, request: web.Request) -> web.Response:
        """Set `latency` and/or `connect_latency` (seconds)."""
        data = await _json_body(request)
        if "latency" in data:
            self.sim.latency = float(data["latency"])
        if "connect_latency" in data:
            self.sim.connect_latency = float(data["connect_latency"])
        return web.json_response(
            {
                "status": 1,
                "latency": self.sim.latency,
                "connect_latency": self.sim.connect_latency,
            }
        )

    async def user(self, request: web.Request) -> web.Response:
        """Disable or enable a user key: JSON `disabled` (true refuses the key)."""
        data = await _json_body(request)
        key = request.match_info["user"]
        if key not in self.sim.users:
            return web.json_response({"status": 0, "error": "unknown user"}, status=404)
        if data.get("disabled", True):
            self.sim.disable_user(key)
        else:
            self.sim.enable_user(key)
        return web.json_response(
            {"status": 1, "user": key, "disabled": self.sim.users[key].disabled}
        )


def add_control_routes(app: web.Application, sim: SimulatorState) -> None:
    """Register the /_sim/ control endpoints."""
    control = Control(sim)
    app.router.add_get("/_sim/state", control.state)
    app.router.add_post("/_sim/reset", control.reset)
    app.router.add_post("/_sim/fault", control.fault)
    app.router.add_post("/_sim/storm", control.storm)
    app.router.add_post("/_sim/latency", control.latency)
    app.router.add_post("/_sim/users/{user}", control.user)
