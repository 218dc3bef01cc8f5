"""The /1/ handlers around an account: subscriptions, licenses and glances.

Subscription migration turns a user key into a subscribed-user key of the app's
account; license assignment spends the account's prepaid credits; glances store
the widget fields of a user (or one of their devices). A key Pushover refuses
(unknown or disabled) answers 400 "user key is invalid" on all three.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .lookups import Handlers
from .model import User, random_key
from .params import int_param
from .responses import (
    PARAMS,
    ApiError,
    api_response,
    bad_device,
    field_error,
    invalid_user_key,
    limit_headers,
)

GLANCE_TEXT_FIELDS = ("title", "text", "subtext")
GLANCE_FIELDS = (*GLANCE_TEXT_FIELDS, "count", "percent")
GLANCE_TEXT_LIMIT = 100
LICENSE_OSES = ("Android", "iOS", "Desktop")


class AccountsApi(Handlers):
    """Handlers for subscriptions/migrate.json, licenses and glances.json."""

    async def migrate(self, request: web.Request) -> web.Response:
        """Turn a user key into a subscribed-user key."""
        params = PARAMS.get()
        app = self.app_for(params)
        code = params.get("subscription", "")
        if self.sim.subscriptions.get(code) != app.account:
            raise ApiError(
                ["subscription code is invalid"], {"subscription": "invalid"}
            )
        user = self.sim.active_user(params.get("user", ""))
        if user is None or user.subscription is not None:
            raise invalid_user_key()
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
        user = self.sim.active_user(key) if key else None
        if key and user is None:
            raise invalid_user_key()
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
        user = self.sim.active_user(params.get("user", ""))
        if user is None:
            raise invalid_user_key()
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
            if len(present.get(name, "")) > GLANCE_TEXT_LIMIT:
                raise field_error(
                    name,
                    f"is too long, must be at most {GLANCE_TEXT_LIMIT} characters",
                    f"{name} is too long, must be at most {GLANCE_TEXT_LIMIT} characters",
                )
        int_param(params, "count")
        percent = int_param(params, "percent")
        if percent is not None and not 0 <= percent <= 100:
            raise field_error(
                "percent", "must be between 0 and 100", "percent is invalid"
            )
        return user, device, present
