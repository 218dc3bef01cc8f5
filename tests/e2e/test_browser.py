"""What a user sees and does, in a real Home Assistant and a real browser.

Home Assistant (``hass`` in this venv, the working tree's integration) and the Pushover
simulator run as subprocesses on 127.0.0.1; headless Chromium drives Home Assistant's own
frontend. Two walks here (the README's dashboards are ``test_readme_dashboards.py``, actions
in messages ``test_message_actions.py``):

- the first setup, all in the UI (issue 13): Settings → Devices & services → Add integration,
  a second recipient, an option refused in words, a rename through Reconfigure that keeps the
  token, and the action form of ``pushover_complete.send_message``;
- an emergency acknowledged in the simulator's inbox (as on a phone), coming back to Home
  Assistant as the ``pushover_complete_acknowledged`` event and the event entity's new state,
  seen in the logbook.

Pictures and logs go to ``test-output/e2e/``; with ``PUSHOVER_SCREENSHOTS=1`` the README's
pictures are also written to ``docs/screenshots/`` (see ``ui.py``).

Runs on the current target of ``scripts/test`` (which sets ``PUSHOVER_E2E=1``), with Debian's
chromium and chromedriver. Everything it starts is stopped by PID (see ``conftest.py``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import yaml

from pushover_simulator import DEMO_TOKEN, DEMO_USER, DEMO_USER2

from .ha_websocket import HAWebSocket, websocket_api
from .live import DOMAIN, OWNER, REPO, Stack, sim_state, wait_for
from .ui import WAIT, Page

# Deselected by conftest.py unless PUSHOVER_E2E=1; never skipped.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

INTEGRATION = REPO / "custom_components" / DOMAIN
ENTRY_TITLE = "E2E Pushover"
INTEGRATION_NAME = "Pushover Complete"
FIRST_TITLE = "Pushover"  # the first flow's default name
NEW_TITLE = "Home alarms"
SECOND_RECIPIENT = "Sam"


def translations() -> dict[str, Any]:
    """The integration's English texts."""
    return dict(json.loads((INTEGRATION / "translations" / "en.json").read_text()))


def send_message_fields() -> dict[str, Any]:
    """The fields of ``send_message`` as services.yaml describes them."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    return dict(services["send_message"]["fields"])


def our_entries(stack: Stack) -> list[dict[str, Any]]:
    """This integration's config entries, as the REST API lists them."""
    return list(
        stack.ha.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    )


def stored_entry(stack: Stack, entry_id: str) -> dict[str, Any] | None:
    """The entry as Home Assistant stored it (options and data included)."""
    path = stack.config_dir / ".storage" / "core.config_entries"
    if not path.exists():
        return None
    for entry in json.loads(path.read_text())["data"]["entries"]:
        if entry["entry_id"] == entry_id:
            return dict(entry)
    return None


def subentry_titles(ws: HAWebSocket, entry_id: str) -> list[str]:
    """The titles of an entry's subentries."""
    found = ws.command(type="config_entries/subentries/list", entry_id=entry_id)
    return sorted(sub["title"] for sub in found)


def add_integration(page: Page, stack: Stack) -> str:
    """Settings → Devices & services → Add integration → Pushover Complete."""
    page.goto(f"{stack.ha_url}/config/integrations/dashboard")
    page.press("Add integration")
    search = page.wait("the brand search", lambda: page.shown("input", page.dialog()))
    search[0].send_keys(INTEGRATION_NAME)
    page.click(
        INTEGRATION_NAME,
        lambda: next(
            (
                el
                for el in page.shown("ha-integration-list-item")
                if el.text.strip() == INTEGRATION_NAME
            ),
            None,
        ),
    )

    # The first recipient is named on its own; the owner is suggested.
    assert page.field("recipient_name").get_attribute("value") == OWNER
    assert page.field("name").get_attribute("value") == FIRST_TITLE
    page.fill("api_key", DEMO_TOKEN)
    page.fill("user_key", DEMO_USER)
    page.picture("config-flow", page.dialog_surface())
    page.press("Submit", dialog=True)
    # The first recipient's devices, sound and priority.
    texts = translations()["config"]["step"]["defaults"]
    page.wait_text(texts["title"].replace("{recipient}", OWNER), dialog=True)
    page.press("Submit", dialog=True)

    (entry,) = page.wait("the entry", lambda: our_entries(stack))
    page.finish_dialog()
    page.wait(
        "the integration page",
        lambda: f"/config/integrations/integration/{DOMAIN}" in page.driver.current_url,
    )
    page.wait("the entry to load", lambda: our_entries(stack)[0]["state"] == "loaded")
    assert entry["title"] == FIRST_TITLE
    return str(entry["entry_id"])


