"""The aiohttp application: routes of the /1/ API, Open Client, /_sim/ and the inbox.

The handlers live by area (`api_messages.py`, `api_receipts.py`, `api_groups.py`,
`api_accounts.py`, Open Client in `client_api.py`); `middleware.py` records,
delays and parses every /1/ request and applies injected faults.
"""

from __future__ import annotations

from aiohttp import web

from .api_accounts import AccountsApi
from .api_groups import GroupsApi
from .api_messages import MessagesApi
from .api_receipts import ReceiptsApi
from .checks import MAX_ATTACHMENT
from .client_api import add_open_client_routes
from .control import add_control_routes
from .inbox import add_ui_routes
from .middleware import api_middleware
from .state import SimulatorState

SIM_KEY = web.AppKey("pushover_simulator", SimulatorState)
_GROUP = "/1/groups/{group:[^/.]+}"
_MEMBER_ACTIONS = "add_user|remove_user|delete_user|disable_user|enable_user"


def _add_send_routes(app: web.Application, sim: SimulatorState) -> None:
    """Register messages, sounds, limits, validate and the receipt endpoints."""
    messages, receipts = MessagesApi(sim), ReceiptsApi(sim)
    app.router.add_post("/1/messages.json", messages.messages)
    app.router.add_get("/1/sounds.json", messages.sounds)
    app.router.add_get("/1/apps/limits.json", messages.limits)
    app.router.add_post("/1/users/validate.json", messages.validate)
    app.router.add_get("/1/receipts/{receipt:[^/.]+}.json", receipts.receipt)
    app.router.add_post("/1/receipts/{receipt:[^/.]+}/cancel.json", receipts.cancel)
    app.router.add_post(
        "/1/receipts/cancel_by_tag/{tag:.+}.json", receipts.cancel_by_tag
    )


def _add_account_routes(app: web.Application, sim: SimulatorState) -> None:
    """Register the groups, subscriptions, licenses and glances endpoints."""
    groups, accounts = GroupsApi(sim), AccountsApi(sim)
    app.router.add_post("/1/groups.json", groups.group_create)
    app.router.add_get("/1/groups.json", groups.group_list)
    app.router.add_get(f"{_GROUP}.json", groups.group_info)
    app.router.add_post(
        f"{_GROUP}/{{action:{_MEMBER_ACTIONS}}}.json", groups.group_user
    )
    app.router.add_post(f"{_GROUP}/rename.json", groups.group_rename)
    app.router.add_post("/1/subscriptions/migrate.json", accounts.migrate)
    app.router.add_post("/1/licenses/assign.json", accounts.license_assign)
    app.router.add_get("/1/licenses.json", accounts.license_credits)
    app.router.add_post("/1/glances.json", accounts.glances)


def create_app(sim: SimulatorState) -> web.Application:
    """Build the aiohttp application serving `sim`."""
    app = web.Application(
        middlewares=[api_middleware(sim)], client_max_size=4 * MAX_ATTACHMENT
    )
    app[SIM_KEY] = sim
    _add_send_routes(app, sim)
    _add_account_routes(app, sim)
    add_open_client_routes(app, sim)
    add_control_routes(app, sim)
    add_ui_routes(app, sim)
    return app
