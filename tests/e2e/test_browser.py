"""An emergency alarm, end to end, with a real Home Assistant and a real browser.

Home Assistant (``hass`` in this venv, the working tree's integration) and the Pushover
simulator run as subprocesses on 127.0.0.1. The entry is created through the REST API,
an emergency goes out through ``pushover_complete.send_message``, headless Chromium clicks
**Acknowledge** in the simulator's inbox, and the acknowledgement comes back to Home
Assistant: the ``pushover_complete_acknowledged`` event over the websocket API and the
event entity's new state. Screenshots and logs go to ``test-output/e2e/``.

Runs once, on the current target of ``scripts/test`` (which sets ``PUSHOVER_E2E=1``), with
Debian's chromium and chromedriver. Everything it starts is stopped by PID.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
import os
from pathlib import Path
import shutil
import time
from typing import Any

import pytest

from pushover_simulator import DEMO_TOKEN, DEMO_USER

from .live import DOMAIN, REPO, Stack, free_port, running_stack, sim_state, wait_for

# Deselected by conftest.py unless PUSHOVER_E2E=1; never skipped.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

OUTPUT = REPO / "test-output" / "e2e"
CHROMIUM = os.environ.get("PUSHOVER_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PUSHOVER_E2E_CHROMEDRIVER", "/usr/bin/chromedriver")
ENTRY_TITLE = "E2E Pushover"
WAIT = 30.0  # seconds, for any single thing to happen


@pytest.fixture
def output() -> Path:
    """A clean test-output/e2e/."""
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    return OUTPUT


@pytest.fixture
def stack(socket_enabled: None, output: Path, tmp_path: Path) -> Iterator[Stack]:
    """The simulator and Home Assistant, on free ports; stopped afterwards."""
    config = tmp_path / "config"
    try:
        with running_stack(
            config, output, ha_port=free_port(), sim_port=free_port()
        ) as running:
            yield running
    finally:
        log = config / "home-assistant.log"
        if log.exists():
            shutil.copy(log, output / "home-assistant.log")


@pytest.fixture
def browser(
    socket_enabled: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Headless Chromium through chromedriver; quit (and the driver killed) afterwards."""
    missing = [
        path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)
    ]
    if missing:
        pytest.fail(
            f"the browser test needs Chromium and chromedriver; not executable: "
            f"{', '.join(missing)}. scripts/setup current installs them (Debian's chromium "
            f"and chromium-driver); elsewhere set PUSHOVER_E2E_CHROMIUM and "
            f"PUSHOVER_E2E_CHROMEDRIVER, or leave the test out with -m 'not e2e'",
            pytrace=False,
        )
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv(
        "SE_OFFLINE", "true"
    )  # Selenium Manager never downloads anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium'}",
        # Nothing but 127.0.0.1: no name resolves, no proxy, no background traffic.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--no-proxy-server",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--disable-features=Translate,OptimizationHints,MediaRouter",
    ):
        options.add_argument(arg)
    service = Service(CHROMEDRIVER, log_output=str(OUTPUT / "chromedriver.log"))
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except WebDriverException as err:
        failure = err.msg or repr(err)
    else:
        failure = None
    if failure is not None:
        if service.process is not None and service.process.poll() is None:
            service.process.kill()
            service.process.wait(5)
        pytest.fail(
            f"headless Chromium did not start ({CHROMIUM} through {CHROMEDRIVER}): "
            f"{failure}; see {OUTPUT / 'chromedriver.log'}",
            pytrace=False,
        )
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver_proc = service.process
        try:
            driver.quit()
        finally:
            if driver_proc is not None and driver_proc.poll() is None:
                driver_proc.kill()
                driver_proc.wait(5)