def add_recipient(page: Page) -> None:
    """Add recipient: a name and key, then the defaults step with the key's devices."""
    page.press("Add recipient")
    page.fill("name", SECOND_RECIPIENT)
    page.fill("user_key", DEMO_USER2)
    page.press("Submit", dialog=True)
    texts = translations()["config_subentries"]["recipient"]["step"]["defaults"]
    page.wait_text(texts["title"], dialog=True)
    # The key was checked: its only device is offered.
    page.wait("the device laptop", lambda: page.shown("ha-checkbox[value=laptop]"))
    page.picture("recipient-defaults", page.dialog_surface())
    page.press("Submit", dialog=True)
    page.finish_dialog()


def refuse_then_take_an_option(page: Page, stack: Stack, entry_id: str) -> None:
    """Options: retry 10 is refused in words; 45 is taken."""
    page.press_icon("Configure")
    page.fill("retry", "10")
    page.press("Submit", dialog=True)
    words = translations()["options"]["error"]["retry_out_of_range"]
    page.wait_text(words, dialog=True)
    assert "too small" not in page.text(page.dialog())
    page.fill("retry", "45")
    page.press("Submit", dialog=True)
    page.finish_dialog()

    def saved() -> bool:
        entry = stored_entry(stack, entry_id)
        return bool(entry and entry["options"].get("retry") == 45)

    page.wait("the option to be stored", saved)


def entry_menu(page: Page) -> None:
    """Open the entry's own menu (not a recipient's or a device's)."""
    (row,) = page.find("ha-config-entry-row")
    menus = [
        el
        for el in page.shown("ha-icon-button", row)
        if el.get_attribute("label") == "Menu"
        and page.driver.execute_script(
            "return arguments[0].getRootNode() === arguments[1].shadowRoot", el, row
        )
    ]
    assert len(menus) == 1, f"{len(menus)} menus of the entry itself"
    menus[0].click()


def rename_keeping_the_token(page: Page, stack: Stack, entry_id: str) -> None:
    """Reconfigure: a new name, the token field left empty."""
    entry_menu(page)
    page.press("Reconfigure")
    assert page.field("name").get_attribute("value") == FIRST_TITLE
    assert page.field("api_key").get_attribute("value") == ""
    page.fill("name", NEW_TITLE)
    page.press("Submit", dialog=True)
    page.finish_dialog()

    def renamed() -> bool:
        return bool(our_entries(stack)[0]["title"] == NEW_TITLE)

    page.wait("the new title", renamed)
    stored = stored_entry(stack, entry_id)
    assert stored is not None
    assert stored["data"]["api_key"] == DEMO_TOKEN, "the token changed"


def picture_integration_page(page: Page, stack: Stack) -> None:
    """The integration page with the application and both recipients."""
    page.goto(f"{stack.ha_url}/config/integrations/integration/{DOMAIN}")
    for text in (NEW_TITLE, OWNER, SECOND_RECIPIENT):
        page.wait_text(text)
    page.wait("the brand icon", lambda: page.shown("img"))
    page.picture("integration-page")


def open_action_form(page: Page, stack: Stack, action: str) -> Any:
    """Settings → Tools → Actions, UI mode, the action picked; returns the form."""
    page.goto(f"{stack.ha_url}/config/tools/action")
    page.press("UI mode")
    form = page.wait("the action form", lambda: page.shown("ha-service-control"))[0]
    page.click("the action picker", lambda: page.shown("ha-picker-field", form)[:1])
    page.wait(
        "the action search to take the focus",
        lambda: page.focused() if page.focused().tag_name == "input" else None,
    ).send_keys(action)
    page.click(
        f"{action} in the list",
        lambda: next(
            (el for el in page.shown("ha-combo-box-item") if action in el.text), None
        ),
    )
    page.wait(f"{action} picked", lambda: form_value(page, form)["action"] == action)
    return form


def form_value(page: Page, form: Any) -> dict[str, Any]:
    """What the action form would send."""
    return dict(
        json.loads(
            page.driver.execute_script(
                "return JSON.stringify(arguments[0].value)", form
            )
        )
    )


def form_row(page: Page, form: Any, heading: str) -> Any:
    """The row of one field of the action form."""
    for row in page.find("ha-settings-row", form):
        if row.text.split("\n")[0].strip() == heading:
            return row
    raise AssertionError(f"no field {heading!r} in the action form")


def ticked(page: Page, element: Any) -> bool:
    """Whether a checkbox or switch is on."""
    return bool(page.driver.execute_script("return !!arguments[0].checked", element))


def check_the_action_form(page: Page, stack: Stack) -> None:
    """send_message's form: nothing pre-set, priority a select of labelled levels."""
    form = open_action_form(page, stack, f"{DOMAIN}.send_message")
    assert form_value(page, form)["data"] == {}
    names = translations()["services"]["send_message"]["fields"]
    for name in ("html", "monospace"):
        row = form_row(page, form, names[name]["name"])
        (box,) = page.find("ha-checkbox", row)
        assert not ticked(page, box), f"{name} is ticked"
        (switch,) = page.find("ha-switch", row)
        assert not ticked(page, switch), f"{name} is on"

    row = form_row(page, form, names["priority"]["name"])
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", row)
    page.find("ha-checkbox", row)[0].click()
    assert "priority" not in form_value(page, form)["data"], "priority has a default"
    page.find("ha-select", row)[0].click()
    labels = translations()["selector"]["priority"]["options"]
    levels = send_message_fields()["priority"]["selector"]["select"]["options"]
    wanted = [labels[level] for level in levels]
    items = page.wait(
        "the priority levels", lambda: page.shown("ha-dropdown-item", row)
    )
    assert [item.text.strip() for item in items] == wanted
    page.picture("action-form")
    items[wanted.index(labels["emergency"])].click()
    page.wait(
        "the priority chosen",
        lambda: form_value(page, form)["data"].get("priority") == "emergency",
    )


