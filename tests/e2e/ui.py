"""Home Assistant's frontend in headless Chromium: shadow DOM look-ups, forms and pictures.

The frontend is made of web components, each with its own shadow root, so CSS selectors do
not reach across them. The look-ups here walk every shadow root in document order and return
real elements, which selenium then clicks and types into like a user would.

Selenium is imported lazily: this module is collected on targets without it.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
import time
from typing import Any

from .live import REPO, Tokens, wait_for

WAIT = 30.0  # seconds, for any single thing to happen in the browser
SCREENSHOTS_ENV = "PUSHOVER_SCREENSHOTS"
SCREENSHOTS = REPO / "docs" / "screenshots"
PICTURE_MAX_BYTES = 200 * 1024
# The README's pictures: only these go to docs/screenshots/.
README_PICTURES = frozenset(
    {
        "config-flow",
        "recipient-defaults",
        "integration-page",
        "action-form",
        "dashboard-acknowledge",
        "incidents-card",
        "action-confirm",
    }
)

# Every element under arguments[0] (the document when null) matching arguments[1], through
# shadow roots, in document order; only those shown on the page when arguments[2] is true.
DEEP_FIND_JS = """
const root = arguments[0] || document, selector = arguments[1], shownOnly = arguments[2];
const out = [];
function shown(el) {
  const rect = el.getBoundingClientRect();
  return rect.width > 0 && rect.height > 0
    && el.checkVisibility({opacityProperty: true, visibilityProperty: true});
}
function walk(node) {
  if (node.shadowRoot) walk(node.shadowRoot);
  for (const child of node.children || []) {
    if (child.matches(selector) && (!shownOnly || shown(child))) out.push(child);
    walk(child);
  }
}
walk(root);
return out;
"""

# The text under arguments[0] (the document's body when null), through shadow roots.
DEEP_TEXT_JS = """
const root = arguments[0] || document.body, seen = [];
function walk(node) {
  if (!node) return;
  if (node.nodeType === Node.TEXT_NODE) { seen.push(node.textContent); return; }
  if (node.nodeName === 'SCRIPT' || node.nodeName === 'STYLE') return;
  if (node.shadowRoot) walk(node.shadowRoot);
  for (const child of node.childNodes) walk(child);
}
walk(root);
return seen.join(' ').replace(/\\s+/g, ' ');
"""

# The input of a form field called arguments[0]: an <input name=...>, or the first input
# inside the <ha-selector> whose name property is arguments[0] (number boxes have no name).
FIELD_JS = """
const name = arguments[0];
function* all(root) {
  for (const child of root.children || []) {
    yield child;
    if (child.shadowRoot) yield* all(child.shadowRoot);
    yield* all(child);
  }
}
for (const el of all(document)) {
  if (el.tagName === 'INPUT' && el.name === name) return el;
  if (el.tagName === 'HA-SELECTOR' && el.name === name) {
    for (const inner of all(el.shadowRoot || el)) {
      if (inner.tagName === 'INPUT' || inner.tagName === 'TEXTAREA') return inner;
    }
  }
}
return null;
"""


# No history entry of a dialog (the frontend marks them with dialog or dialogData).
HISTORY_SETTLED_JS = """
const state = history.state;
return !(state && (state.dialog || state.dialogData));
"""

# Put arguments[0] on the clipboard; answers "ok" or the error.
WRITE_CLIPBOARD_JS = """
const done = arguments[arguments.length - 1];
navigator.clipboard.writeText(arguments[0]).then(() => done('ok'), (e) => done(String(e)));
"""


def screenshots_wanted() -> bool:
    """Whether this run writes the README's pictures to docs/screenshots/."""
    return os.environ.get(SCREENSHOTS_ENV) == "1"


