"""The registered scenarios, in the order they run and appear in the report.

Adding a scenario: one module with its ``run`` and ``report`` and a ``SCENARIO``, and
one line here (see the package's docstring).
"""

from __future__ import annotations

from . import alarms, extra, incidents, profiling, receive, sends
from .scenario import Scenario

SCENARIOS: tuple[Scenario, ...] = (
    sends.HTTP,
    sends.HTTPS,
    extra.SCENARIO,
    alarms.SCENARIO,
    incidents.SCENARIO,
    receive.SCENARIO,
    profiling.SCENARIO,
)


def scenario(label: str) -> Scenario:
    """Return the scenario registered as ``label``."""
    for s in SCENARIOS:
        if s.label == label:
            return s
    raise KeyError(label)


def labels() -> list[str]:
    """Return every registered label."""
    return [s.label for s in SCENARIOS]
