"""Actions in messages, walked once in Chromium: tap a link, confirm, Home Assistant acts.

Issue 21. The README's gate example: its message (the legacy ``notify.alice`` with an
``open_gate`` action) is sent as the README writes it, and its automation reacts to
``pushover_complete_action`` as the README writes it, turning on a helper (the gate of this
test) instead of a cover. In the browser: the simulator's inbox shows the message with its
link; the link (Home Assistant's external URL, 127.0.0.1 here) opens the confirm page,
which fires nothing; *Confirm* fires the event once, the automation turns the gate on, and
*Activity* shows who chose what.

Pictures and logs go to ``test-output/e2e/<test>/``; see ``conftest.py`` and ``ui.py``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import yaml

from pushover_simulator import DEMO_TOKEN, DEMO_USER

from .ha_websocket import HAWebSocket, websocket_api
from .live import DOMAIN, REPO, Stack, wait_for
from .readme import example
from .ui import WAIT, Page

# Deselected by conftest.py unless PUSHOVER_E2E=1; never skipped.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

RECIPIENT = "Alice"
GATE = "input_boolean.gate"
PHONE_WIDTH = 420  # pixels, for the picture of the confirm page
GATE_EXAMPLE = example("**Open the gate for a delivery:**")


def exceptions_text(key: str, **placeholders: str) -> str:
    """One of the integration's English sentences (translations' ``exceptions``)."""
    strings = json.loads(
        (REPO / "custom_components" / DOMAIN / "translations" / "en.json").read_text()
    )
    return str(strings["exceptions"][key]["message"]).format(**placeholders)


def gate_example() -> tuple[dict[str, Any], dict[str, Any]]:
    """The README's two gate automations: the one that sends, the one that acts."""
    sends, acts = yaml.safe_load(GATE_EXAMPLE.blocks[0])["automation"]
    return dict(sends), dict(acts)


def set_up_the_gate(stack: Stack, ws: HAWebSocket) -> dict[str, Any]:
    """The gate (a helper) and the README's automation that opens it; the message to send."""
    created = ws.command(type="input_boolean/create", name="Gate")
    assert f"input_boolean.{created['id']}" == GATE
    sends, acts = gate_example()
    (opens,) = acts["actions"]
    assert opens["action"] == "cover.open_cover"  # this test's gate is a helper
    automation = {
        **acts,
        "actions": [{"action": "input_boolean.turn_on", "target": {"entity_id": GATE}}],
    }
    stack.ha.request("POST", "/api/config/automation/config/open_gate", automation)
    wait_for(
        "the automation",
        lambda: stack.ha.state("automation.open_the_gate_when_asked"),
        WAIT,
    )
    (message,) = sends["actions"]
    return dict(message)


def open_the_link(page: Page, stack: Stack, title: str, action_title: str) -> None:
    """The simulator's inbox, as a phone shows the message: tap the link in it."""
    from selenium.webdriver.common.by import By

    assert stack.sim_url is not None
    page.goto(stack.sim_url)

    def message() -> Any:
        for card in page.driver.find_elements(By.CSS_SELECTOR, ".msg"):
            if card.find_element(By.TAG_NAME, "h2").text == title:
                return card
        return None

    card = page.wait("the message", message)
    (found,) = card.find_elements(By.CSS_SELECTOR, ".body a")
    assert found.text == action_title
    assert found.get_attribute("href").startswith(f"{stack.ha_url}/api/webhook/")
    page.picture("inbox-action", card)
    found.click()


def confirm(page: Page, stack: Stack, title: str, action_title: str) -> None:
    """The confirm page: what would happen; nothing has yet. Then Confirm."""
    from selenium.webdriver.common.by import By

    page.wait(
        "the confirm page",
        lambda: (
            page.driver.find_elements(By.TAG_NAME, "h1")
            and page.driver.find_element(By.TAG_NAME, "h1").text == f"{action_title}?"
        ),
    )
    main = page.driver.find_element(By.TAG_NAME, "main")
    assert exceptions_text("action_link_about", title=title) in main.text
    # The page as a phone shows it.
    size = page.driver.get_window_size()
    page.driver.set_window_size(PHONE_WIDTH, size["height"])
    page.picture("action-confirm", page.driver.find_element(By.TAG_NAME, "body"))
    page.driver.set_window_size(size["width"], size["height"])
    gate = stack.ha.state(GATE)
    assert gate is not None
    assert gate["state"] == "off", "opening the page acted"
    page.press(exceptions_text("action_link_confirm"))
    done = exceptions_text("action_link_done", action=action_title)
    page.wait(
        "the done page",
        lambda: done in page.driver.find_element(By.TAG_NAME, "main").text,
    )


def logbook_says(stack: Stack, words: str) -> bool:
    """Whether the logbook has the recipient's choice, in the recipient's name."""
    entries = stack.ha.request("GET", "/api/logbook")
    return {"name": RECIPIENT, "message": words} in [
        {"name": e.get("name"), "message": e.get("message")} for e in entries
    ]


def test_a_link_in_a_message_acts(stack: Stack, page: Page) -> None:
    """Send the README's gate message, tap its link in the inbox, confirm, see the gate."""
    t0 = time.monotonic()
    ha = stack.ha
    tokens = ha.onboard()
    entry_id = ha.create_entry("Pushover", DEMO_TOKEN, DEMO_USER, recipient=RECIPIENT)[
        "entry_id"
    ]
    with websocket_api(stack, tokens) as ws:
        message = set_up_the_gate(stack, ws)
        chosen = ws.subscribe(f"{DOMAIN}_action")
        domain, service = message["action"].split(".")
        ha.call(domain, service, message["data"])  # notify.alice, the legacy action
        (link,) = message["data"]["data"]["actions"]
        title, action_title = message["data"]["title"], link["title"]

        open_the_link(page, stack, title, action_title)
        confirm(page, stack, title, action_title)
        data = ws.wait_event(chosen, WAIT)["data"]
    assert data == {
        "config_entry_id": entry_id,
        "action": link["action"],
        "action_title": action_title,
        "title": title,
        "recipient": RECIPIENT,
        "notify_entity_id": "notify.alice",
        "alarm_id": None,
        "receipt": None,
        "tags": [],
    }
    wait_for("the gate to open", lambda: ha.state(GATE)["state"] == "on", WAIT)

    # Activity (the logbook) says who chose what, in words: stored, then on the page.
    words = exceptions_text(
        "logbook_action", name=RECIPIENT, action=action_title, title=title
    )
    wait_for("the logbook entry", lambda: logbook_says(stack, words), WAIT)
    page.login(stack.ha_url, tokens, ha.client_id)
    page.goto(f"{stack.ha_url}/logbook")
    page.wait_text(words)
    page.picture("activity-action")
    print(f"e2e message actions: {time.monotonic() - t0:.1f} s after HA was up")
