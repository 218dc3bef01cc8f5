"""What the browser test takes from the README holds together, without a browser.

Runs on every target: the README names the menus the browser test walks, its pictures are
the ones the browser test writes, and its dashboard examples are YAML.
"""

from __future__ import annotations

import re

import pytest
import yaml

from .editors import MANUAL_CARD, NEW_DASHBOARD, NEW_SCRIPT
from .readme import README, Example, example
from .ui import README_PICTURES, SCREENSHOTS

ACKNOWLEDGE_CARD = "**Dashboard: the last message, and one tap to acknowledge**"
INCIDENTS = "**Dashboard: open incidents, and resolve one**"


@pytest.mark.parametrize(
    ("introduction", "path"),
    [
        (ACKNOWLEDGE_CARD, NEW_DASHBOARD),
        (ACKNOWLEDGE_CARD, MANUAL_CARD),
        (INCIDENTS, NEW_DASHBOARD),
        (INCIDENTS, MANUAL_CARD),
        (INCIDENTS, NEW_SCRIPT),
    ],
)
def test_the_readme_names_the_menus_the_browser_walks(
    introduction: str, path: str
) -> None:
    """The README tells a reader the very clicks the browser test makes."""
    assert example(introduction).names(path)


@pytest.mark.parametrize(
    ("introduction", "count", "first_key"),
    [(ACKNOWLEDGE_CARD, 1, "type"), (INCIDENTS, 2, "alias")],
)
def test_the_dashboard_examples_are_yaml(
    introduction: str, count: int, first_key: str
) -> None:
    """The script and the cards the browser test pastes are YAML mappings."""
    found: Example = example(introduction)
    pasted = [yaml.safe_load(block) for block in found.blocks[:count]]
    assert all(isinstance(item, dict) for item in pasted)
    assert next(iter(pasted[0])) == first_key


def test_the_readme_shows_the_pictures_the_browser_test_takes() -> None:
    """Each picture of the README is one the browser test writes, and is there."""
    shown = set(
        re.findall(
            r"\]\(docs/screenshots/([a-z-]+)\.png\)", README.read_text(encoding="utf-8")
        )
    )
    assert shown == set(README_PICTURES)
    assert {path.stem for path in SCREENSHOTS.glob("*.png")} == shown
