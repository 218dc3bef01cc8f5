"""The JSON view of the simulator's state that GET /_sim/state answers with."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import SimulatorState


def _messages(sim: SimulatorState) -> list[dict[str, Any]]:
    """Return the accepted messages, attachments as their sizes only."""
    return [
        {
            **{k: v for k, v in m.items() if k != "attachment"},
            "attachment_size": None
            if m["attachment"] is None
            else len(m["attachment"]),
        }
        for m in sim.messages
    ]


def _open_client_devices(sim: SimulatorState) -> dict[str, Any]:
    """Return the Open Client devices with their pending ids and connections."""
    return {
        device.id: {
            "name": device.name,
            "user": device.user,
            "pending": [m["id"] for m in device.messages],
            "connections": sim.push_connections(device.id),
            "silent": device.silent,
        }
        for device in sim.open_client.devices.values()
    }


def _storm(sim: SimulatorState) -> dict[str, Any] | None:
    """Return the running storm's settings, or None."""
    if sim.storm is None:
        return None
    return {
        "fraction": sim.storm.fraction,
        "seed": sim.storm.seed,
        "path_suffix": sim.storm.path_suffix,
        "method": sim.storm.method,
    }


def snapshot(sim: SimulatorState) -> dict[str, Any]:
    """Return a JSON-serialisable view of the state (attachments as sizes only)."""
    now = sim.clock()
    return {
        "base_url": sim.base_url,
        "messages": _messages(sim),
        "receipts": {
            key: {**asdict(rec), **rec.api_fields(now)}
            for key, rec in sim.receipts.items()
        },
        "groups": {key: asdict(group) for key, group in sim.groups.items()},
        "accounts": {name: asdict(acc) for name, acc in sim.accounts.items()},
        "disabled_users": [key for key, user in sim.users.items() if user.disabled],
        "glances": [
            {"user": user, "device": device, **data}
            for (user, device), data in sim.glances.items()
        ],
        "license_assignments": sim.license_assignments,
        "open_client_devices": _open_client_devices(sim),
        "faults": [asdict(f) for f in sim.faults],
        "storm": _storm(sim),
        "storm_failures": sim.storm_failures,
        "requests": sim.requests,
        "in_flight": sim.in_flight,
        "peak_in_flight": sim.peak_in_flight,
        "connections_opened": sim.connections_opened,
        "latency": sim.latency,
        "connect_latency": sim.connect_latency,
    }
