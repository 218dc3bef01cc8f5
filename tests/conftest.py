"""Shared fixtures: the Pushover simulator and configured entries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.pushover_complete.api import PushoverAPI
from custom_components.pushover_complete.config_flow import token_unique_id
from custom_components.pushover_complete.const import (
    CONF_RECIPIENT_DEVICES,
    CONF_USER_KEY,
    DOMAIN,
    ENV_API_URL,
    SUBENTRY_RECIPIENT,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import Event, HomeAssistant
from pushover_simulator import (
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
    random_key,
)

from .helpers import EXTERNAL, WEBHOOK_ID, follow_frozen_clock, wait_state
from .open_client_helpers import SENSOR

pytest_plugins = ["pushover_simulator.pytest_plugin"]

ALICE = "alice_subentry"
BOB = "bob_subentry"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Iterator[None]:
    """Load integrations from custom_components."""
    yield


@pytest.fixture(autouse=True)
def own_config_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """Each test's files (kept attachments, blueprints) in a folder of its own.

    Home Assistant's test configuration folder lives in the shared virtual
    environment; files written there would outlast the test and be seen by
    the next one.
    """
    folder = tmp_path / "config"
    folder.mkdir()
    hass.config.config_dir = str(folder)


@pytest.fixture
async def sim(
    pushover_sim: PushoverSimulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PushoverSimulator]:
    """The simulator, with the integration pointed at it."""
    assert pushover_sim.base_url
    monkeypatch.setenv(ENV_API_URL, pushover_sim.base_url)
    yield pushover_sim


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session the test owns."""
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> PushoverAPI:
    """A client for the demo application, on a session the test owns."""
    assert sim.base_url
    return PushoverAPI(DEMO_TOKEN, session, base_url=sim.base_url)


def recipient(
    subentry_id: str, title: str, user_key: str, **data: Any
) -> dict[str, Any]:
    """Subentry data of a recipient."""
    return {
        "subentry_id": subentry_id,
        "subentry_type": SUBENTRY_RECIPIENT,
        "title": title,
        "data": {CONF_USER_KEY: user_key, CONF_RECIPIENT_DEVICES: [], **data},
        "unique_id": None,
    }


@pytest.fixture
def recipients() -> list[dict[str, Any]]:
    """Two recipients: Alice and Bob."""
    return [
        recipient(ALICE, "Alice", DEMO_USER),
        recipient(BOB, "Bob", DEMO_USER2),
    ]


@pytest.fixture
def options() -> dict[str, Any]:
    """Entry options (none: defaults)."""
    return {}


@pytest.fixture
def config_entry(
    recipients: list[dict[str, Any]], options: dict[str, Any]
) -> MockConfigEntry:
    """An entry for the simulator's demo application."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={CONF_API_KEY: DEMO_TOKEN, "webhook_id": WEBHOOK_ID},
        options=options,
        unique_id=token_unique_id(DEMO_TOKEN),
        subentries_data=recipients,
    )


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry, set up against the simulator."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
async def office_entry(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> MockConfigEntry:
    """A second application ("Office", its own token) with recipient Carol."""
    token = random_key()
    sim.add_app(token)
    other = MockConfigEntry(
        domain=DOMAIN,
        title="Office",
        data={CONF_API_KEY: token, "webhook_id": "c" * 64},
        unique_id=token_unique_id(token),
        subentries_data=[recipient("carol", "Carol", DEMO_USER2)],
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    return other


@pytest.fixture
async def sender(sim: PushoverSimulator) -> AsyncIterator[PushoverAPI]:
    """Another application's client, sending to the simulator."""
    async with PushoverAPI(DEMO_TOKEN, base_url=sim.base_url or "") as api:
        yield api


@pytest.fixture
async def connected(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> MockConfigEntry:
    """The loaded entry, its Open Client's push connection up."""
    await wait_state(hass, SENSOR, "on")
    return loaded_entry


@pytest.fixture
def reachable(hass: HomeAssistant, sim: PushoverSimulator) -> None:
    """Home Assistant has an external URL; receipts expire in the frozen time."""
    hass.config.external_url = EXTERNAL
    follow_frozen_clock(sim)


@pytest.fixture
def chosen(hass: HomeAssistant) -> list[Event]:
    """The action events fired."""
    return async_capture_events(hass, f"{DOMAIN}_action")
