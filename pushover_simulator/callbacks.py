"""Receipts on the state: acknowledgement, its callback's delivery, and cancellations.

`acknowledge` answers an emergency as a phone would and, when the send named a
`callback`, POSTs Pushover's callback form to it (retried `callback_max_attempts`
times, `callback_retry_delay` apart). `canceled_receipts` tells which receipts were
canceled and when, on the simulator's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging

import aiohttp

from .receipts import Receipt
from .waiting import WaitingMixin

_LOGGER = logging.getLogger(__name__)

CallbackSender = Callable[[str, dict[str, str]], Awaitable[int]]


class CallbacksMixin(WaitingMixin):
    """Acknowledgements and callbacks (part of `SimulatorState`)."""

    clock: Callable[[], float]
    receipts: dict[str, Receipt]
    callback_retry_delay: float
    callback_max_attempts: int
    callback_timeout: float
    callback_sender: CallbackSender | None
    _callback_tasks: set[asyncio.Task[None]]

    def acknowledge(
        self, receipt: str, user: str | None = None, device: str | None = None
    ) -> None:
        """Acknowledge an emergency receipt as `user`/`device` and fire its callback.

        Defaults to the message's first user and that user's first device. Raises
        KeyError for an unknown receipt and ValueError for a canceled or expired one.
        Acknowledging an acknowledged receipt changes nothing (the first one wins).
        """
        rec = self.receipts[receipt]
        now = self.clock()
        if rec.acknowledged:
            return
        if rec.canceled or rec.expired(now):
            raise ValueError(f"receipt {receipt} is no longer active")
        user = user or rec.user
        if device is None:
            devices = rec.deliveries.get(user) or []
            device = devices[0] if devices else ""
        rec.acknowledged = True
        rec.acknowledged_at = int(now)
        rec.acknowledged_by = user
        rec.acknowledged_by_device = device
        self.notify_change()
        if rec.callback:
            task = asyncio.get_running_loop().create_task(
                self._deliver_callback(rec), name=f"pushover-sim-callback-{receipt}"
            )
            self._callback_tasks.add(task)
            task.add_done_callback(self._callback_tasks.discard)

    def canceled_receipts(self) -> dict[str, int]:
        """Return {receipt: canceled_at} of every canceled receipt, in sending order.

        `canceled_at` is the simulator clock's Unix second of the `cancel.json` or
        `cancel_by_tag` request that stopped the retries.
        """
        return {
            key: rec.canceled_at for key, rec in self.receipts.items() if rec.canceled
        }

    async def _deliver_callback(self, rec: Receipt) -> None:
        assert rec.callback is not None
        payload = {
            "receipt": rec.receipt,
            "acknowledged": "1",
            "acknowledged_at": str(rec.acknowledged_at),
            "acknowledged_by": rec.acknowledged_by,
            "acknowledged_by_device": rec.acknowledged_by_device,
        }
        sender = self.callback_sender or self._post_callback
        while rec.callback_attempts < self.callback_max_attempts:
            if rec.callback_attempts:
                await self.pause(self.callback_retry_delay)
                if self.stopping:
                    return
            rec.callback_attempts += 1
            self.notify_change()
            try:
                status = await sender(rec.callback, payload)
            except (aiohttp.ClientError, OSError, TimeoutError) as err:
                _LOGGER.debug("callback for %s failed: %r", rec.receipt, err)
                continue
            if 200 <= status < 300:
                rec.called_back = True
                rec.called_back_at = int(self.clock())
                self.notify_change()
                return

    async def _post_callback(self, url: str, payload: dict[str, str]) -> int:
        timeout = aiohttp.ClientTimeout(total=self.callback_timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=payload) as resp,
        ):
            await resp.read()
            return resp.status

    async def wait_callbacks(self) -> None:
        """Wait until every scheduled callback delivery has finished."""
        while self._callback_tasks:
            await asyncio.gather(*list(self._callback_tasks), return_exceptions=True)

    async def cancel_callbacks(self) -> None:
        """Cancel every pending callback delivery and wait for them to end."""
        tasks = list(self._callback_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._callback_tasks.clear()
