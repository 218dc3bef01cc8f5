"""The aiohttp application: Pushover's /1/ API plus the /_sim/ control endpoints."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web
from multidict import MultiDict

from .client_api import add_open_client_routes
from .control import add_control_routes
from .inbox import add_ui_routes
from .open_client import message_fields
from .responses import (
    JSON_CT,
    PARAMS,
    ApiError,
    api_response,
    bad_device,
    bad_token,
    bad_user,
    error_response,
    field_error,
    group_not_found,
    limit_headers,
    not_member,
    receipt_not_found,
)
from .state import (
    RECEIPT_LIFETIME,
    Account,
    App,
    Group,
    GroupMember,
    Receipt,
    SimulatorState,
    User,
    random_key,
)

SIM_KEY = web.AppKey("pushover_simulator", SimulatorState)
MAX_ATTACHMENT = 5_242_880
MAX_USERS = 50
FIELD_LIMITS = {"message": 1024, "title": 250, "url": 512, "url_title": 100}
GLANCE_TEXT_FIELDS = ("title", "text", "subtext")
GLANCE_FIELDS = (*GLANCE_TEXT_FIELDS, "count", "percent")
LICENSE_OSES = ("Android", "iOS", "Desktop")
# Endpoints whose answers (errors included) carry the X-Limit-App-* headers.
LIMIT_HEADER_PATHS = ("messages.json", "glances.json")
_INT_RE = re.compile(r"^-?\d+$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _to_str(value: Any) -> str | None:
    """Return a JSON value as the form string Pushover would receive."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(s for s in (_to_str(v) for v in value) if s is not None)
    return str(value)


