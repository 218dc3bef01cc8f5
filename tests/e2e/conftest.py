"""End-to-end tests: real processes, no in-process Home Assistant.

The root conftest's autouse fixture requests ``enable_custom_integrations``, which needs the
test harness's ``hass``; these tests start ``hass`` as a subprocess instead, so the fixture is
overridden here with a no-op of the same name.

They run where ``PUSHOVER_E2E=1`` (``scripts/test``'s current target, which installs Chromium
and chromedriver) and must pass or fail there. Anywhere else they are deselected, never
skipped: a skip would let a run pass without them.

The fixtures of the browser tests live here: ``output`` (``test-output/e2e/<test>/``, for
logs and pictures), ``stack`` (the simulator and Home Assistant on free ports), ``browser``
(headless Chromium through chromedriver) and ``page`` (the browser as a user of the
frontend). Everything they start is stopped by PID.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
import os
from pathlib import Path
import shutil
from typing import Any

import pytest

from .live import REPO, Stack, free_port, running_stack
from .ui import WAIT, Page

OUTPUT = REPO / "test-output" / "e2e"
CALL_REPORT = pytest.StashKey[pytest.TestReport]()
CHROMIUM = os.environ.get("PUSHOVER_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PUSHOVER_E2E_CHROMEDRIVER", "/usr/bin/chromedriver")

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


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Path:
    """A clean test-output/e2e/<test>/ for this test's logs and pictures."""
    path = OUTPUT / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


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
    socket_enabled: None,
    output: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
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
        "--window-size=1280,1000",
        "--lang=en-US",
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
    service = Service(CHROMEDRIVER, log_output=str(output / "chromedriver.log"))
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
            f"{failure}; see {output / 'chromedriver.log'}",
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


@pytest.fixture
def page(browser: Any, output: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The browser as a user of Home Assistant's frontend; its last sight if the test failed."""
    yield Page(browser, output)
    report = request.node.stash.get(CALL_REPORT, None)
    if report is not None and report.failed:
        browser.save_screenshot(str(output / "failure.png"))
        (output / "failure.html").write_text(
            f"<!-- {browser.current_url} -->\n{browser.page_source}"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the outcome of each test's call on the item, for the ``page`` fixture."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report
