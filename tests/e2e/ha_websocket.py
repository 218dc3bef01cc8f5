"""Home Assistant's websocket API for the browser test: commands and events, bounded.

The test asks Home Assistant directly what the browser cannot show: the registries, the
subentries, and the events that fire (subscribed before the user acts, so none is missed).
websocket-client is imported lazily: this module is collected on targets without it.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
import time
from typing import Any

from .live import Stack, Tokens
from .ui import WAIT


class HAWebSocket:
    """Home Assistant's websocket API, authenticated (websocket-client, synchronous)."""

    def __init__(self, base_url: str, token: str) -> None:
        import websocket

        url = base_url.replace("http://", "ws://", 1) + "/api/websocket"
        self.ws = websocket.create_connection(url, timeout=WAIT)
        self.next_id = 1
        self.subscriptions: dict[int, str] = {}
        assert self.recv()["type"] == "auth_required"
        self.ws.send(json.dumps({"type": "auth", "access_token": token}))
        assert self.recv()["type"] == "auth_ok"

    def recv(self, timeout: float = WAIT) -> dict[str, Any]:
        """The next message (bounded)."""
        self.ws.settimeout(timeout)
        return dict(json.loads(self.ws.recv()))

    def command(self, **msg: Any) -> Any:
        """Send a command and return its result."""
        msg_id, self.next_id = self.next_id, self.next_id + 1
        self.ws.send(json.dumps({"id": msg_id, **msg}))
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            reply = self.recv()
            if reply.get("id") == msg_id and reply.get("type") == "result":
                assert reply["success"], reply
                return reply["result"]
        raise TimeoutError(f"no result for {msg}")

    def subscribe(self, event_type: str) -> int:
        """subscribe_events; returns the subscription id."""
        sub_id = self.next_id
        self.command(type="subscribe_events", event_type=event_type)
        self.subscriptions[sub_id] = event_type
        return sub_id

    def wait_event(self, sub_id: int, timeout: float) -> dict[str, Any]:
        """The next event of a subscription (others are dropped)."""
        from websocket import WebSocketTimeoutException

        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                msg = self.recv(left)
                if msg.get("type") == "event" and msg.get("id") == sub_id:
                    return dict(msg["event"])
        except (TimeoutError, WebSocketTimeoutException):
            pass
        raise TimeoutError(
            f"no {self.subscriptions[sub_id]} event within {timeout:.0f} s"
        )

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self.ws.close()


@contextlib.contextmanager
def websocket_api(stack: Stack, tokens: Tokens) -> Iterator[HAWebSocket]:
    """An authenticated websocket connection, closed afterwards."""
    ws = HAWebSocket(stack.ha_url, tokens.access_token)
    try:
        yield ws
    finally:
        ws.close()
