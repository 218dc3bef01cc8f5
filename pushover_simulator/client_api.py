"""Pushover's Open Client endpoints and the push websocket, served by the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .open_client import OpenDevice, PushChannel, Signal
from .responses import PARAMS, ApiError, api_response, receipt_not_found
from .state import RECEIPT_LIFETIME, random_key

if TYPE_CHECKING:
    from .state import SimulatorState, User

_LOGGER = logging.getLogger(__name__)

DEVICE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,25}$")
LOGIN_FRAME_RE = re.compile(r"^login:([^:\n]+):([^:\n]+)\n$")
LOGIN_TIMEOUT = 30.0
MAX_CLIENT_FRAME = 4096
CLOSE_TIMEOUT = 2.0


def bad_secret() -> ApiError:
    """Return the refusal of an unknown session secret."""
    return ApiError(["secret is invalid"], {"secret": "invalid"})


def bad_device_id() -> ApiError:
    """Return the refusal of a device id that is not the session user's."""
    return ApiError(["device_id is invalid"], {"device_id": "invalid"})


class OpenClientApi:
    """Handlers for login, device registration, download, delete and acknowledge."""

    def __init__(self, sim: SimulatorState) -> None:
        """Bind the handlers to `sim`."""
        self.sim = sim

    def _user_for(self, params: dict[str, Any]) -> User:
        """Return the user of the request's session secret."""
        user = self.sim.users.get(
            self.sim.open_client.sessions.get(params.get("secret") or "", "")
        )
        if user is None:
            raise bad_secret()
        return user

    def _device_for(self, params: dict[str, Any], device_id: str) -> OpenDevice:
        """Return the session user's device `device_id`."""
        self._user_for(params)
        device = self.sim.open_client.device_for(params["secret"], device_id)
        if device is None:
            raise bad_device_id()
        return device

    async def login(self, request: web.Request) -> web.Response:
        """Log in with e-mail and password (and two-factor code); answer a new secret."""
        params = PARAMS.get()
        login = self.sim.open_client.logins.get(params.get("email", ""))
        if login is None or login.password != params.get("password"):
            raise ApiError(["invalid email and/or password"], {"email": "invalid"})
        if login.twofa is not None:
            code = params.get("twofa", "")
            if not code:
                raise ApiError(["two-factor authentication code required"], status=412)
            if code != login.twofa:
                raise ApiError(["two-factor code is invalid"], {"twofa": "invalid"})
        secret = self.sim.open_client.start_session(login.user)
        return api_response({"id": login.user, "secret": secret})

    async def register(self, request: web.Request) -> web.Response:
        """Register an Open Client device (`os=O`) for the session's user."""
        params = PARAMS.get()
        user = self._user_for(params)
        if params.get("os") != "O":
            raise ApiError(["os is invalid"], {"os": "invalid"})
        name = params.get("name", "")
        if not DEVICE_NAME_RE.match(name):
            raise ApiError({"name": ["is invalid"]})
        if name in user.devices:
            raise ApiError({"name": ["has already been taken"]})
        device = self.sim.open_client.add_device(
            random_key(), name, user.key, params["secret"]
        )
        user.devices.append(name)
        return api_response({"id": device.id})

    async def download(self, request: web.Request) -> web.Response:
        """Answer the messages waiting for the device, and the user's licenses."""
        params = PARAMS.get()
        device = self._device_for(params, params.get("device_id", ""))
        user = self.sim.users[device.user]
        messages = [self._current(message) for message in device.messages]
        return api_response(
            {
                "messages": messages,
                "user": {
                    "quiet_hours": False,
                    "is_android_licensed": "Android" in user.licenses,
                    "is_ios_licensed": "iOS" in user.licenses,
                    "is_desktop_licensed": "Desktop" in user.licenses,
                },
            }
        )

    def _current(self, message: dict[str, Any]) -> dict[str, Any]:
        """Return a queued message with `acked` as its receipt now stands."""
        receipt = self.sim.receipts.get(message.get("receipt") or "")
        if receipt is None:
            return message
        return {**message, "acked": int(receipt.acknowledged)}

    async def delete_through(self, request: web.Request) -> web.Response:
        """Delete the device's messages up to and including the id `message`."""
        params = PARAMS.get()
        device = self._device_for(params, request.match_info["device_id"])
        highest = params.get("message", "").strip()
        if not highest.isdigit():
            raise ApiError(["message is invalid"], {"message": "invalid"})
        self.sim.open_client.delete_through(device, int(highest))
        return api_response()

    async def acknowledge(self, request: web.Request) -> web.Response:
        """Acknowledge an emergency as the session's user and device."""
        params = PARAMS.get()
        user = self._user_for(params)
        rec = self.sim.receipts.get(request.match_info["receipt"])
        if (
            rec is None
            or user.key not in rec.users
            or self.sim.clock() > rec.sent_at + RECEIPT_LIFETIME
        ):
            raise receipt_not_found()
        device = self.sim.open_client.acting_device(params["secret"])
        try:
            self.sim.acknowledge(
                rec.receipt, user=user.key, device=device.name if device else ""
            )
        except ValueError:
            raise ApiError(
                ["receipt has expired or was canceled"],
                {"receipt": "is no longer active"},
            ) from None
        return api_response()


