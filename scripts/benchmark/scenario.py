"""What a scenario is: the worker's part, the report's part, and what each is given.

A scenario runs in its own Home Assistant worker process against one of the two
simulators (plain HTTP or HTTPS), returns its results as a JSON-able dict (merged into
the worker's result, which the orchestrator files under the scenario's label), and
renders its section of the Markdown report from the results of the whole run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .control import SimControl

type Results = dict[str, Any]


@dataclass(frozen=True)
class WorkerContext:
    """What a scenario's worker part is given: a started Home Assistant and the simulator.

    No config entry is added yet: the scenario adds what it needs (``harness.open_bench``).
    """

    hass: Any
    ctl: SimControl
    sim_url: str
    http_port: int
    reps: int

    @property
    def scheme(self) -> str:
        """Return ``"http"`` or ``"https"``: the simulator's protocol."""
        return "https" if self.sim_url.startswith("https") else "http"


@dataclass(frozen=True)
class Scenario:
    """One benchmark scenario (a worker process of its own), as registered.

    ``run`` runs in the worker; ``report`` is given the whole run's results (keyed by
    label; a scenario that did not run or failed is missing or ``None``) and returns
    its Markdown lines, also when its own result is missing.
    """

    label: str
    sim: str
    timeout: float
    run: Callable[[WorkerContext], Awaitable[Results]]
    report: Callable[[Results], list[str]]
    by_default: bool = True


def result_of(results: Results, label: str, key: str) -> Any:
    """Return ``results[label][key]``, or ``None`` if that worker did not run or failed."""
    return (results.get(label) or {}).get(key)
