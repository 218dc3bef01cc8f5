"""One alarm's record: everything about it, in one stored object.

The owner (``alarms.py``) is the only module that changes a record; this
module holds its shape, how it is stored and read back, and questions asked
of it ("is this round over?"). Every emergency is an alarm: one sent with
``send_message`` is an alarm of one step that is not shown as one
(``public`` false, ``alarm_id`` null in its events).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Final

from homeassistant.util import dt as dt_util

from .files import StoredAttachment
from .models import Attachment, Message, MessageAction

# Pushover's shortest expire: a send rings at least this long.
MIN_EXPIRE: Final = 30
# Message fields an alarm stores (its attachment is kept as a file).
MESSAGE_FIELDS: Final = tuple(f.name for f in fields(Message) if f.name != "attachment")


def stored_message(msg: Message) -> dict[str, Any]:
    """Return the fields of ``msg`` an alarm stores (actions as plain mappings)."""
    stored = {name: getattr(msg, name) for name in MESSAGE_FIELDS}
    stored["actions"] = [asdict(action) for action in msg.actions]
    return stored


class AlarmState(StrEnum):
    """Where an alarm is in its life."""

    PAGING = "paging"
    ACKNOWLEDGED = "acknowledged"
    ENDED = "ended"


class ReceiptState(StrEnum):
    """What became of one receipt."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    EXPIRED = "expired"
    CANCELED = "canceled"


@dataclass(slots=True)
class AlarmStep:
    """Whom to wake (recipients by subentry id), and when in a round."""

    recipients: list[str]
    after: int = 0
    sent: bool = False


@dataclass(slots=True)
class ReceiptRecord:
    """One receipt Pushover issued for the alarm, and whom it went to."""

    recipient: str | None
    user_key: str
    name: str | None
    round: int
    sent_at: float
    callback_expected: bool = False
    state: ReceiptState = ReceiptState.OPEN


@dataclass(slots=True)
class QueuedSend:
    """A send of the alarm waiting in the outbox (by outbox item id)."""

    recipient: str | None
    round: int