class HAWebSocket:
    """Home Assistant's websocket API, authenticated (websocket-client, synchronous)."""

    def __init__(self, base_url: str, token: str) -> None:
        import websocket

        url = base_url.replace("http://", "ws://", 1) + "/api/websocket"
        self.ws = websocket.create_connection(url, timeout=WAIT)
        self.next_id = 1
        assert self.recv()["type"] == "auth_required"
        self.ws.send(json.dumps({"type": "auth", "access_token": token}))
        assert self.recv()["type"] == "auth_ok"

    def recv(self, timeout: float = WAIT) -> dict[str, Any]:
        """The next message (bounded)."""
        self.ws.settimeout(timeout)
        return dict(json.loads(self.ws.recv()))

    def command(self, **msg: Any) -> Any:
        """Send a command and return its result."""
        msg_id, self.next_id = self.next_id, self.next_id + 1
        self.ws.send(json.dumps({"id": msg_id, **msg}))
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            reply = self.recv()
            if reply.get("id") == msg_id and reply.get("type") == "result":
                assert reply["success"], reply
                return reply["result"]
        raise TimeoutError(f"no result for {msg}")

    def subscribe(self, event_type: str) -> int:
        """subscribe_events; returns the subscription id."""
        sub_id = self.next_id
        self.command(type="subscribe_events", event_type=event_type)
        return sub_id

    def wait_event(self, sub_id: int, timeout: float) -> dict[str, Any]:
        """The next event of a subscription."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            msg = self.recv(left)
            if msg.get("type") == "event" and msg.get("id") == sub_id:
                return dict(msg["event"])
        raise TimeoutError("no event")

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self.ws.close()


# The frontend renders inside nested shadow roots: collect their text.
DEEP_TEXT_JS = """
const seen = [];
function walk(node) {
  if (!node) return;
  if (node.nodeType === Node.TEXT_NODE) { seen.push(node.textContent); return; }
  if (node.shadowRoot) walk(node.shadowRoot);
  for (const child of node.childNodes) walk(child);
}
walk(document.body);
return seen.join(" ");
"""


def test_emergency_acknowledged_in_browser(stack: Stack, browser: Any) -> None:
    """Send an emergency, acknowledge it in the inbox, see it come back to HA."""
    from selenium.webdriver.common.by import By

    t0 = time.monotonic()
    ha = stack.ha
    tokens = ha.onboard()
    entry = ha.create_entry(ENTRY_TITLE, DEMO_TOKEN, DEMO_USER)
    entry_id = entry["entry_id"]

    ws = HAWebSocket(stack.ha_url, tokens.access_token)
    try:
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
        browser.save_screenshot(str(OUTPUT / "01-inbox-emergency.png"))
        button.click()
        wait_for(
            "the inbox to show the acknowledgement",
            lambda: "acknowledged by" in browser.page_source,
            WAIT,
        )
        browser.save_screenshot(str(OUTPUT / "02-inbox-acknowledged.png"))
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
    finally:
        ws.close()

    # Home Assistant's integration page, logged in with the tokens we got.
    browser.get(f"{stack.ha_url}/robots.txt")  # same origin, to reach its localStorage
    hass_tokens = {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "expires": int(time.time() * 1000) + tokens.expires_in * 1000,
        "hassUrl": stack.ha_url,
        "clientId": ha.client_id,
    }
    browser.execute_script(
        "localStorage.setItem('hassTokens', arguments[0]);", json.dumps(hass_tokens)
    )
    browser.get(f"{stack.ha_url}/config/integrations/integration/{DOMAIN}")
    wait_for(
        "the integration page to show the entry",
        lambda: ENTRY_TITLE in browser.execute_script(DEEP_TEXT_JS),
        WAIT,
        interval=0.5,
    )
    time.sleep(1)  # let icons and fonts settle for the picture
    browser.save_screenshot(str(OUTPUT / "03-ha-integration-page.png"))
    assert "/config/integrations/integration/" in browser.current_url

    print(f"e2e: {time.monotonic() - t0:.1f} s after Home Assistant was up")