def test_first_setup_in_the_ui(stack: Stack, page: Page) -> None:
    """Set up, add a recipient, fail and fix an option, rename, open the action form."""
    t0 = time.monotonic()
    tokens = stack.ha.onboard()
    page.login(stack.ha_url, tokens, stack.ha.client_id)
    with websocket_api(stack, tokens) as ws:
        entry_id = add_integration(page, stack)
        assert subentry_titles(ws, entry_id) == [OWNER]
        add_recipient(page)
        assert subentry_titles(ws, entry_id) == sorted([OWNER, SECOND_RECIPIENT])
        refuse_then_take_an_option(page, stack, entry_id)
        rename_keeping_the_token(page, stack, entry_id)
        picture_integration_page(page, stack)
        check_the_action_form(page, stack)
    print(f"e2e walk: {time.monotonic() - t0:.1f} s after Home Assistant was up")


def test_emergency_acknowledged_in_the_inbox(stack: Stack, page: Page) -> None:
    """Send an emergency, acknowledge it in the inbox, see it come back to HA."""
    from selenium.webdriver.common.by import By

    t0 = time.monotonic()
    ha = stack.ha
    tokens = ha.onboard()
    entry = ha.create_entry(ENTRY_TITLE, DEMO_TOKEN, DEMO_USER)
    entry_id = entry["entry_id"]
    browser = page.driver

    with websocket_api(stack, tokens) as ws:
        ours = [
            e
            for e in ws.command(type="config/entity_registry/list")
            if e["platform"] == DOMAIN and e["config_entry_id"] == entry_id
        ]
        notify = next(
            e["entity_id"] for e in ours if e["entity_id"].startswith("notify.")
        )
        event_entity = next(
            e["entity_id"]
            for e in ours
            if e["entity_id"].startswith("event.")
            and e["entity_id"].endswith("_emergency")
        )
        # The notify entity is also visible in /api/states.
        assert notify in {s["entity_id"] for s in ha.states()}
        before = ha.state(event_entity)
        assert before is not None

        sub = ws.subscribe(f"{DOMAIN}_acknowledged")
        response = ha.call(
            DOMAIN,
            "send_message",
            {
                "entity_id": notify,
                "title": "Basement flooding",
                "message": "Water sensor wet: please acknowledge",
                "priority": 2,
                "retry": 30,
                "expire": 600,
                "tags": ["e2e"],
            },
            response=True,
        )
        (sent,) = response["service_response"]["recipients"]
        receipt = sent["receipt"]
        assert receipt, response

        # The simulator's inbox, in the browser: acknowledge.
        browser.get(stack.sim_url)
        button = wait_for(
            "the Acknowledge button",
            lambda: browser.find_elements(
                By.CSS_SELECTOR, f'button[data-receipt="{receipt}"]'
            ),
            WAIT,
        )[0]
        assert "Basement flooding" in browser.page_source
        page.picture("inbox-emergency")
        button.click()
        wait_for(
            "the inbox to show the acknowledgement",
            lambda: "acknowledged by" in browser.page_source,
            WAIT,
        )
        page.picture("inbox-acknowledged")
        acked = sim_state(stack.sim_port)["receipts"][receipt]
        assert acked["acknowledged"], acked

        # Home Assistant hears of it (the simulator calls the entry's webhook; the
        # receipt poll would also find it within seconds).
        event = ws.wait_event(sub, WAIT)
    data = event["data"]
    assert data["receipt"] == receipt
    assert data["config_entry_id"] == entry_id
    assert data["acknowledged_by"] == DEMO_USER
    assert data["acknowledged_by_name"] == ENTRY_TITLE
    assert data["notify_entity_id"] == notify
    assert data["title"] == "Basement flooding"
    assert data["tags"] == ["e2e"]

    def fired() -> dict[str, Any] | None:
        state = ha.state(event_entity)
        if state and state["state"] != before["state"]:
            return state
        return None

    after = wait_for(f"{event_entity} to change", fired, WAIT)
    assert after["attributes"]["event_type"] == "acknowledged"
    assert after["attributes"]["receipt"] == receipt

    # The logbook shows the acknowledgement.
    page.login(stack.ha_url, tokens, ha.client_id)
    browser.get(f"{stack.ha_url}/logbook?entity_id={event_entity}")
    page.wait_text("Acknowledged")
    page.picture("inbox-logbook")

    print(f"e2e inbox: {time.monotonic() - t0:.1f} s after Home Assistant was up")
