"""Home Assistant's editors as a user meets them: a new dashboard, a manual card, a script.

Each step clicks what the README tells a reader to click (the UI's English words), and
pastes YAML into the code editor the way a reader pastes it (``Page.paste``). Selenium is
imported lazily: this module is collected on targets without it.
"""

from __future__ import annotations

from typing import Any

from .ui import Page

# The UI paths the README names, in the README's words (the test checks that it says so).
NEW_DASHBOARD = "Settings → Dashboards → Add dashboard → New dashboard from scratch"
MANUAL_CARD = "Edit dashboard → Add card → By card → Manual"
NEW_SCRIPT = (
    "Settings → Automations & scenes → Scripts → Create script → Create new script"
    " → ⋮ → Edit in YAML"
)


def create_dashboard(page: Page, base_url: str, title: str) -> str:
    """Settings → Dashboards → Add dashboard → New dashboard from scratch; its URL path.

    The URL path is the one the form makes from the title (``dashboard-<title>``), read
    once it has caught up with the typing.
    """
    from selenium.webdriver.common.keys import Keys

    page.goto(f"{base_url}/config/lovelace/dashboards")
    page.press("Add dashboard")
    page.click(
        "New dashboard from scratch",
        lambda: [
            el
            for el in page.shown("dashboard-card")
            if el.text.startswith("New dashboard from scratch")
        ],
    )

    def form_field(name: str) -> Any:
        dialog = page.open_dialog()
        found = page.shown(f"input[name={name}]", dialog) if dialog else []
        return found[0] if found else None

    def typed() -> bool:
        field = form_field("title")
        if field is None:
            return False
        if field.get_attribute("value") != title:
            field.send_keys(Keys.CONTROL, "a", Keys.NULL, title)
        return bool(field.get_attribute("value") == title)

    page.wait("the title to be typed", typed)
    url_path = page.wait(
        "the URL made from the title",
        lambda: (
            (value := form_field("url_path").get_attribute("value")).endswith(
                f"-{title.lower()}"
            )
            and value
        ),
    )
    page.press("Create", dialog=True)
    page.wait("the dialog to close", lambda: page.open_dialog() is None)
    return str(url_path)


def edit_dashboard(page: Page, base_url: str, url_path: str) -> None:
    """Open the dashboard and its editor (the pencil: Edit dashboard)."""
    page.goto(f"{base_url}/{url_path}")
    page.press_icon("Edit dashboard")
    page.wait("the editor's Done button", lambda: page.find_button("Done"))


def add_manual_card(page: Page, card_yaml: str) -> None:
    """In the dashboard's editor: Add card → By card → Manual, paste, Save."""
    page.click(
        "Add card",
        lambda: [
            el
            for el in page.shown("button")
            if el.get_attribute("aria-label") == "Add card"
        ],
    )
    dialog = page.dialog()
    page.click(
        "the tab By card",
        lambda: [
            el
            for el in page.shown("ha-tab-group-tab", dialog)
            if el.text.strip() == "By card"
        ],
    )
    search = page.wait(
        "the card search",
        lambda: [
            el
            for el in page.shown("input", dialog)
            if el.get_attribute("placeholder") == "Search cards"
        ],
    )[0]
    search.send_keys("Manual")
    page.click("the Manual card", lambda: _card_named(page, dialog, "Manual"))
    page.paste(card_yaml, page.dialog())
    page.press("Save", dialog=True)
    page.wait("the card dialog to close", lambda: page.open_dialog() is None)


def _card_named(page: Page, dialog: Any, name: str) -> list[Any]:
    """The card picker's entry called name."""
    return [
        el
        for el in page.shown("div.card", dialog)
        if el.text.split("\n")[0].strip() == name
    ]


def leave_editor(page: Page) -> None:
    """Done: the dashboard as its users see it."""
    page.press("Done")
    page.wait("the editor to close", lambda: page.find_button("Done") is None)


def create_script_in_yaml(page: Page, base_url: str, script_yaml: str) -> str:
    """Scripts → Create script → Create new script → ⋮ → Edit in YAML, paste, Save.

    Returns the id Home Assistant gave the script (from the editor's address).
    """
    page.goto(f"{base_url}/config/script/dashboard")
    page.press("Create script")
    page.click(
        "Create new script",
        lambda: [
            el
            for el in page.shown("ha-list-item")
            if el.text.startswith("Create new script")
        ],
    )
    page.wait(
        "the new script's editor",
        lambda: page.driver.current_url.endswith("/config/script/edit/new"),
    )
    page.press_icon("Menu")
    page.press("Edit in YAML")
    page.paste(script_yaml)
    page.press("Save")
    prefix = f"{base_url}/config/script/edit/"
    saved = page.wait(
        "the script to be saved",
        lambda: (
            (url := page.driver.current_url).startswith(prefix)
            and not url.endswith("/new")
            and url
        ),
    )
    return str(saved).removeprefix(prefix)