def _join(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Fold repeated keys into one comma-joined value."""
    multi: MultiDict[str] = MultiDict(pairs)
    return {key: ",".join(multi.getall(key)) for key in dict.fromkeys(multi.keys())}


async def parse_params(request: web.Request) -> dict[str, Any]:
    """Merge query-string and body parameters (form, multipart or JSON, any method).

    Returns the parameters plus `_attachment` (bytes | None), `_filename` and
    `_content_type` for a multipart `attachment` part.
    """
    params = _join(list(request.query.items()))
    body: dict[str, str] = {}
    extra: dict[str, Any] = {
        "_attachment": None,
        "_filename": None,
        "_content_type": None,
    }
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        reader = await request.multipart()
        pairs: list[tuple[str, str]] = []
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            if name == "attachment" or part.filename is not None:
                extra["_attachment"] = bytes(await part.read())
                extra["_filename"] = part.filename
                extra["_content_type"] = part.headers.get("Content-Type")
            else:
                pairs.append((name, await part.text()))
        body = _join(pairs)
    elif request.can_read_body:
        raw = await request.read()
        charset = request.charset or "utf-8"
        if ctype == JSON_CT:
            decoded = json.loads(raw.decode(charset)) if raw.strip() else {}
            if not isinstance(decoded, dict):
                raise ValueError("JSON body must be an object")
            body = {k: s for k, v in decoded.items() if (s := _to_str(v)) is not None}
        elif raw:
            body = _join(parse_qsl(raw.decode(charset), keep_blank_values=True))
    params.update(body)
    return {**params, **extra}


def _int(params: dict[str, str], name: str) -> int | None:
    """Return an optional integer parameter (None when blank or absent)."""
    value = params.get(name, "").strip()
    if not value:
        return None
    if not _INT_RE.match(value):
        raise field_error(name, "is invalid", f"{name} is invalid")
    return int(value)


def _check_format(params: dict[str, Any]) -> None:
    """Refuse html and monospace together."""
    if params.get("html") == "1" and params.get("monospace") == "1":
        raise ApiError(
            ["html and monospace are mutually exclusive"],
            {
                "html": "cannot be set with monospace",
                "monospace": "cannot be set with html",
            },
        )


def _priority(params: dict[str, Any]) -> int:
    """Return the priority, -2 to 2 (0 when absent)."""
    try:
        priority = _int(params, "priority") or 0
    except ApiError:
        priority = 99
    if priority not in range(-2, 3):
        raise ApiError(
            ["priority is invalid"],
            {"priority": "is invalid, can only be -2, -1, 0, 1, or 2"},
        )
    return priority


def _emergency_timing(params: dict[str, Any]) -> tuple[int, int]:
    """Return an emergency message's `retry` and `expire`, both required."""
    for name in ("retry", "expire"):
        if not params.get(name, "").strip():
            raise field_error(
                name,
                "must be supplied with priority=2",
                f"{name} must be supplied with priority=2",
            )
    retry, expire = _int(params, "retry") or 0, _int(params, "expire") or 0
    if retry < 30:
        raise ApiError(
            ["retry is invalid"],
            {"retry": "is too small, must be at least 30 seconds"},
        )
    if expire > 10800:
        raise ApiError(
            ["expire is invalid"],
            {"expire": "is too large, must be at most 10800 seconds"},
        )
    if expire <= 0:
        raise ApiError(
            ["expire is invalid"], {"expire": "is too small, must be at least 1 second"}
        )
    return retry, expire


def _check_schedule(params: dict[str, Any]) -> None:
    """Refuse a non-integer `timestamp` and a non-positive `ttl`."""
    _int(params, "timestamp")
    ttl = _int(params, "ttl")
    if ttl is not None and ttl <= 0:
        raise field_error("ttl", "must be a positive integer")


def _check_lengths(params: dict[str, Any]) -> None:
    """Refuse over-long text fields (not checked for encrypted messages)."""
    if params.get("encrypted") == "1":
        return
    for name, limit in FIELD_LIMITS.items():
        if len(params.get(name, "")) > limit:
            raise field_error(
                name,
                f"is too long, must be at most {limit} characters",
                f"{name} is too long, must be at most {limit} characters",
            )


def _attachment(params: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """Return the attachment (multipart part or base64) and its content type."""
    attachment: bytes | None = params["_attachment"]
    content_type: str | None = params["_content_type"]
    if attachment is None and params.get("attachment_base64"):
        try:
            attachment = base64.b64decode(params["attachment_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise field_error("attachment_base64", "is invalid") from None
    if attachment is not None and params.get("attachment_type"):
        content_type = params["attachment_type"]
    if attachment is not None and len(attachment) > MAX_ATTACHMENT:
        raise field_error(
            "attachment",
            f"is too large, must be at most {MAX_ATTACHMENT} bytes",
            f"attachment is too large, must be at most {MAX_ATTACHMENT} bytes",
        )
    return attachment, content_type


def _charge(acc: Account, count: int) -> None:
    """Take one message per recipient from the account, or answer 429."""
    if acc.remaining < count:
        raise ApiError(
            [f"application has exceeded current limit of {acc.limit} messages"],
            {"token": "invalid"},
            status=429,
        )
    acc.remaining -= count


class Api:
    """Handlers for the /1/ endpoints."""

    def __init__(self, sim: SimulatorState) -> None:
        """Bind the handlers to `sim`."""
        self.sim = sim

    def app_for(self, params: dict[str, Any]) -> App:
        """Return the application of the request's token."""
        app = self.sim.apps.get(params.get("token") or "")
        if app is None:
            raise bad_token()
        return app

    def recipients(
        self, user_param: str, device_param: str
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
        result: dict[str, list[str]] = {}
        for key in keys:
            if (group := self.sim.groups.get(key)) is not None:
                for member in group.members:
                    user = self.sim.users.get(member.user)
                    if member.disabled or user is None:
                        continue
                    wanted = member.device.split(",") if member.device else []
                    devices = [d for d in user.devices if d in wanted] or user.devices
                    result.setdefault(user.key, [])
                    result[user.key] += [
                        d for d in devices if d not in result[user.key]
                    ]
            elif (user := self.sim.users.get(key)) is not None:
                result.setdefault(user.key, [])
                result[user.key] += [
                    d for d in user.devices if d not in result[user.key]
                ]
            else:
                raise bad_user()
        single_user = len(keys) == 1 and keys[0] in self.sim.users
        if single_user and device_param:
            names = [d for d in device_param.split(",") if d]
            user = self.sim.users[keys[0]]
            # Pushover: an unknown or disabled name means "all active devices".
            if names and all(n in user.devices for n in names):
                result[user.key] = names
        return list(result.items())

    def group_for(self, params: dict[str, Any], group_key: str) -> tuple[App, Group]:
        """Return the application and the group it owns."""
        app = self.app_for(params)
        group = self.sim.groups.get(group_key)
        if group is None or group.owner_account != app.account:
            raise group_not_found()
        return app, group

    def receipt_for(self, params: dict[str, Any], receipt: str) -> Receipt:
        """Return the application's receipt, if not older than a week."""
        app = self.app_for(params)
        rec = self.sim.receipts.get(receipt)
        if (
            rec is None
            or rec.token != app.token
            or self.sim.clock() > rec.sent_at + RECEIPT_LIFETIME
        ):
            raise receipt_not_found()
        return rec

    async def messages(self, request: web.Request) -> web.Response:
        """Send a message (POST messages.json)."""
        params: dict[str, Any] = PARAMS.get()
        sim = self.sim
        if not params.get("message", "").strip():
            app = sim.apps.get(params.get("token") or "")
            err = field_error("message", "cannot be blank")
            if app is not None:
                err.headers = limit_headers(sim.account(app.account))
            raise err
        app = self.app_for(params)
        acc = sim.account(app.account)
        try:
            return self._send(params, app, acc)
        except ApiError as err:
            err.headers = limit_headers(acc)
            raise

    def _send(self, params: dict[str, Any], app: App, acc: Account) -> web.Response:
        """Validate a send as Pushover does, charge the quota and record the message."""
        recipients = self.recipients(params.get("user", ""), params.get("device", ""))
        _check_format(params)
        priority = _priority(params)
        retry, expire = _emergency_timing(params) if priority == 2 else (0, 0)
        _check_schedule(params)
        _check_lengths(params)
        self._check_sound(params, app)
        attachment, content_type = _attachment(params)
        _charge(acc, len(recipients))
        receipt = (
            self._new_receipt(params, app, recipients, retry, expire)
            if priority == 2
            else None
        )
        self.sim.messages.append(
            {
                **{k: v for k, v in params.items() if not k.startswith("_")},
                "attachment": attachment,
                "attachment_filename": params["_filename"],
                "attachment_content_type": content_type,
                "users": [user for user, _ in recipients],
                "deliveries": dict(recipients),
                "receipt": receipt.receipt if receipt else None,
                "received_at": self.sim.clock(),
                "account": app.account,
            }
        )
        self.sim.open_client.deliver(
            recipients,
            message_fields(
                params,
                app_name=app.name,
                aid=self.sim.open_client.aid(app.token),
                receipt=receipt.receipt if receipt else None,
                now=self.sim.clock(),
            ),
        )
        data = {"receipt": receipt.receipt} if receipt else {}
        return api_response(data, headers=limit_headers(acc))

    def _check_sound(self, params: dict[str, Any], app: App) -> None:
        """Refuse a sound that is neither built in nor one of the account's own."""
        sound = params.get("sound", "")
        if sound and sound not in self.sim.sounds(app.token):
            raise field_error("sound", "is not a valid sound", "sound is invalid")

    def _new_receipt(
        self,
        params: dict[str, Any],
        app: App,
        recipients: list[tuple[str, list[str]]],
        retry: int,
        expire: int,
    ) -> Receipt:
        """Create and store the receipt of an emergency message."""
        now = int(self.sim.clock())
        receipt = Receipt(
            receipt=random_key(),
            token=app.token,
            sent_at=now,
            retry=retry,
            expire=expire,
            expires_at=now + expire,
            title=params.get("title"),
            message=params["message"],
            users=[user for user, _ in recipients],
            deliveries=dict(recipients),
            tags=[t for t in params.get("tags", "").split(",") if t],
            callback=params.get("callback") or None,
        )
        self.sim.receipts[receipt.receipt] = receipt
        return receipt

    async def sounds(self, request: web.Request) -> web.Response:
        """Answer the built-in and the account's sounds."""
        app = self.app_for(PARAMS.get())
        return api_response({"sounds": self.sim.sounds(app.token)})

    async def limits(self, request: web.Request) -> web.Response:
        """Answer the account's monthly limit, remaining messages and reset."""
        app = self.app_for(PARAMS.get())
        acc = self.sim.account(app.account)
        return api_response(
            {"limit": acc.limit, "remaining": acc.remaining, "reset": acc.reset},
            headers=limit_headers(acc),
        )

    async def validate(self, request: web.Request) -> web.Response:
        """Validate a user or group key (and device)."""
        params = PARAMS.get()
        self.app_for(params)
        key = params.get("user", "")
        if key in self.sim.groups:
            return api_response({"group": 1, "devices": [], "licenses": []})
        user = self.sim.users.get(key)
        if user is None:
            raise ApiError(["user key is invalid"], {"user": "invalid"})
        if not user.devices:
            raise ApiError(
                ["user is valid but has no active devices"], {"user": "invalid"}
            )
        device = params.get("device", "")
        if device and device not in user.devices:
            raise bad_device()
        data: dict[str, Any] = {"group": 0, "devices": list(user.devices)}
        if user.subscription is None:
            data["licenses"] = list(user.licenses)
        return api_response(data)

    async def receipt(self, request: web.Request) -> web.Response:
        """Answer a receipt's state."""
        rec = self.receipt_for(PARAMS.get(), request.match_info["receipt"])
        return api_response(rec.api_fields(self.sim.clock()))

    async def cancel(self, request: web.Request) -> web.Response:
        """Cancel one emergency receipt."""
        rec = self.receipt_for(PARAMS.get(), request.match_info["receipt"])
        self._cancel(rec)
        return api_response()

    def _cancel(self, rec: Receipt) -> bool:
        """Cancel a receipt if it is still active; return whether it was."""
        now = self.sim.clock()
        if not rec.active(now):
            return False
        rec.canceled = True
        rec.canceled_at = int(now)
        return True

    async def cancel_by_tag(self, request: web.Request) -> web.Response:
        """Cancel every active receipt of the application with the tag."""
        app = self.app_for(PARAMS.get())
        tag = request.match_info["tag"]
        count = sum(
            self._cancel(rec)
            for rec in self.sim.receipts.values()
            if rec.token == app.token and tag in rec.tags
        )
        return api_response({"canceled": count})

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

    async def group_user(self, request: web.Request) -> web.Response:
        """Add, remove, disable or enable a group member."""
        params = PARAMS.get()
        _, group = self.group_for(params, request.match_info["group"])
        action = request.match_info["action"]
        if action == "add_user":
            user: User | None = self.sim.users.get(params.get("user", ""))
            if user is None:
                raise ApiError(["user key is invalid"], {"user": "invalid"})
            device = params.get("device", "") or None
            if device and device not in user.devices:
                raise bad_device()
            memo = params.get("memo", "")
            if len(memo) > 200:
                raise field_error(
                    "memo",
                    "is too long, must be at most 200 characters",
                    "memo is too long, must be at most 200 characters",
                )
            if any(m.user == user.key and m.device == device for m in group.members):
                raise ApiError(
                    ["user is already a member of this group"], {"user": "invalid"}
                )
            group.members.append(GroupMember(user.key, device, memo))
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

    async def migrate(self, request: web.Request) -> web.Response:
        """Turn a user key into a subscribed-user key."""
        params = PARAMS.get()
        app = self.app_for(params)
        code = params.get("subscription", "")
        if self.sim.subscriptions.get(code) != app.account:
            raise ApiError(
                ["subscription code is invalid"], {"subscription": "invalid"}
            )
        user = self.sim.users.get(params.get("user", ""))
        if user is None or user.subscription is not None:
            raise ApiError(["user key is invalid"], {"user": "invalid"})
        for existing in self.sim.users.values():
            if existing.subscribed_from == user.key and existing.subscription == code:
                return api_response({"subscribed_user_key": existing.key})
        device = params.get("device_name", "")
        sub = self.sim.add_user(
            random_key(),
            devices=[device] if device in user.devices else user.devices,
            licenses=user.licenses,
            account=user.account,
        )
        sub.subscription, sub.subscribed_from = code, user.key
        sub.sound = params.get("sound") or None
        return api_response({"subscribed_user_key": sub.key})

    async def license_assign(self, request: web.Request) -> web.Response:
        """Assign a license, using one prepaid credit."""
        params = PARAMS.get()
        app = self.app_for(params)
        acc = self.sim.account(app.account)
        key, email = params.get("user", ""), params.get("email", "")
        if not key and not email:
            raise ApiError(
                ["user or email must be supplied"], {"user": "cannot be blank"}
            )
        user = self.sim.users.get(key) if key else None
        if key and user is None:
            raise ApiError(["user key is invalid"], {"user": "invalid"})
        os_name = params.get("os", "")
        if os_name and os_name not in LICENSE_OSES:
            raise ApiError(
                ["os is invalid"], {"os": "must be one of Android, iOS, or Desktop"}
            )
        if acc.license_credits <= 0:
            raise ApiError(
                ["application is out of available license credits"],
                {"token": "is out of available license credits"},
            )
        acc.license_credits -= 1
        if user is not None and os_name and os_name not in user.licenses:
            user.licenses.append(os_name)
        self.sim.license_assignments.append(
            {"user": key, "email": email, "os": os_name}
        )
        return api_response({"credits": acc.license_credits})

    async def license_credits(self, request: web.Request) -> web.Response:
        """Answer the account's license credits."""
        app = self.app_for(PARAMS.get())
        return api_response({"credits": self.sim.account(app.account).license_credits})

    async def glances(self, request: web.Request) -> web.Response:
        """Update a user's (device's) glance fields."""
        params = PARAMS.get()
        app = self.app_for(params)
        headers = limit_headers(self.sim.account(app.account))
        try:
            user, device, present = self._glance(params)
        except ApiError as err:
            err.headers = headers
            raise
        state = self.sim.glances.setdefault((user.key, device), {})
        for name, value in present.items():
            if value == "":
                state.pop(name, None)
            else:
                state[name] = value
        return api_response(headers=headers)

    def _glance(self, params: dict[str, Any]) -> tuple[User, str, dict[str, str]]:
        """Validate a glance; return the user, device and the fields sent."""
        user = self.sim.users.get(params.get("user", ""))
        if user is None:
            raise ApiError(["user key is invalid"], {"user": "invalid"})
        device = params.get("device", "")
        if device and device not in user.devices:
            raise bad_device()
        present = {k: params[k] for k in GLANCE_FIELDS if k in params}
        if not present:
            raise ApiError(
                ["at least one of title, text, subtext, count, or percent is required"],
                {"glance": "is empty"},
            )
        for name in GLANCE_TEXT_FIELDS:
            if len(present.get(name, "")) > 100:
                raise field_error(
                    name,
                    "is too long, must be at most 100 characters",
                    f"{name} is too long, must be at most 100 characters",
                )
        _int(params, "count")
        percent = _int(params, "percent")
        if percent is not None and not 0 <= percent <= 100:
            raise field_error(
                "percent", "must be between 0 and 100", "percent is invalid"
            )
        return user, device, present


async def _answer(
    sim: SimulatorState, request: web.Request, handler: Handler, entry: dict[str, Any]
) -> web.StreamResponse:
    """Answer an API request with its fault (injected or storm) or its handler."""
    fault = sim.take_fault(request.path, request.method)
    if fault is None and (fault := sim.take_storm(request.path, request.method)):
        entry["storm"] = True
    if fault is not None:
        entry["fault"] = fault
        resp = await _apply_fault(sim, request, fault)
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


def _api_middleware(sim: SimulatorState) -> Any:
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
        finally:
            sim.in_flight -= 1
            sim.notify_change()

    return middleware


HTML_REASONS = {
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
}
OVERSIZED_PADDING = 2_000_000


async def _hang(sim: SimulatorState, request: web.Request) -> None:
    """Hold the request until the client gives up, the simulator stops or time runs out."""
    waited = 0.0
    while waited < sim.hang_timeout and not sim.stopping:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await sim.pause(0.02)
        waited += 0.02


def _fault_account(sim: SimulatorState, params: dict[str, Any]) -> Account:
    """Return the account of the request's token, or the default account."""
    app = sim.apps.get(params.get("token") or "")
    return sim.account(app.account if app else "default")


def _refusal(sim: SimulatorState, kind: str, path: str) -> web.Response:
    """Answer a 4xx fault with Pushover's real body (and its limit headers)."""
    acc = _fault_account(sim, PARAMS.get({}))
    if kind == "quota":
        err = ApiError(
            [f"application has exceeded current limit of {acc.limit} messages"],
            {"token": "invalid"},
            status=429,
            headers={**limit_headers(acc), "X-Limit-App-Remaining": "0"},
        )
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


async def _apply_fault(
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


def create_app(sim: SimulatorState) -> web.Application:
    """Build the aiohttp application serving `sim`."""
    app = web.Application(
        middlewares=[_api_middleware(sim)], client_max_size=4 * MAX_ATTACHMENT
    )
    app[SIM_KEY] = sim
    api = Api(sim)
    app.router.add_post("/1/messages.json", api.messages)
    app.router.add_get("/1/sounds.json", api.sounds)
    app.router.add_get("/1/apps/limits.json", api.limits)
    app.router.add_post("/1/users/validate.json", api.validate)
    app.router.add_get("/1/receipts/{receipt:[^/.]+}.json", api.receipt)
    app.router.add_post("/1/receipts/{receipt:[^/.]+}/cancel.json", api.cancel)
    app.router.add_post("/1/receipts/cancel_by_tag/{tag:.+}.json", api.cancel_by_tag)
    app.router.add_post("/1/groups.json", api.group_create)
    app.router.add_get("/1/groups.json", api.group_list)
    app.router.add_get("/1/groups/{group:[^/.]+}.json", api.group_info)
    app.router.add_post(
        "/1/groups/{group:[^/.]+}/{action:add_user|remove_user|delete_user|disable_user|enable_user}.json",
        api.group_user,
    )
    app.router.add_post("/1/groups/{group:[^/.]+}/rename.json", api.group_rename)
    app.router.add_post("/1/subscriptions/migrate.json", api.migrate)
    app.router.add_post("/1/licenses/assign.json", api.license_assign)
    app.router.add_get("/1/licenses.json", api.license_credits)
    app.router.add_post("/1/glances.json", api.glances)
    add_open_client_routes(app, sim)
    add_control_routes(app, sim)
    add_ui_routes(app, sim)
    return app
