"""End-to-end tests: real processes, no in-process Home Assistant.

The root conftest's autouse fixture requests ``enable_custom_integrations``, which needs the
test harness's ``hass``; these tests start ``hass`` as a subprocess instead, so the fixture is
overridden here with a no-op of the same name.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No in-process Home Assistant here: nothing to enable."""
