"""What ``send_alarm`` takes: its steps and incident fields, checked before sending.

1 to 10 steps; the first at 0 s, later ones strictly later and at most the
alarm's ``expire``; every target a notify entity of one application entry.
Steps name recipients by subentry, so renaming a notify entity while an
alarm is open loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import dataclasses
import itertools
from typing import Any, Final
import uuid

from homeassistant.core import HomeAssistant

from .alarm import Alarm, AlarmStep, stored_message
from .const import CONF_EXPIRE, DEFAULT_EXPIRE
from .data import PushoverCompleteConfigEntry
from .exceptions import invalid
from .models import Message, Recipient, RecipientResult
from .targets import entity_recipient

MAX_STEPS: Final = 10
ATTR_STEPS: Final = "steps"
ATTR_TARGETS: Final = "targets"
ATTR_AFTER: Final = "after"
ATTR_EXPIRE: Final = "expire"


def alarm_expire(hass: HomeAssistant, data: Mapping[str, Any]) -> int:
    """Return the call's expire, else the options' of the first target's entry."""
    if data.get(ATTR_EXPIRE):
        return int(data[ATTR_EXPIRE])
    first = next(
        (target for step in data[ATTR_STEPS] for target in step[ATTR_TARGETS]), None
    )
    if first is None:
        return DEFAULT_EXPIRE
    entry, _recipient = entity_recipient(hass, first)
    return int(entry.options.get(CONF_EXPIRE, DEFAULT_EXPIRE))


def checked_steps(
    hass: HomeAssistant, raw_steps: Sequence[Mapping[str, Any]], expire: int
) -> tuple[PushoverCompleteConfigEntry, list[AlarmStep], list[list[Recipient]]]:
    """Check a call's steps; return their entry, steps and recipients per step."""
    if not 1 <= len(raw_steps) <= MAX_STEPS:
        raise invalid("alarm_steps_count", max=str(MAX_STEPS))
    targets = [list(raw[ATTR_TARGETS]) for raw in raw_steps]
    afters = [int(raw.get(ATTR_AFTER) or 0) for raw in raw_steps]
    if not all(targets):
        raise invalid("alarm_step_without_targets")
    if afters[0] != 0:
        raise invalid("alarm_first_step", after=str(afters[0]))
    for earlier, later in itertools.pairwise(afters):
        if later <= earlier:
            raise invalid("alarm_steps_order", after=str(later))
    if afters[-1] > expire:
        raise invalid(
            "alarm_step_after_expire", after=str(afters[-1]), expire=str(expire)
        )
    found = [[entity_recipient(hass, entity_id) for entity_id in t] for t in targets]
    entries = {entry.entry_id: entry for step in found for entry, _ in step}
    if len(entries) != 1:
        raise invalid("alarm_two_applications")
    recipients = [[recipient for _, recipient in step] for step in found]
    steps = [
        AlarmStep([r.subentry_id for r in step if r.subentry_id], after)
        for step, after in zip(recipients, afters, strict=True)
    ]
    return next(iter(entries.values())), steps, recipients


@dataclasses.dataclass(frozen=True, slots=True)
class AlarmRequest:
    """What ``send_alarm`` asks for, checked."""

    steps: list[AlarmStep]
    message: Message
    expire: int
    key: str | None = None
    repage_after: int | None = None
    repeat: int = 0

    def new_alarm(self, now: float) -> Alarm:
        """Return the record of a new alarm for this request, started ``now``."""
        return Alarm(
            alarm_id=uuid.uuid4().hex,
            started=now,
            steps=[AlarmStep(list(s.recipients), s.after) for s in self.steps],
            message=stored_message(self.message),
            expire=self.expire,
            key=self.key,
            repage_after=self.repage_after,
            repeat=self.repeat,
            round_started=now,
        )


def step_response(result: RecipientResult) -> dict[str, Any]:
    """Return one recipient of ``send_alarm``'s answer."""
    response: dict[str, Any] = {
        "notify_entity_id": result.recipient.notify_entity_id,
        "receipt": result.receipt,
        "queued": result.queued,
    }
    if result.error is not None:
        response["refused"] = str(result.error)
    return response
