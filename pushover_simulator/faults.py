"""Injected faults and seeded storms: what the next requests on a path get instead.

`inject_fault` queues a fault for the next `count` matching requests; `set_storm`
fails a seeded random share of them. The HTTP side (`middleware.py`) asks
`take_fault` and `take_storm` for each /1/ request and renders the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import random
from typing import Literal, get_args

FaultKind = Literal[
    "500",
    "502",
    "503",
    "hang",
    "drop",
    "invalid_token",
    "quota",
    "408",
    "not_found",
    "bad_request",
    "missing_field",
    "oversized",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class Fault:
    """A pending injected fault."""

    path_suffix: str
    kind: FaultKind
    count: int
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """Return whether the fault applies to a `method` request on `path`."""
        return path.endswith(self.path_suffix) and self.method in (None, method)


@dataclass
class Storm:
    """A seeded random storm of 503s and dropped connections on one path."""

    fraction: float
    seed: int
    path_suffix: str
    rng: random.Random = field(repr=False, compare=False)
    method: str | None = None


class FaultsMixin:
    """The simulator's fault queue and storm (part of `SimulatorState`)."""

    faults: list[Fault]
    storm: Storm | None
    storm_failures: int

    def inject_fault(
        self,
        path_suffix: str,
        kind: FaultKind,
        count: int = 1,
        *,
        method: str | None = None,
    ) -> None:
        """Make the next `count` requests whose path ends with `path_suffix` fail.

        `method` ("GET", "POST") narrows the fault, e.g. to sends on messages.json
        and not Open Client downloads; None matches every method.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.faults.append(Fault(path_suffix, kind, count, method))

    def take_fault(self, path: str, method: str = "POST") -> FaultKind | None:
        """Consume and return the fault matching `path` (and `method`), if any."""
        for fault in self.faults:
            if fault.matches(method, path) and fault.count > 0:
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault.kind
        return None

    def set_storm(
        self,
        fraction: float,
        *,
        seed: int,
        path_suffix: str = "messages.json",
        method: str | None = None,
    ) -> None:
        """Fail each request on `path_suffix` with probability `fraction` (0 turns it off).

        The draws come from `random.Random(seed)`, so a run repeats: half of the
        failures answer 503, the other half drop the connection; neither delivers.
        `method` narrows the storm as it does for `inject_fault`.
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"storm fraction {fraction} is not within 0..1")
        self.storm_failures = 0
        self.storm = (
            Storm(fraction, seed, path_suffix, random.Random(seed), method)
            if fraction > 0
            else None
        )

    def take_storm(self, path: str, method: str = "POST") -> FaultKind | None:
        """Draw the storm's verdict for `path`: "503", "drop" or None (answer normally)."""
        storm = self.storm
        if (
            storm is None
            or not path.endswith(storm.path_suffix)
            or storm.method not in (None, method)
        ):
            return None
        draw = storm.rng.random()
        if draw >= storm.fraction:
            return None
        self.storm_failures += 1
        return "503" if draw < storm.fraction / 2 else "drop"
