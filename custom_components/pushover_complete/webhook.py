"""The entry's webhook: where Pushover calls back about emergencies.

The webhook is reachable through Home Assistant's external URL, or a Home
Assistant Cloud webhook when the account is subscribed. Pushover's callback
carries no signature, so it is only a hint: the receipt is read back from
Pushover (by the poller), and only a receipt this entry is tracking is read.
Anything else is answered with a bare 200 and ignored.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs

from aiohttp import web

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .api import KEY_RE
from .const import DOMAIN, LOGGER
from .data import PushoverCompleteConfigEntry
from .poller import ReceiptPoller

MAX_CALLBACK_BODY: Final = 4096


class EntryWebhook:
    """The entry's webhook and the URL at which Pushover can reach it."""

    def __init__(self, hass: HomeAssistant, entry: PushoverCompleteConfigEntry) -> None:
        """Listen for nothing until :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.webhook_id: str = entry.data["webhook_id"]
        self.cloudhook_url: str | None = None
        self._poller: ReceiptPoller | None = None
        self._stopped = False

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
            allowed_methods=["POST"],
        )

    @callback
    def async_stop(self) -> None:
        """Stop listening."""
        self._stopped = True
        webhook.async_unregister(self.hass, self.webhook_id)

    async def async_setup_cloudhook(self) -> None:
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
        """Take Pushover's callback as a hint; answer 200 to anything."""
        receipt = (await _read_form(request)).get("receipt", "")
        if KEY_RE.match(receipt) and not self._stopped and self._poller is not None:
            self._poller.async_hint(receipt)
        return web.Response(status=200)


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
