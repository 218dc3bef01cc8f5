"""Pushover-shaped answers: the success body, the error body and its builders."""

from __future__ import annotations

from contextvars import ContextVar
import json
from typing import TYPE_CHECKING, Any
import uuid

from aiohttp import web

if TYPE_CHECKING:
    from .model import Account

JSON_CT = "application/json"
# The current request's merged parameters (set by the middleware, same task).
PARAMS: ContextVar[dict[str, Any]] = ContextVar("pushover_simulator_params")


class ApiError(Exception):
    """A Pushover 4xx answer: per-field reasons plus `errors`.

    `errors` is a list of sentences, or (as Open Client device registration answers)
    an object of field name to reasons.
    """

    def __init__(
        self,
        errors: list[str] | dict[str, list[str]],
        fields: dict[str, str] | None = None,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            "; ".join(errors)
            if isinstance(errors, list)
            else "; ".join(f"{k} {', '.join(v)}" for k, v in errors.items())
        )
        self.errors = errors
        self.fields = fields or {}
        self.status = status
        self.headers = headers or {}


def field_error(name: str, reason: str, error: str | None = None) -> ApiError:
    """Return the usual one-field refusal: `{name: reason, "errors": [...]}`."""
    return ApiError([error or f"{name} {reason}"], {name: reason})


def bad_token() -> ApiError:
    """Return the refusal of an unknown application token."""
    return ApiError(["application token is invalid"], {"token": "invalid"})


def bad_user() -> ApiError:
    """Return the refusal of an unknown user or group key."""
    return ApiError(
        ["user identifier is not a valid user, group, or subscribed user key"],
        {"user": "invalid"},
    )


def invalid_user_key() -> ApiError:
    """Return the refusal of an unknown user key where only users are accepted."""
    return ApiError(["user key is invalid"], {"user": "invalid"})


def receipt_not_found() -> ApiError:
    """Return the refusal of an unknown, foreign or week-old receipt."""
    return ApiError(
        ["receipt not found; may be invalid or expired"], {"receipt": "not found"}
    )


def group_not_found() -> ApiError:
    """Return the refusal of an unknown or foreign group."""
    return ApiError(
        ["group not found or you are not authorized to edit it"], {"group": "not found"}
    )


def not_member() -> ApiError:
    """Return the refusal of a group change for a non-member."""
    return ApiError(["user is not a member of this group"], {"user": "invalid"})


def bad_device() -> ApiError:
    """Return the refusal of a device name the user does not have."""
    return ApiError(
        ["device name is not valid for this user"], {"device": "invalid for this user"}
    )


def api_response(
    data: dict[str, Any] | None = None,
    *,
    status: int = 1,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Return a Pushover-style JSON answer with `status`, a fresh `request` id and headers."""
    request_id = str(uuid.uuid4())
    body = {**(data or {}), "status": status, "request": request_id}
    return web.Response(
        text=json.dumps(body),
        status=http_status,
        content_type=JSON_CT,
        charset="utf-8",
        headers={"X-Request-Id": request_id, **(headers or {})},
    )


def error_response(err: ApiError) -> web.Response:
    """Render an ApiError like Pushover does."""
    return api_response(
        {**err.fields, "errors": err.errors},
        status=0,
        http_status=err.status,
        headers=err.headers,
    )


def limit_headers(acc: Account) -> dict[str, str]:
    """Return the X-Limit-App-* headers of an account."""
    return {
        "X-Limit-App-Limit": str(acc.limit),
        "X-Limit-App-Remaining": str(acc.remaining),
        "X-Limit-App-Reset": str(acc.reset),
    }
