"""What the /1/ handlers look up first: the request's app, its group, its receipt.

Each lookup answers Pushover's real refusal when the thing is unknown, belongs to
another application (or account), or, for a receipt, is more than a week old.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .responses import bad_token, group_not_found, receipt_not_found

if TYPE_CHECKING:
    from .model import App, Group
    from .receipts import Receipt
    from .state import SimulatorState


class Handlers:
    """The base of the /1/ handler classes: the state and the lookups."""

    def __init__(self, sim: SimulatorState) -> None:
        """Bind the handlers to `sim`."""
        self.sim = sim

    def app_for(self, params: dict[str, Any]) -> App:
        """Return the application of the request's token."""
        app = self.sim.apps.get(params.get("token") or "")
        if app is None:
            raise bad_token()
        return app

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
        if rec is None or rec.token != app.token or not rec.queryable(self.sim.clock()):
            raise receipt_not_found()
        return rec
