"""Receipt polling: read open receipts from Pushover and report what they say.

The poller knows receipts, not alarms. Its owner hands it the set of open
receipts (and whether a callback is expected for each); it reads them every
10 s, or every 60 s as a safety net when every one expects a callback (never
faster than every 5 s), and reports each answer to the owner, who decides.
A callback is only a hint to read one receipt at once. A poll that gets 408
or 429 keeps the receipts and backs off (they mean "later"); only Pushover
saying a receipt is not found (or refusing to answer for it: asking again
would repeat a 4xx) ends it. A rejected token stops polling until
reauth reloads the entry. Unload stops polls and confirmations at once,
including those already running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .api import (
    BadAPIRequestError,
    PushoverAPI,
    PushoverConnectionError,
    ReceiptResponse,
)
from .const import LOGGER
from .data import PushoverCompleteConfigEntry
from .refusals import RefusalGuard
from .tasks import EntryTasks

POLL_WITHOUT_CALLBACK: Final = 10.0
POLL_WITH_CALLBACK: Final = 60.0
MIN_POLL: Final = 5.0
MAX_POLL: Final = 300.0


class ReceiptReport(Protocol):
    """What the owner of receipts hears from the poller."""

    @callback
    def async_receipt_answer(self, receipt: str, answer: ReceiptResponse) -> None:
        """Take Pushover's answer about an open receipt."""

    @callback
    def async_receipt_gone(self, receipt: str) -> None:
        """Take that Pushover no longer knows a receipt."""


class ReceiptPoller:
    """Read the open receipts of one entry from Pushover, on a schedule."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
        *,
        guard: RefusalGuard,
        report: ReceiptReport,
    ) -> None:
        """Poll nothing until receipts are handed over."""
        self.hass = hass
        self._client = client
        self._guard = guard
        self._report = report
        self._receipts: dict[str, bool] = {}
        self._unsub: Callable[[], None] | None = None
        self._job = HassJob(self._async_start_poll, cancel_on_shutdown=True)
        self._tasks = EntryTasks(hass, entry)
        self._confirming: set[str] = set()
        self._stopped = False
        self._unreachable = False
        self._backoff = 1.0

    @callback
    def async_set_receipts(self, receipts: Mapping[str, bool]) -> None:
        """Poll these receipts from now on (receipt → a callback is expected)."""
        if receipts != self._receipts:
            self._receipts = dict(receipts)
            self._async_schedule()

    async def async_stop(self) -> None:
        """Stop polling and confirming, also what is running now."""
        self._stopped = True
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        await self._tasks.async_cancel()

    @callback
    def async_hint(self, receipt: str) -> None:
        """Read a receipt Pushover called back about (a hint, never trusted)."""
        if self._stopped or receipt not in self._receipts:
            return
        if receipt in self._confirming or self._guard.token_rejected:
            return
        self._confirming.add(receipt)
        self._tasks.async_run(
            self._async_confirm(receipt), "pushover_complete callback"
        )

    async def async_check(self, receipts: Iterable[str]) -> bool:
        """Read receipts now and report them; ``False`` if Pushover did not answer."""
        for receipt in receipts:
            if not await self._async_check(receipt):
                return False
        return True

    async def _async_confirm(self, receipt: str) -> None:
        try:
            await self._async_check(receipt)
        finally:
            self._confirming.discard(receipt)
            self._async_schedule()

    @callback
    def _async_schedule(self) -> None:
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        if self._stopped or not self._receipts or self._guard.token_rejected:
            return
        interval = (
            POLL_WITH_CALLBACK
            if all(self._receipts.values())
            else POLL_WITHOUT_CALLBACK
        )
        delay = min(max(interval * self._backoff, MIN_POLL), MAX_POLL)
        self._unsub = async_call_later(self.hass, delay, self._job)

    @callback
    def _async_start_poll(self, _now: Any) -> None:
        self._unsub = None
        if not self._stopped:
            self._tasks.async_run(self._async_poll(), "pushover_complete receipt poll")

    async def _async_poll(self) -> None:
        """Read every open receipt once, then plan the next poll."""
        for receipt in list(self._receipts):
            if receipt in self._receipts and not await self._async_check(receipt):
                break
        self._async_schedule()

    async def _async_check(self, receipt: str) -> bool:
        """Read one receipt and report it; ``False``: stop asking for now."""
        if self._guard.token_rejected:
            return False
        try:
            answer = await self._client.check_receipt(receipt)
        except PushoverConnectionError as err:
            return self._async_later(f"{err}")
        except BadAPIRequestError as err:
            if err.ask_later:
                return self._async_later(f"Pushover asked to wait ({err})")
            self._guard.async_refused(err)
            if self._guard.token_rejected:
                return False
            # Not found, or any other refusal: asking again would repeat a 4xx.
            LOGGER.info("Pushover no longer answers for an emergency receipt: %s", err)
            self._report.async_receipt_gone(receipt)
            return True
        if self._unreachable:
            LOGGER.info("Emergency receipts can be checked again")
            self._unreachable = False
        self._backoff = 1.0
        if not self._stopped:
            self._report.async_receipt_answer(receipt, answer)
        return True

    @callback
    def _async_later(self, reason: str) -> bool:
        """Keep the receipts and back off: Pushover cannot answer now."""
        if not self._unreachable:
            LOGGER.warning("Cannot check emergency receipts now: %s", reason)
            self._unreachable = True
        self._backoff = min(self._backoff * 2, MAX_POLL / MIN_POLL)
        return False