class PushServer:
    """The push websocket: login frame, then `!`, `#` and whatever tests inject."""

    def __init__(self, sim: SimulatorState) -> None:
        """Bind the websocket handler to `sim`."""
        self.sim = sim

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one push connection until it closes, drops or the simulator stops."""
        ws = web.WebSocketResponse(timeout=CLOSE_TIMEOUT, max_msg_size=MAX_CLIENT_FRAME)
        await ws.prepare(request)
        device = await self._login(ws)
        if device is None:
            with contextlib.suppress(ConnectionError):
                await ws.send_str("E")
            await ws.close()
            return ws
        channel = self.sim.open_client.open_channel(device.id, now=self.sim.clock())
        reader = asyncio.create_task(_read_until_closed(ws, channel))
        try:
            if await self._pump(ws, channel, device):
                await ws.close()
            elif request.transport is not None:
                request.transport.abort()
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            self.sim.open_client.close_channel(channel, now=self.sim.clock())
        return ws

    async def _login(self, ws: web.WebSocketResponse) -> OpenDevice | None:
        """Read the login frame; return the device it names, or None."""
        try:
            msg = await ws.receive(timeout=LOGIN_TIMEOUT)
        except TimeoutError:
            return None
        if msg.type != WSMsgType.TEXT:
            return None
        match = LOGIN_FRAME_RE.match(msg.data)
        if match is None:
            return None
        device_id, secret = match.groups()
        return self.sim.open_client.device_for(secret, device_id)

    async def _pump(
        self, ws: web.WebSocketResponse, channel: PushChannel, device: OpenDevice
    ) -> bool:
        """Send queued frames and keep-alives; return False to drop abruptly."""
        while True:
            item: str | Signal | None
            try:
                item = await asyncio.wait_for(
                    channel.frames.get(), self.sim.keepalive_interval
                )
            except TimeoutError:
                item = None if device.silent else "#"
            if item is Signal.DROP:
                return False
            if item is Signal.CLOSE:
                return True
            if item is None:
                continue
            try:
                await ws.send_str(item)
            except ConnectionError:
                return True


async def _read_until_closed(ws: web.WebSocketResponse, channel: PushChannel) -> None:
    """Read (and ignore) the client's frames; tell the writer when the client has gone."""
    try:
        async for msg in ws:
            _LOGGER.debug("push client sent %s", msg.type)
    finally:
        channel.send(Signal.CLOSE)


def add_open_client_routes(app: web.Application, sim: SimulatorState) -> None:
    """Register the Open Client endpoints and GET /push."""
    api = OpenClientApi(sim)
    app.router.add_post("/1/users/login.json", api.login)
    app.router.add_post("/1/devices.json", api.register)
    app.router.add_get("/1/messages.json", api.download)
    app.router.add_post(
        "/1/devices/{device_id:[^/]+}/update_highest_message.json", api.delete_through
    )
    app.router.add_post(
        "/1/receipts/{receipt:[^/.]+}/acknowledge.json", api.acknowledge
    )
    app.router.add_get("/push", PushServer(sim).handle)
