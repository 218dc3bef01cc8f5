"""Cancels owed to Pushover: receipts of ended alarms, canceled until confirmed.

The ledger (the alarm owner) says which receipts are owed; this module asks
Pushover to cancel them. A cancel Pushover confirms, or one for a receipt it
no longer knows (any other 4xx: asking again would repeat it), is paid. One
it cannot answer now (network, 5xx, 408, 429) stays owed and is tried again
with back-off (10 s doubling to 5 min); a rejected token stops paying until
reauth reloads the entry. The owed receipts are stored with their alarms, so
cancels cut off by an unload or a restart are paid after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from typing import Any, Final, Protocol

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .api import BadAPIRequestError, PushoverAPI, PushoverConnectionError
from .const import LOGGER
from .data import PushoverCompleteConfigEntry
from .refusals import RefusalGuard
from .tasks import EntryTasks

FIRST_RETRY: Final = 10.0
MAX_RETRY: Final = 300.0
MAX_REMEMBERED: Final = 1000


class CancelLedger(Protocol):
    """Who keeps the owed cancels (the alarm owner)."""

    def owed_receipts(self) -> list[str]:
        """Return the receipts owed a cancel, oldest first."""

    @callback
    def async_paid(self, receipts: Collection[str]) -> None:
        """Take that these receipts need no cancel any more."""


class OwedCancels:
    """Pay an entry's owed cancels at Pushover."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PushoverCompleteConfigEntry,
        client: PushoverAPI,
        *,
        guard: RefusalGuard,
        ledger: CancelLedger,
    ) -> None:
        """Pay nothing until asked."""
        self.hass = hass
        self._client = client
        self._guard = guard
        self._ledger = ledger
        self._lock = asyncio.Lock()
        self._tasks = EntryTasks(hass, entry)
        self._unsub: Callable[[], None] | None = None
        self._job = HassJob(self._async_retry, cancel_on_shutdown=True)
        self._delay = FIRST_RETRY
        self._stopped = False
        # Receipts Pushover confirmed canceled, until a caller counts them.
        self._canceled: dict[str, None] = {}

    @callback
    def async_pay_soon(self) -> None:
        """Pay what is owed in the background."""
        if not self._stopped:
            self._tasks.async_run(self.async_pay(), "pushover_complete cancels")

    async def async_stop(self) -> None:
        """Stop paying, also a cancel on the wire (it stays owed)."""
        self._stopped = True
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        await self._tasks.async_cancel()

    async def async_pay(self, count: Collection[str] = ()) -> int:
        """Pay what is owed; return how many of ``count`` Pushover canceled."""
        async with self._lock:
            for receipt in self._ledger.owed_receipts():
                # A retry is set: Pushover asked to wait; the retry pays.
                if self._stopped or self._guard.token_rejected or self._unsub:
                    break
                paid = await self._async_cancel(receipt)
                if paid is None:
                    self._async_retry_later()
                    break
                self._ledger.async_paid([receipt])
                if paid:
                    self._canceled[receipt] = None
                    while len(self._canceled) > MAX_REMEMBERED:
                        del self._canceled[next(iter(self._canceled))]
            return sum(1 for r in count if self._canceled.pop(r, 1) is None)

    async def _async_cancel(self, receipt: str) -> bool | None:
        """Cancel one receipt: ``True`` canceled, ``False`` gone, ``None`` later."""
        try:
            await self._client.cancel_receipt(receipt)
        except PushoverConnectionError as err:
            LOGGER.warning("Could not cancel an alarm's receipt yet: %s", err)
            return None
        except BadAPIRequestError as err:
            if err.ask_later:
                return None
            self._guard.async_refused(err)
            if self._guard.token_rejected:
                return None
            LOGGER.info("Pushover no longer cancels an alarm's receipt: %s", err)
            return False
        self._delay = FIRST_RETRY
        return True

    @callback
    def _async_retry_later(self) -> None:
        if self._stopped or self._guard.token_rejected or self._unsub is not None:
            return
        self._unsub = async_call_later(self.hass, self._delay, self._job)
        self._delay = min(self._delay * 2, MAX_RETRY)

    @callback
    def _async_retry(self, _now: Any) -> None:
        self._unsub = None
        self.async_pay_soon()
