"""The /1/ handlers for sending: messages.json, sounds, limits and users/validate.

A send is checked in Pushover's order (recipients, format, priority, emergency
timing, schedule, lengths, sound, attachment, quota), then recorded in
`sim.messages`, given a receipt when its priority is 2, and delivered to the
recipients' Open Client devices. Answers to sends carry the X-Limit-App-* headers,
refusals included (once the token is known).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import checks
from .lookups import Handlers
from .model import Account, App, random_key
from .open_client import message_fields
from .receipts import Receipt
from .recipients import resolve
from .responses import (
    PARAMS,
    ApiError,
    api_response,
    bad_device,
    field_error,
    invalid_user_key,
    limit_headers,
)

Recipients = list[tuple[str, list[str]]]


class MessagesApi(Handlers):
    """Handlers for messages.json, sounds.json, apps/limits.json and users/validate.json."""

    async def messages(self, request: web.Request) -> web.Response:
        """Send a message (POST messages.json)."""
        params: dict[str, Any] = PARAMS.get()
        sim = self.sim
        await sim.pause(sim.user_latency.get(params.get("user", ""), 0.0))
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
        recipients = resolve(self.sim, params.get("user", ""), params.get("device", ""))
        checks.check_format(params)
        priority = checks.priority(params)
        retry, expire = checks.emergency_timing(params) if priority == 2 else (0, 0)
        checks.check_schedule(params)
        checks.check_lengths(params)
        self._check_sound(params, app)
        attachment, content_type = checks.attachment(params)
        checks.charge(acc, len(recipients))
        receipt = (
            self._new_receipt(params, app, recipients, retry, expire).receipt
            if priority == 2
            else None
        )
        self._record(params, app, recipients, receipt, (attachment, content_type))
        self.sim.open_client.deliver(
            recipients,
            message_fields(
                params,
                app_name=app.name,
                aid=self.sim.open_client.aid(app.token),
                receipt=receipt,
                now=self.sim.clock(),
            ),
        )
        data = {"receipt": receipt} if receipt else {}
        return api_response(data, headers=limit_headers(acc))

    def _record(
        self,
        params: dict[str, Any],
        app: App,
        recipients: Recipients,
        receipt: str | None,
        attachment: tuple[bytes | None, str | None],
    ) -> None:
        """Append the accepted send to `sim.messages` (parameters as they arrived)."""
        self.sim.messages.append(
            {
                **{k: v for k, v in params.items() if not k.startswith("_")},
                "attachment": attachment[0],
                "attachment_filename": params["_filename"],
                "attachment_content_type": attachment[1],
                "users": [user for user, _ in recipients],
                "deliveries": dict(recipients),
                "receipt": receipt,
                "received_at": self.sim.clock(),
                "account": app.account,
            }
        )

    def _check_sound(self, params: dict[str, Any], app: App) -> None:
        """Refuse a sound that is neither built in nor one of the account's own."""
        sound = params.get("sound", "")
        if sound and sound not in self.sim.sounds(app.token):
            raise field_error("sound", "is not a valid sound", "sound is invalid")

    def _new_receipt(
        self,
        params: dict[str, Any],
        app: App,
        recipients: Recipients,
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
        user = self.sim.active_user(key)
        if user is None:
            raise invalid_user_key()
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
