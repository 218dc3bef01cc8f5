"""The README's examples and the UI paths it names, read at test time.

The browser test pastes the README's YAML as it stands and walks the menus the README
names, so that the two cannot drift apart: an example is found by the bold line that
introduces it, and its blocks are the fenced ``yaml`` blocks that follow, up to the next
heading.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from .live import REPO

README = REPO / "README.md"
_FENCE = re.compile(r"^```yaml\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^#{2,3} ", re.MULTILINE)  # not "# ", a comment in YAML


@dataclass(frozen=True)
class Example:
    """One example of the README: its words and its YAML blocks, as written."""

    prose: (
        str  # the words from its bold line to the end of its part, without the blocks
    )
    blocks: list[str]

    def names(self, path: str) -> bool:
        """Whether its words name the UI path (``→`` between the steps)."""
        return path in _plain(self.prose)


def _plain(text: str) -> str:
    """Markdown as read: no emphasis marks, one space between words."""
    return " ".join(text.replace("*", "").replace("`", "").split())


def example(introduction: str) -> Example:
    """The example the README introduces with the line containing ``introduction``."""
    text = README.read_text(encoding="utf-8")
    start = text.find(introduction)
    assert start >= 0, f"the README no longer says {introduction!r}"
    heading = _HEADING.search(text, start)
    part = text[start : heading.start() if heading else len(text)]
    blocks = [match.group(1) for match in _FENCE.finditer(part)]
    assert blocks, f"no YAML after {introduction!r} in the README"
    return Example(_FENCE.sub("", part), blocks)
