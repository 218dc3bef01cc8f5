"""A call's way out: emergencies to the alarm owner, the rest to the outbox.

Every way of sending (the notify entity, ``send_message``, the legacy
``notify.<recipient>`` actions) ends here. The answer speaks per recipient;
when Pushover refuses some of several requests, the others still go out and
one error names who did not get the message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .action_links import LinkContext
from .alarms import AlarmOwner
from .const import DOMAIN
from .data import PushoverCompleteConfigEntry, async_record_sent
from .exceptions import refusal_error
from .models import Message, PlannedRequest, Recipient, RecipientResult
from .outbox import Outbox, Queued
from .send import Refused, Sender


class Dispatcher:
    """Send an entry's calls: plan, hand each request on, collect the answer."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        sender: Sender,
        outbox: Outbox,
        alarms: AlarmOwner,
    ) -> None:
        """Plan with ``sender``; emergencies go to ``alarms``, the rest to ``outbox``."""
        self.hass = hass
        self._sender = sender
        self._outbox = outbox
        self._alarms = alarms

    def check(self, recipients: Sequence[Recipient], msg: Message) -> None:
        """Check a call the way sending would; raise what it would raise."""
        self._sender.plan(recipients, msg)

    async def async_send(
        self, recipients: Sequence[Recipient], msg: Message, *, record_sent: bool = True
    ) -> dict[str, Any]:
        """Send ``msg`` to ``recipients``; the action's response.

        ``record_sent`` sets the notify entities' state (the time they last
        sent); the entity's own ``notify.send_message`` path records it itself.
        """
        plan = self._sender.plan(recipients, msg, LinkContext(ttl=msg.ttl))
        if len(plan.requests) == 1:  # the common case
            results = [await self._async_one(plan.requests[0], msg)]
        else:
            results = list(
                await asyncio.gather(
                    *(self._async_one(planned, msg) for planned in plan.requests)
                )
            )
        sent = [r for result in results for r in result if r.error is None]
        if record_sent:  # also for the recipients of a call refused for others
            async_record_sent(self.hass, (r.recipient.notify_entity_id for r in sent))
        refused = [r for result in results for r in result if r.error is not None]
        if refused:
            raise _refusal(refused, sent) from refused[0].error
        return {
            "recipients": [result.as_dict() for result in sent],
            "truncated": plan.truncated,
        }

    async def _async_one(
        self, planned: PlannedRequest, msg: Message
    ) -> list[RecipientResult]:
        """Send one request: an emergency as an alarm of its own, else as it is."""
        if planned.fields.get("priority") == 2:
            return [await self._alarms.async_start_single(planned, msg)]
        outcome = await self._outbox.async_submit(planned)
        if isinstance(outcome, Refused):
            return [RecipientResult(r, error=outcome.error) for r in planned.recipients]
        if isinstance(outcome, Queued):
            return [RecipientResult(r, queued=True) for r in planned.recipients]
        request = outcome.answer.get("request")
        return [RecipientResult(r, request=request) for r in planned.recipients]


def _who(recipient: Recipient) -> str:
    return recipient.name or recipient.notify_entity_id or "-"


def _refusal(
    refused: list[RecipientResult], sent: list[RecipientResult]
) -> HomeAssistantError:
    """Build the error of a call Pushover refused, for all or some recipients."""
    first = refused[0].error
    assert first is not None
    if not sent:
        return refusal_error(first)
    failed = "; ".join(f"{_who(r.recipient)} ({r.error})" for r in refused)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="partly_sent",
        translation_placeholders={
            "failed": failed,
            "sent": ", ".join(_who(r.recipient) for r in sent),
        },
    )


async def async_send(
    hass: HomeAssistant,
    entry: PushoverCompleteConfigEntry,
    recipients: Sequence[Recipient],
    msg: Message,
    *,
    record_sent: bool = True,
) -> dict[str, Any]:
    """Send ``msg`` to ``recipients`` through ``entry`` (loaded); the response."""
    return await entry.runtime_data.dispatcher.async_send(
        recipients, msg, record_sent=record_sent
    )
