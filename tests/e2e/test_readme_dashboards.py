"""The README's dashboard examples, pasted as they stand, in a real Home Assistant.

Issue 22: the script and the two cards are read from README.md's fenced blocks when the
test runs and pasted through the UI paths the README names (``test_readme_text.py`` checks
that it names them), with the names the README assumes: the application "Pushover"
(``sensor.pushover_active_emergencies``), its recipients Alice and Bob (``notify.alice``,
``notify.bob``) and Home Assistant as the Pushover device ``homeassistant``
(``button.homeassistant_acknowledge_alarm``, ``event.homeassistant_received_message``).
Then, in the browser:

- an emergency the device received is acknowledged by tapping the button card, and the
  application's acknowledgement names the device;
- incidents started with the README's ``send_alarm`` data show in the incidents card with
  their state, one line each; tapping the resolve button (and confirming) resolves the
  basement leak, and the README's script resolves the other.

Pictures and logs go to ``test-output/e2e/<test>/``; see ``conftest.py`` and ``ui.py``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import yaml

from pushover_simulator import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
)

from .editors import (
    add_manual_card,
    create_dashboard,
    create_script_in_yaml,
    edit_dashboard,
    leave_editor,
)
from .ha_websocket import HAWebSocket, websocket_api
from .live import DOMAIN, OWNER, Stack, wait_for
from .readme import example
from .ui import WAIT, Page

# Deselected by conftest.py unless PUSHOVER_E2E=1; never skipped.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

APPLICATION = "Pushover"  # the first flow's default name, which the README assumes
DEVICE = "homeassistant"  # the device flow's default name, which the README assumes
ACKNOWLEDGE_CARD = example(
    "**Dashboard: the last message, and one tap to acknowledge**"
)
INCIDENTS = example("**Dashboard: open incidents, and resolve one**")
LEAK_INCIDENT = example("**Resolve when the sensor is dry**")
EMERGENCY = {
    "title": "Basement flooding",
    "message": "Water sensor wet: please acknowledge",
    "priority": 2,
    "retry": 30,
    "expire": 600,
}
SMOKE = {
    "key": "attic_smoke",
    "title": "Smoke",
    "message": "Smoke in the attic!",
    "steps": [{"targets": ["notify.alice"]}],
}
# An incident's line in the card, as the README's markdown writes it.
INCIDENT_LINE = r"{title} — {state}, round 1, since \d\d:\d\d"


def leak_alarm() -> dict[str, Any]:
    """The ``send_alarm`` data of the README's leak incident automation."""
    (automation, _resolved) = yaml.safe_load(LEAK_INCIDENT.blocks[0])["automation"]
    wet = automation["actions"][0]["choose"][0]["sequence"][0]
    assert wet["action"] == f"{DOMAIN}.send_alarm"
    return dict(wet["data"])


def add_device(page: Page, stack: Stack, ws: HAWebSocket, entry_id: str) -> None:
    """Receive messages in Home Assistant: the demo login, the default device name."""
    page.goto(f"{stack.ha_url}/config/integrations/integration/{DOMAIN}")
    page.press("Receive messages in Home Assistant")
    page.fill("email", DEMO_EMAIL)
    page.fill("password", DEMO_PASSWORD)
    assert page.field("name").get_attribute("value") == DEVICE
    page.press("Submit", dialog=True)
    page.finish_dialog()
    found = ws.command(type="config_entries/subentries/list", entry_id=entry_id)
    assert [sub["title"] for sub in found if sub["subentry_type"] == "device"] == [
        DEVICE
    ]

    def connected() -> bool:
        state = stack.ha.state(f"binary_sensor.{DEVICE}_push_connection")
        return bool(state and state["state"] == "on")

    wait_for("the push connection", connected, WAIT)


def check_the_names_the_readme_assumes(ws: HAWebSocket, entry_id: str) -> None:
    """Every entity id of the README's examples is this setup's."""
    ours = {
        e["entity_id"]
        for e in ws.command(type="config/entity_registry/list")
        if e["config_entry_id"] == entry_id
    }
    used = [ACKNOWLEDGE_CARD.blocks[0], *INCIDENTS.blocks[:2], yaml.dump(leak_alarm())]
    text = "\n".join(used)
    named = set(re.findall(r"\b(?:sensor|button|event|notify)\.[a-z0-9_]+", text))
    assert named <= ours, f"not set up: {sorted(named - ours)}"


def paste_the_examples(page: Page, stack: Stack) -> None:
    """The script through the script editor, then both cards on a new dashboard."""
    script_yaml, card_yaml = INCIDENTS.blocks[:2]
    # Home Assistant names the script after its alias, as the README says.
    assert create_script_in_yaml(page, stack.ha_url, script_yaml) == (
        "resolve_pushover_incident"
    )
    wait_for(
        "the script",
        lambda: stack.ha.state("script.resolve_pushover_incident"),
        WAIT,
    )
    url_path = create_dashboard(page, stack.ha_url, APPLICATION)
    edit_dashboard(page, stack.ha_url, url_path)
    add_manual_card(page, ACKNOWLEDGE_CARD.blocks[0])
    add_manual_card(page, card_yaml)
    leave_editor(page)


def card_with(page: Page, text: str) -> Any:
    """The shown vertical stack whose text includes text."""
    return page.wait(
        f"the card with {text!r}",
        lambda: next(
            (el for el in page.shown("hui-vertical-stack-card") if text in el.text),
            None,
        ),
    )


def button_card(page: Page, name: str) -> Any:
    """The shown button card called name."""
    return next(
        (el for el in page.shown("hui-button-card") if el.text.strip() == name), None
    )


def tap(page: Page, card_yaml: str) -> None:
    """Tap the button card of a README card (found by its name)."""
    name = yaml.safe_load(card_yaml)["cards"][-1]["name"]
    page.click(f"the button {name!r}", lambda: button_card(page, name))


