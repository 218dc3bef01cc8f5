"""Action links at their edges, beside ``test_action_links.py``.

Confirmed twice (two taps, or a page sent twice): one action. A visitor whose
languages the integration does not speak reads English. Links in a message
sent to a key that is no recipient: the event names no notify entity. A long
text whose cut would split an HTML entity. A stored link that cannot be read
is left out, the others work. A callback too large, sent without its length,
is ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import html
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pushover_complete.const import DOMAIN
from homeassistant.core import Event, HomeAssistant
from pushover_simulator import PushoverSimulator, random_key

from .helpers import SIREN, WEBHOOK, links_of, send_emergency
from .open_client_helpers import warnings_in

pytestmark = pytest.mark.usefixtures("reachable")


async def send(hass: HomeAssistant, **data: Any) -> None:
    """Send a message with the siren's link (to Alice, unless told)."""
    data.setdefault("message", "The basement is wet")
    data.setdefault("actions", [SIREN])
    await hass.services.async_call(
        DOMAIN, "send_message", data, blocking=True, return_response=True
    )


async def test_a_link_confirmed_twice_acts_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
) -> None:
    """The confirm page sent twice: the second says the link was used."""
    await send(hass, entity_id="notify.alice", title="Leak")
    [(path, _)] = links_of(sim.messages[-1])
    client = await hass_client_no_auth()
    first = await client.post(path)
    second = await client.post(path)
    assert (first.status, second.status) == (200, 410)
    assert "This link was already used." in await second.text()
    await hass.async_block_till_done()
    assert len(chosen) == 1


async def test_a_visitor_in_a_language_not_spoken_reads_english(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Accept-Language asks for languages without translations: the page is English."""
    await send(hass, entity_id="notify.alice", title="Leak")
    [(path, _)] = links_of(sim.messages[-1])
    client = await hass_client_no_auth()
    page = await client.get(path, headers={"Accept-Language": "tlh-KX, x!y, qq"})
    assert page.status == 200
    text = await page.text()
    assert '<html lang="en">' in text
    assert "Silence the siren" in text


async def test_links_to_a_key_that_is_no_recipient(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
) -> None:
    """A message to a user key: its link's event has no notify entity, no recipient."""
    other = random_key()
    sim.add_user(other, devices=["phone"])
    await send(
        hass, config_entry_id=loaded_entry.entry_id, user_key=other, title="Leak"
    )
    [(path, _)] = links_of(sim.messages[-1])
    client = await hass_client_no_auth()
    assert (await client.post(path)).status == 200
    await hass.async_block_till_done()
    [event] = chosen
    assert event.data["action"] == "silence_siren"
    assert event.data["notify_entity_id"] is None
    assert other not in str(event.data)


async def test_a_cut_never_splits_an_entity(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Text full of "&" cut to make room for the link ends before an entity."""
    await send(hass, entity_id="notify.alice", message="&" * 1000)
    [message] = sim.messages
    text, _link = message["message"].split("\n", 1)
    assert text.endswith("&amp;…")
    assert len(message["message"]) <= 1024
    assert html.unescape(text) == "&" * (len(text) // 5) + "…"


async def test_a_damaged_stored_link_is_left_out(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One stored link cannot be read: a warning says so; the other still works."""
    await send(hass, entity_id="notify.alice", title="Leak")
    [(path, _)] = links_of(sim.messages[-1])
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    key = f"{DOMAIN}.{loaded_entry.entry_id}.actions"
    hass_storage[key]["data"]["tokens"]["damaged"] = {"action": ["not", "text"]}
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert [r.getMessage() for r in warnings_in(caplog)] == [
        "Skipped a stored action link that cannot be read"
    ]
    client = await hass_client_no_auth()
    assert (await client.post(path)).status == 200
    await hass.async_block_till_done()
    assert len(chosen) == 1


async def test_a_callback_too_large_without_its_length_is_ignored(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A chunked body past the limit: a bare 200, the receipt is not looked up."""
    receipt = await send_emergency(hass)
    seen = len(sim.requests)

    async def body() -> AsyncIterator[bytes]:
        yield f"receipt={receipt}&acknowledged=1&pad=".encode()
        for _ in range(64):
            yield b"x" * 1024

    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK, data=body())
    assert response.status == 200
    assert await response.read() == b""
    await hass.async_block_till_done()
    assert sim.requests[seen:] == []