@dataclass(slots=True)
class Alarm:
    """One alarm of an entry, from its first page to its end."""

    alarm_id: str
    started: float
    steps: list[AlarmStep]
    message: dict[str, Any]
    expire: int
    public: bool = True
    key: str | None = None
    repage_after: int | None = None
    repeat: int = 0
    state: AlarmState = AlarmState.PAGING
    round: int = 1
    round_started: float = 0.0
    acknowledged_at: float | None = None
    acknowledged_by_name: str | None = None
    last_expired: str | None = None
    receipts: dict[str, ReceiptRecord] = field(default_factory=dict)
    queued: dict[str, QueuedSend] = field(default_factory=dict)
    owed_cancels: list[str] = field(default_factory=list)
    attachment: StoredAttachment | None = None

    @classmethod
    def single(
        cls, alarm_id: str, started: float, message: dict[str, Any], expire: int
    ) -> Alarm:
        """Return a ``send_message`` emergency: no steps, no public alarm id."""
        return cls(
            alarm_id=alarm_id,
            started=started,
            steps=[],
            message=message,
            expire=expire,
            public=False,
            round_started=started,
        )

    @property
    def title(self) -> str | None:
        """Return the alarm's title."""
        title = self.message.get("title")
        return str(title) if title else None

    @property
    def tags(self) -> list[str]:
        """Return the alarm's tags."""
        return [str(tag) for tag in self.message.get("tags") or []]

    @property
    def is_open(self) -> bool:
        """Tell whether the alarm has not ended."""
        return self.state is not AlarmState.ENDED

    @property
    def steps_sent(self) -> int:
        """Return how many steps of this round went out."""
        return sum(1 for step in self.steps if step.sent)

    def next_step(self) -> int | None:
        """Return the index of the round's first step not sent yet."""
        return next((i for i, step in enumerate(self.steps) if not step.sent), None)

    def due(self, index: int) -> float:
        """Return when a step of this round falls due (Unix time)."""
        return self.round_started + self.steps[index].after

    def open_receipts(self) -> list[str]:
        """Return the receipts still ringing (as far as this record knows)."""
        return [
            receipt
            for receipt, record in self.receipts.items()
            if record.state is ReceiptState.OPEN
        ]

    def round_over(self) -> bool:
        """Tell whether every step went out and nothing of the round is open."""
        return (
            self.state is AlarmState.PAGING
            and self.next_step() is None
            and not self.queued
            and not self.open_receipts()
        )

    def remaining(self, now: float) -> int:
        """Return the seconds the round still rings (the ``expire`` of a send now)."""
        return int(self.round_started + self.expire - now)

    def matches(
        self,
        *,
        alarm_id: str | None = None,
        key: str | None = None,
        tag: str | None = None,
    ) -> bool:
        """Tell whether the alarm is open with this id, key or tag.

        An emergency of ``send_message`` has no id to the outside, and no key.
        """
        return self.is_open and (
            (alarm_id is not None and self.public and self.alarm_id == alarm_id)
            or (key is not None and self.key == key)
            or (tag is not None and tag in self.tags)
        )

    def next_time(self) -> float | None:
        """Return when the alarm next acts: its next step, or its next round."""
        if self.state is AlarmState.PAGING:
            index = self.next_step()
            return self.due(index) if index is not None else None
        if self.state is AlarmState.ACKNOWLEDGED and self.repage_after:
            return (self.acknowledged_at or self.round_started) + self.repage_after
        return None

    def as_message(self, attachment: Attachment | None) -> Message:
        """Return the message a step of the alarm sends."""
        fields = dict(self.message)
        actions = [MessageAction(**a) for a in fields.pop("actions", None) or []]
        return Message(**fields, attachment=attachment, actions=actions)

    def summary(self) -> dict[str, Any]:
        """Return what the active-emergencies sensor lists for this alarm."""
        return {
            "alarm_id": self.alarm_id,
            "title": self.title,
            "started": dt_util.utc_from_timestamp(self.started).isoformat(),
            "step": self.steps_sent,
            "tags": self.tags,
            "key": self.key,
            "state": str(self.state),
            "round": self.round,
            "acknowledged_by_name": self.acknowledged_by_name,
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alarm:
        """Read the stored form; raise ``KeyError``/``TypeError``/``ValueError`` if broken."""
        meta = data.get("attachment")
        alarm = cls(
            alarm_id=_text(data["alarm_id"]),
            started=float(data["started"]),
            steps=[_step(raw) for raw in data["steps"]],
            message={k: v for k, v in data["message"].items() if k in MESSAGE_FIELDS},
            expire=int(data["expire"]),
            public=bool(data.get("public", True)),
            key=_optional_text(data.get("key")),
            repage_after=_optional_int(data.get("repage_after")),
            repeat=int(data.get("repeat") or 0),
            state=AlarmState(data.get("state", AlarmState.PAGING)),
            round=int(data.get("round") or 1),
            round_started=float(data.get("round_started") or data["started"]),
            acknowledged_at=_optional_float(data.get("acknowledged_at")),
            acknowledged_by_name=_optional_text(data.get("acknowledged_by_name")),
            last_expired=_optional_text(data.get("last_expired")),
            receipts={
                _text(receipt): _receipt(raw)
                for receipt, raw in (data.get("receipts") or {}).items()
            },
            queued={
                _text(item_id): _queued(raw)
                for item_id, raw in (data.get("queued") or {}).items()
            },
            owed_cancels=[_text(r) for r in data.get("owed_cancels") or []],
            attachment=StoredAttachment(**meta) if meta else None,
        )
        _check_message(alarm.message)
        return alarm


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("expected a non-empty string")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _step(raw: dict[str, Any]) -> AlarmStep:
    return AlarmStep(
        recipients=[_text(r) for r in raw["recipients"]],
        after=int(raw.get("after") or 0),
        sent=bool(raw.get("sent")),
    )


def _receipt(raw: dict[str, Any]) -> ReceiptRecord:
    return ReceiptRecord(
        recipient=_optional_text(raw.get("recipient")),
        user_key=_text(raw["user_key"]),
        name=_optional_text(raw.get("name")),
        round=int(raw.get("round") or 1),
        sent_at=float(raw["sent_at"]),
        callback_expected=bool(raw.get("callback_expected")),
        state=ReceiptState(raw.get("state", ReceiptState.OPEN)),
    )


def _queued(raw: dict[str, Any]) -> QueuedSend:
    return QueuedSend(
        recipient=_optional_text(raw.get("recipient")), round=int(raw["round"])
    )


def _check_message(message: dict[str, Any]) -> None:
    """Refuse a stored message that could not be sent again."""
    if not isinstance(message.get("message"), str):
        raise TypeError("the stored alarm has no message text")
    if not isinstance(message.get("tags") or [], list):
        raise TypeError("the stored alarm's tags are not a list")
    for action in message.get("actions") or []:
        MessageAction(**action)


def ringing(alarms: Iterable[Alarm]) -> dict[str, bool]:
    """Return the receipts of open alarms still ringing (→ a callback is expected)."""
    return {
        receipt: record.callback_expected
        for alarm in alarms
        if alarm.is_open
        for receipt, record in alarm.receipts.items()
        if record.state is ReceiptState.OPEN
    }
