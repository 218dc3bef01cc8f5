"""The /1/ handlers for emergency receipts: status, cancel and cancel by tag.

An unknown receipt, one of another application or one older than a week answers
400 `{"receipt": "not found", ...}`. Canceling stops the retries of a receipt that
is still active and notes `canceled_at` on the simulator's clock; canceling one
that already stopped answers success and changes nothing.
"""

from __future__ import annotations

from aiohttp import web

from .lookups import Handlers
from .responses import PARAMS, api_response


class ReceiptsApi(Handlers):
    """Handlers for receipts/{receipt}.json, its cancel.json and cancel_by_tag."""

    async def receipt(self, request: web.Request) -> web.Response:
        """Answer a receipt's state."""
        rec = self.receipt_for(PARAMS.get(), request.match_info["receipt"])
        return api_response(rec.api_fields(self.sim.clock()))

    async def cancel(self, request: web.Request) -> web.Response:
        """Cancel one emergency receipt."""
        rec = self.receipt_for(PARAMS.get(), request.match_info["receipt"])
        rec.cancel(self.sim.clock())
        return api_response()

    async def cancel_by_tag(self, request: web.Request) -> web.Response:
        """Cancel every active receipt of the application with the tag."""
        app = self.app_for(PARAMS.get())
        tag = request.match_info["tag"]
        now = self.sim.clock()
        count = sum(
            rec.cancel(now)
            for rec in self.sim.receipts.values()
            if rec.token == app.token and tag in rec.tags
        )
        return api_response({"canceled": count})
