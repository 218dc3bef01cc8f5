"""The entry's webhook: Pushover's emergency callbacks, and action links.

The webhook is reachable through Home Assistant's external URL, or a Home
Assistant Cloud webhook when the account is subscribed. A request with the
query parameter ``action`` is an action link (``action_links.py``): a GET
shows what the link would do, the confirming POST does it once and fires
``pushover_complete_action``; a token never issued, expired, used or mangled
gets a 404 or 410 page and fires nothing. A POST without ``action`` is
Pushover's callback, which carries no signature: it is only a hint, the
receipt is read back from Pushover (by the poller), and only a receipt this
entry is tracking is read. Anything else is answered with a bare 200.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs

from aiohttp import web

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.network import NoURLAvailableError, get_url

from . import events
from .action_links import ActionLinks, ActionToken
from .action_pages import ActionPages, shipped_languages
from .api import KEY_RE
from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry
from .entity import NOTIFY_KEY, recipient_unique_id
from .poller import ReceiptPoller

MAX_CALLBACK_BODY: Final = 4096
# A token is 22 characters; anything much longer is not one (and not looked up).
MAX_TOKEN: Final = 64


class EntryWebhook:
    """The entry's webhook and the URL at which Pushover can reach it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        links: ActionLinks,
    ) -> None:
        """Listen for nothing until :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.webhook_id: str = entry.data["webhook_id"]
        self.cloudhook_url: str | None = None
        self._links = links
        self._pages: ActionPages | None = None
        self._poller: ReceiptPoller | None = None
        self._stopped = False

    async def async_setup(self) -> None:
        """Learn the languages of the pages; use a cloud webhook when subscribed."""
        shipped = await self.hass.async_add_executor_job(shipped_languages)
        self._pages = ActionPages(self.hass, shipped)
        await self._async_setup_cloudhook()

    @callback
    def async_start(self, poller: ReceiptPoller) -> None:
        """Listen on the entry's webhook; callbacks are hints for ``poller``."""
        self._poller = poller
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"Pushover Complete {self.entry.title}",
            self.webhook_id,
            self._async_handle,
            allowed_methods=["GET", "HEAD", "POST"],
        )

    @callback
    def async_stop(self) -> None:
        """Stop listening."""
        self._stopped = True
        webhook.async_unregister(self.hass, self.webhook_id)

    async def _async_setup_cloudhook(self) -> None:
        """Use a Home Assistant Cloud webhook when the cloud is subscribed."""
        if "cloud" not in self.hass.config.components:
            return
        from homeassistant.components import cloud  # only with cloud

        if not cloud.async_active_subscription(self.hass):
            return
        try:
            self.cloudhook_url = await cloud.async_get_or_create_cloudhook(
                self.hass, self.webhook_id
            )
        except Exception as err:  # any cloud failure: use the URL
            LOGGER.info(
                "No Home Assistant Cloud webhook (%s); using the URL",
                type(err).__name__,
            )

    def url(self) -> str | None:
        """Return where a phone or Pushover reaches the webhook, if anywhere."""
        if self.cloudhook_url:
            return self.cloudhook_url
        try:
            base = get_url(
                self.hass, allow_internal=False, allow_ip=True, prefer_external=True
            )
        except NoURLAvailableError:
            return None
        return base + webhook.async_generate_path(self.webhook_id)

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Serve an action link, or take Pushover's callback as a hint."""
        token = request.query.get("action")
        if token is not None or request.method != "POST":
            return await self._async_action(request, token or "")
        receipt = (await _read_form(request)).get("receipt", "")
        if KEY_RE.match(receipt) and not self._stopped and self._poller is not None:
            self._poller.async_hint(receipt)
        return web.Response(status=200)

    async def _async_action(self, request: web.Request, token: str) -> web.Response:
        """Show an action link's page (GET), or act on it once (POST)."""
        assert self._pages is not None
        item = self._links.lookup(token) if len(token) <= MAX_TOKEN else None
        if item is None or self._stopped:
            return await self._pages.async_unknown(request)
        if request.method != "POST":
            if item.used:
                return await self._pages.async_used(request)
            return await self._pages.async_confirm(request, item)
        if not self._links.async_use(item):
            return await self._pages.async_used(request)
        events.async_fire(
            self.hass, self.entry.entry_id, events.ACTION, self._event_data(item)
        )
        return await self._pages.async_done(request, item)

    def _event_data(self, item: ActionToken) -> dict[str, object]:
        """Return the data of ``pushover_complete_action`` (no token in it)."""
        notify_entity_id = None
        if item.subentry_id is not None:
            notify_entity_id = er.async_get(self.hass).async_get_entity_id(
                "notify",
                DOMAIN,
                recipient_unique_id(self.entry.entry_id, item.subentry_id, NOTIFY_KEY),
            )
        return {
            "config_entry_id": self.entry.entry_id,
            "action": item.action,
            "action_title": item.action_title,
            "title": item.title,
            "recipient": item.recipient,
            "notify_entity_id": notify_entity_id,
            "alarm_id": item.alarm_id,
            "receipt": item.receipt,
            "tags": list(item.tags),
        }


async def _read_form(request: web.Request) -> dict[str, str]:
    """Read a small form body as a dict; anything else as an empty one."""
    if (
        request.content_length is not None
        and request.content_length > MAX_CALLBACK_BODY
    ):
        return {}
    raw = await request.content.read(MAX_CALLBACK_BODY + 1)
    if len(raw) > MAX_CALLBACK_BODY:
        return {}
    try:
        parsed = parse_qs(raw.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {key: values[-1][:200] for key, values in parsed.items() if values}


async def async_remove_cloudhook(hass: HomeAssistant, webhook_id: str) -> None:
    """Delete a removed entry's Home Assistant Cloud webhook, if it has one."""
    if "cloud" not in hass.config.components:
        return
    from homeassistant.components import cloud  # only with cloud

    try:
        await cloud.async_delete_cloudhook(hass, webhook_id)
    except Exception as err:  # not subscribed, not logged in, …
        LOGGER.debug("No Home Assistant Cloud webhook removed (%s)", type(err).__name__)
