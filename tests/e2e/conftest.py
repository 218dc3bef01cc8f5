"""End-to-end tests: real processes, no in-process Home Assistant.

The root conftest's autouse fixture requests ``enable_custom_integrations``, which needs the
test harness's ``hass``; these tests start ``hass`` as a subprocess instead, so the fixture is
overridden here with a no-op of the same name.

They run where ``PUSHOVER_E2E=1`` (``scripts/test``'s current target, which installs Chromium
and chromedriver) and must pass or fail there. Anywhere else they are deselected, never
skipped: a skip would let a run pass without them.
"""

from __future__ import annotations

import os

import pytest

E2E_ENV = "PUSHOVER_E2E"


def e2e_enabled() -> bool:
    """Whether this run includes the end-to-end tests."""
    return os.environ.get(E2E_ENV) == "1"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Deselect the ``e2e`` tests unless ``PUSHOVER_E2E=1``."""
    if e2e_enabled():
        return
    deselected = [item for item in items if item.get_closest_marker("e2e")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("e2e")]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No in-process Home Assistant here: nothing to enable."""
