"""Building blocks for incidents (CONTRACT §9): start, acknowledge, resolve, hear events.

An incident here is an alarm of ``alarm_kit`` (three steps: ``notify.ours_01`` at 0 s,
``_02`` at 300 s, ``_03`` at 600 s; ``expire`` 3600, ``retry`` 60) with a ``key`` of its
own (its message text) and ``repage_after`` 600: once acknowledged it waits 600 s, then
pages again from step 1 (round 2). No callback: its receipts are polled every 10 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import time
from typing import Any

from .alarm_kit import POLL_EVERY, OpenAlarm, alarm_data, find_receipts
from .clock import VirtualClock
from .harness import Bench

INCIDENT_COUNT = 100
REPAGE_AFTER = 600


@dataclass
class Incident(OpenAlarm):
    """An incident the bench started: its alarm, key and receipts at the simulator."""

    key: str = ""


class EventLog:
    """Every event of one type: when it came (``time.monotonic()``) and its data."""

    def __init__(self, hass: Any, event_type: str) -> None:
        """Listen for ``event_type`` until :meth:`close`."""
        from homeassistant.core import Event, callback

        self.seen: list[tuple[float, dict[str, Any]]] = []

        @callback
        def on_event(event: Event) -> None:
            self.seen.append((time.monotonic(), dict(event.data)))

        self._unsub: Callable[[], None] | None = hass.bus.async_listen(
            event_type, on_event
        )

    def close(self) -> None:
        """Stop listening (again: nothing)."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    def clear(self) -> None:
        """Forget what was seen."""
        self.seen.clear()

    def values(self, key: str) -> list[Any]:
        """Return ``key`` of every event seen, in order."""
        return [data.get(key) for _, data in self.seen]

    def first(self, key: str) -> dict[str, float]:
        """Return when the first event of each value of ``key`` came."""
        out: dict[str, float] = {}
        for at, data in self.seen:
            out.setdefault(str(data.get(key)), at)
        return out


def incident_data(prefix: str, i: int, tag: str) -> dict[str, Any]:
    """Return ``send_alarm`` data of incident ``i`` (its key: its message text)."""
    data = alarm_data(prefix, i, tag)
    data["key"] = f"{prefix}{i}"
    data["repage_after"] = REPAGE_AFTER
    return data


async def send_incident(b: Bench, prefix: str, i: int, tag: str) -> dict[str, Any]:
    """Call ``send_alarm`` for incident ``i``; return its answer."""
    answer: dict[str, Any] = await b.hass.services.async_call(
        "pushover_complete",
        "send_alarm",
        incident_data(prefix, i, tag),
        blocking=True,
        return_response=True,
    )
    return answer


async def start_incidents(
    b: Bench, prefix: str, tag: str, count: int
) -> list[Incident]:
    """Start ``count`` incidents one after the other; return them."""
    incidents = []
    for i in range(count):
        answer = await send_incident(b, prefix, i, tag)
        text = f"{prefix}{i}"
        incidents.append(Incident(str(answer["alarm_id"]), text, key=text))
    await b.hass.async_block_till_done()
    return incidents


async def ack_first_receipts(b: Bench, prefix: str, incidents: list[Incident]) -> int:
    """Acknowledge each incident's step-1 receipt at the simulator; return how many."""
    await find_receipts(b, prefix, list(incidents))
    acked = 0
    for incident in incidents:
        if incident.receipts:
            await b.ctl.ack(incident.receipts[0])
            acked += 1
    return acked


async def ack_ringing(b: Bench, prefix: str) -> None:
    """Acknowledge at the simulator every ringing receipt of messages with ``prefix``."""
    for rec in await b.ctl.receipts(prefix):
        if not rec["acknowledged"] and not rec["canceled"]:
            await b.ctl.ack(rec["receipt"])


async def resolve_key(b: Bench, key: str) -> int:
    """Resolve the incident of ``key``; return the answer's ``resolved``."""
    answer: dict[str, Any] = await b.hass.services.async_call(
        "pushover_complete",
        "resolve_alarm",
        {"config_entry_id": b.ours.entry_id, "key": key},
        blocking=True,
        return_response=True,
    )
    return int(answer["resolved"])


async def resolve_tag(b: Bench, tag: str) -> int:
    """Resolve every incident carrying ``tag``; return how many."""
    answer: dict[str, Any] = await b.hass.services.async_call(
        "pushover_complete",
        "resolve_alarm",
        {"config_entry_id": b.ours.entry_id, "tag": tag},
        blocking=True,
        return_response=True,
    )
    await b.hass.async_block_till_done()
    return int(answer["resolved"])


async def warm_incidents(b: Bench, clock: VirtualClock) -> None:
    """Run every incident path once: start, deduplicate, acknowledge, re-page, resolve."""
    prefix, tag = b.tag("iwarm"), "iwarm"
    incidents = await start_incidents(b, prefix, tag, 2)
    await send_incident(b, prefix, 0, tag)
    await ack_first_receipts(b, prefix, incidents)
    for _ in range(round(REPAGE_AFTER / POLL_EVERY) + 3):
        await clock.advance(POLL_EVERY)
    for incident in incidents:
        await resolve_key(b, incident.key)
    await clock.advance(POLL_EVERY)


def rounds_of(b: Bench, tag: str) -> list[int]:
    """Return the distinct rounds of the open incidents tagged ``tag`` (Home Assistant's)."""
    return sorted({alarm.round for alarm in tagged(b, tag)})


def states_of(b: Bench, tag: str) -> list[str]:
    """Return the distinct states of the open incidents tagged ``tag``."""
    return sorted({str(alarm.state) for alarm in tagged(b, tag)})


def tagged(b: Bench, tag: str) -> list[Any]:
    """Return Home Assistant's records of the open alarms tagged ``tag``."""
    return list(b.ours.runtime_data.alarms.matching(tag=tag))
