"""Who a send reaches: the `user` parameter resolved to users and their devices.

`user` is one key or a comma-separated list of up to 50 user and group keys. A
group reaches its enabled members (a member entry naming a device reaches that
device); a user its devices, or only those named in `device` when the send is
to that one user and every name is one of theirs (Pushover: an unknown name
means all active devices). An unknown or disabled user key refuses the send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .responses import ApiError, bad_user

if TYPE_CHECKING:
    from .model import Group
    from .state import SimulatorState

MAX_USERS = 50

Deliveries = dict[str, list[str]]


def _add(result: Deliveries, user: str, devices: list[str]) -> None:
    """Add `devices` to the user's deliveries, each once."""
    known = result.setdefault(user, [])
    known += [d for d in devices if d not in known]


def _add_group(sim: SimulatorState, result: Deliveries, group: Group) -> None:
    """Add the enabled members of `group` that Pushover still accepts."""
    for member in group.members:
        user = sim.active_user(member.user)
        if member.disabled or user is None:
            continue
        wanted = member.device.split(",") if member.device else []
        _add(result, user.key, [d for d in user.devices if d in wanted] or user.devices)


def resolve(
    sim: SimulatorState, user_param: str, device_param: str
) -> list[tuple[str, list[str]]]:
    """Resolve `user` (keys, groups) to [(user key, devices delivered to)]."""
    keys = [k for k in user_param.split(",") if k]
    if not keys:
        raise bad_user()
    if len(keys) > MAX_USERS:
        raise ApiError(
            [f"user list may contain at most {MAX_USERS} users"],
            {"user": "too many users"},
        )
    result: Deliveries = {}
    for key in keys:
        if (group := sim.groups.get(key)) is not None:
            _add_group(sim, result, group)
        elif (user := sim.active_user(key)) is not None:
            _add(result, user.key, user.devices)
        else:
            raise bad_user()
    names = [d for d in device_param.split(",") if d]
    if len(keys) == 1 and keys[0] in sim.users and names:
        user = sim.users[keys[0]]
        if all(n in user.devices for n in names):
            result[user.key] = names
    return list(result.items())