def acknowledge_on_the_card(page: Page, stack: Stack, ws: HAWebSocket) -> None:
    """(a) An emergency the device received, acknowledged by a tap on the card."""
    received = ws.subscribe(f"{DOMAIN}_message_received")
    response = stack.ha.call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", **EMERGENCY},
        response=True,
    )
    (sent,) = response["service_response"]["recipients"]
    assert ws.wait_event(received, WAIT)["data"]["receipt"] == sent["receipt"]
    card = card_with(page, EMERGENCY["title"])
    assert EMERGENCY["message"] in card.text

    acknowledged = ws.subscribe(f"{DOMAIN}_acknowledged")
    tap(page, ACKNOWLEDGE_CARD.blocks[0])
    data = ws.wait_event(acknowledged, WAIT)["data"]
    assert data["receipt"] == sent["receipt"]
    assert data["acknowledged_by_device"] == DEVICE
    assert data["acknowledged_by_name"] == "Alice"
    entity = stack.ha.state(f"event.{APPLICATION.lower()}_emergency")
    assert entity is not None
    assert entity["attributes"]["event_type"] == "acknowledged"
    assert entity["attributes"]["acknowledged_by_device"] == DEVICE
    page.picture("dashboard-acknowledge", card)


def incident_lines(page: Page) -> list[str]:
    """The incidents card's list, one line per open incident."""
    card = card_with(page, "Open incidents")
    return [item.text.strip() for item in page.shown("li", card)]


def wait_lines(page: Page, *expected: str) -> None:
    """Wait until the incidents card lists exactly these lines (patterns)."""

    def listed() -> bool:
        lines = incident_lines(page)
        return len(lines) == len(expected) and all(
            re.fullmatch(pattern, line)
            for pattern, line in zip(expected, lines, strict=True)
        )

    page.wait(f"the incidents card to list {expected}", listed)


def start_the_leak_incident(page: Page, stack: Stack, ws: HAWebSocket) -> str:
    """The README's leak alarm, received by the device and acknowledged on the card."""
    alarm = leak_alarm()
    received = ws.subscribe(f"{DOMAIN}_message_received")
    answer = stack.ha.call(DOMAIN, "send_alarm", alarm, response=True)[
        "service_response"
    ]
    assert answer["deduplicated"] is False
    assert ws.wait_event(received, WAIT)["data"]["title"] == alarm["title"]
    wait_lines(page, INCIDENT_LINE.format(title=alarm["title"], state="paging"))

    acknowledged = ws.subscribe(f"{DOMAIN}_acknowledged")
    tap(page, ACKNOWLEDGE_CARD.blocks[0])
    data = ws.wait_event(acknowledged, WAIT)["data"]
    assert (data["alarm_id"], data["round"]) == (answer["alarm_id"], 1)
    wait_lines(
        page, INCIDENT_LINE.format(title=alarm["title"], state="acknowledged by Alice")
    )
    return str(answer["alarm_id"])


def resolve_on_the_card(page: Page, stack: Stack, ws: HAWebSocket) -> None:
    """(b) Two incidents listed; the card's button resolves the leak, the script the rest."""
    leak_id = start_the_leak_incident(page, stack, ws)
    stack.ha.call(DOMAIN, "send_alarm", SMOKE, response=True)
    leak_line = INCIDENT_LINE.format(title="Leak", state="acknowledged by Alice")
    smoke_line = INCIDENT_LINE.format(title=SMOKE["title"], state="paging")
    wait_lines(page, leak_line, smoke_line)
    page.picture("incidents-card", card_with(page, "Open incidents"))

    resolved = ws.subscribe(f"{DOMAIN}_resolved")
    card_yaml = INCIDENTS.blocks[1]
    tap(page, card_yaml)
    confirmation = yaml.safe_load(card_yaml)["cards"][-1]["tap_action"]
    page.wait_text(confirmation["confirmation"]["text"], dialog=True)
    page.press("OK", dialog=True)
    data = ws.wait_event(resolved, WAIT)["data"]
    assert (data["alarm_id"], data["key"]) == (leak_id, confirmation["data"]["key"])
    assert data["resolved_by"] == OWNER  # the person who tapped
    assert data["acknowledged_by_name"] == "Alice"
    wait_lines(page, smoke_line)

    stack.ha.call("script", "resolve_pushover_incident", {"key": SMOKE["key"]})
    assert ws.wait_event(resolved, WAIT)["data"]["key"] == SMOKE["key"]
    card_with(page, "No open incident.")
    assert incident_lines(page) == []
    emergencies = stack.ha.state(f"sensor.{APPLICATION.lower()}_active_emergencies")
    assert emergencies is not None
    assert emergencies["state"] == "0"


def test_readme_dashboards_pasted_as_they_stand(stack: Stack, page: Page) -> None:
    """Paste the README's script and cards; acknowledge and resolve from them."""
    t0 = time.monotonic()
    ha = stack.ha
    tokens = ha.onboard()
    entry_id = str(
        ha.create_entry(APPLICATION, DEMO_TOKEN, DEMO_USER, recipient="Alice")[
            "entry_id"
        ]
    )
    ha.add_recipient(entry_id, "Bob", DEMO_USER2)
    page.login(stack.ha_url, tokens, ha.client_id)
    with websocket_api(stack, tokens) as ws:
        add_device(page, stack, ws, entry_id)
        check_the_names_the_readme_assumes(ws, entry_id)
        paste_the_examples(page, stack)
        acknowledge_on_the_card(page, stack, ws)
        resolve_on_the_card(page, stack, ws)
    print(f"e2e README dashboards: {time.monotonic() - t0:.1f} s after HA was up")