class Page:
    """One browser tab on Home Assistant, with look-ups that reach into shadow roots."""

    def __init__(self, driver: Any, output: Path) -> None:
        self.driver = driver
        self.output = output

    def goto(self, url: str) -> None:
        """Open url, once the frontend's dialogs have left the browser's history.

        A dialog adds a history entry when it opens and goes back when it has closed
        (so that the back button closes dialogs): that late ``history.back()`` would
        otherwise undo a navigation that started meanwhile.
        """
        self.wait(
            "the closed dialogs to leave the history",
            lambda: self.driver.execute_script(HISTORY_SETTLED_JS),
        )
        self.driver.get(url)

    def find(self, selector: str, host: Any = None) -> list[Any]:
        """Every element matching selector under host (or the whole page)."""
        return list(self.driver.execute_script(DEEP_FIND_JS, host, selector, False))

    def shown(self, selector: str, host: Any = None) -> list[Any]:
        """The elements matching selector that are shown on the page."""
        return list(self.driver.execute_script(DEEP_FIND_JS, host, selector, True))

    def text(self, host: Any = None) -> str:
        """The text of host (or the page), through shadow roots."""
        return str(self.driver.execute_script(DEEP_TEXT_JS, host))

    def wait(self, what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
        """Poll check() until it is truthy (the page is being rendered meanwhile).

        An element that was re-rendered, or is still covered by an opening dialog, only
        means "not yet".
        """
        from selenium.common.exceptions import (
            ElementClickInterceptedException,
            ElementNotInteractableException,
            StaleElementReferenceException,
        )

        transient = (
            StaleElementReferenceException,
            ElementClickInterceptedException,
            ElementNotInteractableException,
        )

        def attempt() -> Any:
            try:
                return check()
            except transient:
                return None

        return wait_for(what, attempt, timeout, interval=0.25)

    def click(self, what: str, find: Callable[[], Any]) -> None:
        """Click what find() returns (or the first of it), once it can be clicked."""

        def clicked() -> bool:
            element = find()
            if isinstance(element, list):
                element = element[0] if element else None
            if not element:
                return False
            element.click()
            return True

        self.wait(f"to click {what}", clicked)

    def wait_text(self, text: str, *, dialog: bool = False) -> None:
        """Wait until text shows up (in the open dialog)."""

        def shows() -> bool:
            host = self.open_dialog() if dialog else None
            return (host is not None or not dialog) and text in self.text(host)

        self.wait(repr(text), shows)

    def focused(self) -> Any:
        """The element that has the keyboard focus, inside shadow roots too."""
        return self.driver.execute_script(
            "let el = document.activeElement;"
            " while (el && el.shadowRoot && el.shadowRoot.activeElement)"
            " el = el.shadowRoot.activeElement;"
            " return el;"
        )

    def open_dialog(self) -> Any:
        """The open dialog, or None."""
        # The host has no box of its own: its <dialog> is drawn in the top layer.
        for host in self.find("ha-dialog[open]"):
            if self.shown("dialog", host):
                return host
        return None

    def find_button(self, label: str, *, dialog: bool = False) -> Any:
        """A shown button whose text is label (in the open dialog), or None."""
        host = self.open_dialog() if dialog else None
        if dialog and host is None:
            return None
        for el in self.shown("ha-button, button, ha-dropdown-item", host):
            if el.text.strip() == label:
                return el
        return None

    def find_icon_button(self, label: str, host: Any = None) -> Any:
        """A shown icon button labelled label, or None."""
        for el in self.shown("ha-icon-button", host):
            # Some labels end with a space (where a keyboard shortcut would go).
            if (el.get_attribute("label") or "").strip() == label:
                return el
        return None

    def press(self, label: str, *, dialog: bool = False) -> None:
        """Click the button label (in the open dialog), once it is there."""
        self.click(
            f"the button {label!r}", lambda: self.find_button(label, dialog=dialog)
        )

    def press_icon(self, label: str, host: Any = None) -> None:
        """Click the icon button labelled label, once it is there."""
        self.click(
            f"the icon button {label!r}", lambda: self.find_icon_button(label, host)
        )

    def field(self, name: str) -> Any:
        """The input of the form field name (waits for it)."""
        return self.wait(
            f"the field {name!r}", lambda: self.driver.execute_script(FIELD_JS, name)
        )

    def fill(self, name: str, value: str) -> None:
        """Replace what the field name holds with value, by typing."""
        from selenium.webdriver.common.keys import Keys

        def typed() -> bool:
            field = self.driver.execute_script(FIELD_JS, name)
            if field is None:
                return False
            if field.get_attribute("value") != value:
                # One call: chromedriver moves the caret to the end before each.
                field.send_keys(Keys.CONTROL, "a", Keys.NULL, value)
            return bool(self.field(name).get_attribute("value") == value)

        self.wait(f"the field {name!r} to hold what was typed", typed)

    def finish_dialog(self) -> None:
        """Close a flow's last step with its primary button, whatever it is called."""

        def closing_button() -> Any:
            for label in ("Finish", "Skip and finish", "Close"):
                if found := self.find_button(label, dialog=True):
                    return found
            return None

        self.click("the flow's closing button", closing_button)
        self.wait("the dialog to close", lambda: self.open_dialog() is None)

    def paste(self, text: str, host: Any = None) -> None:
        """Paste text over what the code editor (under host) holds, as a user does.

        The text goes to the browser's clipboard, then Ctrl+A and Ctrl+V in the editor:
        the editor takes it as pasted (typing would indent each new line again).
        """
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        origin = "/".join(self.driver.current_url.split("/")[:3])
        self.driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {
                "origin": origin,
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            },
        )
        written = self.driver.execute_async_script(WRITE_CLIPBOARD_JS, text)
        assert written == "ok", f"the clipboard refused the text: {written}"
        editor = self.wait(
            "the code editor", lambda: self.shown("ha-code-editor", host)[:1]
        )[0]
        self.click("the code editor", lambda: self.shown(".cm-content", editor))
        for key in ("a", "v"):
            chord = ActionChains(self.driver).key_down(Keys.CONTROL).send_keys(key)
            chord.key_up(Keys.CONTROL).perform()
        self.wait(
            "the code editor to hold what was pasted",
            lambda: (
                self.driver.execute_script("return arguments[0].value", editor) == text
            ),
        )

    def dialog(self) -> Any:
        """The open dialog (waits for it)."""
        return self.wait("an open dialog", self.open_dialog)

    def dialog_surface(self) -> Any:
        """The open dialog's visible box, once it stopped moving."""
        last: dict[str, Any] = {}

        def settled() -> Any:
            (surface,) = self.find("dialog", self.dialog())
            rect = dict(surface.rect)
            still = rect == last.get("rect") and rect["height"] > 0
            last["rect"] = rect
            return surface if still else None

        return self.wait("the dialog to settle", settled)

    def login(self, base_url: str, tokens: Tokens, client_id: str) -> None:
        """Hand the frontend the tokens the test got, as a logged-in browser has them."""
        self.driver.get(f"{base_url}/robots.txt")  # same origin, for its localStorage
        hass_tokens = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "token_type": "Bearer",
            "expires_in": tokens.expires_in,
            "expires": int(time.time() * 1000) + tokens.expires_in * 1000,
            "hassUrl": base_url,
            "clientId": client_id,
        }
        self.driver.execute_script(
            "localStorage.setItem('hassTokens', arguments[0]);",
            json.dumps(hass_tokens),
        )

    def picture(self, name: str, element: Any = None) -> Path:
        """Save a picture of element (or the window) to the output, and for the README.

        The element is scrolled into the middle of the window, the mouse moved off it (no
        hover highlight) and any toast waited away first. One of README_PICTURES goes to
        docs/screenshots/ too, but only when PUSHOVER_SCREENSHOTS=1, so that ordinary runs
        leave the working tree alone.
        """
        from selenium.webdriver.common.actions.action_builder import ActionBuilder

        if element is not None:
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'center'})", element
            )
        mouse = ActionBuilder(self.driver)
        mouse.pointer_action.move_to_location(1, 1)
        mouse.perform()
        self.wait("no toast", lambda: not self.shown("ha-toast"))
        png = bytes(
            element.screenshot_as_png
            if element is not None
            else self.driver.get_screenshot_as_png()
        )
        path = self.output / f"{name}.png"
        path.write_bytes(png)
        assert len(png) <= PICTURE_MAX_BYTES, (
            f"{name}.png is {len(png)} bytes; crop it under {PICTURE_MAX_BYTES}"
        )
        if name in README_PICTURES and screenshots_wanted():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / f"{name}.png").write_bytes(png)
        return path
