"""The /1/ handlers for delivery groups: create, list, info, members and rename.

A group belongs to the account of the application that created it; another
account's group answers 400 "group not found". Members are user keys (with an
optional device and memo) that can be disabled without being removed.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .lookups import Handlers
from .model import Group, GroupMember, random_key
from .responses import (
    PARAMS,
    ApiError,
    api_response,
    bad_device,
    field_error,
    invalid_user_key,
    not_member,
)

MAX_MEMO = 200


class GroupsApi(Handlers):
    """Handlers for groups.json and groups/{group}/*.json."""

    async def group_create(self, request: web.Request) -> web.Response:
        """Create a delivery group."""
        params = PARAMS.get()
        app = self.app_for(params)
        name = params.get("name", "").strip()
        if not name:
            raise field_error("name", "cannot be blank")
        key = random_key()
        self.sim.add_group(key, name, owner_account=app.account)
        return api_response({"group": key})

    async def group_list(self, request: web.Request) -> web.Response:
        """List the account's groups."""
        app = self.app_for(PARAMS.get())
        groups = [
            {"group": g.key, "name": g.name}
            for g in self.sim.groups.values()
            if g.owner_account == app.account
        ]
        return api_response({"groups": groups})

    async def group_info(self, request: web.Request) -> web.Response:
        """Answer a group's name and members."""
        _, group = self.group_for(PARAMS.get(), request.match_info["group"])
        users = [
            {"user": m.user, "device": m.device, "memo": m.memo, "disabled": m.disabled}
            for m in group.members
        ]
        return api_response({"name": group.name, "users": users})

    def _members(self, group: Group, params: dict[str, Any]) -> list[GroupMember]:
        """Return the group entries that match `user` (and `device`)."""
        user, device = params.get("user", ""), params.get("device", "")
        found = [
            m
            for m in group.members
            if m.user == user and (not device or (m.device or "") == device)
        ]
        if not found:
            raise not_member()
        return found

    def _add_member(self, group: Group, params: dict[str, Any]) -> None:
        """Add a user (and device) Pushover accepts, with a memo, to the group."""
        user = self.sim.active_user(params.get("user", ""))
        if user is None:
            raise invalid_user_key()
        device = params.get("device", "") or None
        if device and device not in user.devices:
            raise bad_device()
        memo = params.get("memo", "")
        if len(memo) > MAX_MEMO:
            raise field_error(
                "memo",
                f"is too long, must be at most {MAX_MEMO} characters",
                f"memo is too long, must be at most {MAX_MEMO} characters",
            )
        if any(m.user == user.key and m.device == device for m in group.members):
            raise ApiError(
                ["user is already a member of this group"], {"user": "invalid"}
            )
        group.members.append(GroupMember(user.key, device, memo))

    async def group_user(self, request: web.Request) -> web.Response:
        """Add, remove, disable or enable a group member."""
        params = PARAMS.get()
        _, group = self.group_for(params, request.match_info["group"])
        action = request.match_info["action"]
        if action == "add_user":
            self._add_member(group, params)
        elif action in ("remove_user", "delete_user"):
            for member in self._members(group, params):
                group.members.remove(member)
        else:
            for member in self._members(group, params):
                member.disabled = action == "disable_user"
        return api_response()

    async def group_rename(self, request: web.Request) -> web.Response:
        """Rename a group."""
        params = PARAMS.get()
        _, group = self.group_for(params, request.match_info["group"])
        name = params.get("name", "").strip()
        if not name:
            raise field_error("name", "cannot be blank")
        group.name = name
        return api_response()
