"""Actions in messages (CONTRACT §10): tap a link, confirm, Home Assistant acts once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.pushover_complete.const import DOMAIN
from custom_components.pushover_complete.diagnostics import (
    async_get_config_entry_diagnostics,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pushover_simulator import DEMO_USER, DEMO_USER2, PushoverSimulator

from .helpers import (
    EXTERNAL,
    SIREN,
    WEBHOOK,
    links_of,
    receipt_sent_to,
    tick,
)

GATE: Final = {"action": "open_gate", "title": "Open the gate"}

pytestmark = pytest.mark.usefixtures("reachable")


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call send_message and return its answer."""
    data.setdefault("entity_id", "notify.alice")
    data.setdefault("message", "The basement is wet")
    data.setdefault("title", "Leak")
    data.setdefault("actions", [SIREN])
    response = await hass.services.async_call(
        DOMAIN, "send_message", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def token_of(path: str) -> str:
    """Return the token of a link."""
    return parse_qs(urlsplit(path).query)["action"][0]


async def test_each_recipient_gets_links_of_their_own(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Two recipients, two actions: four links, four tokens, HTML, text first."""
    await send(hass, entity_id=["notify.alice", "notify.bob"], actions=[SIREN, GATE])
    assert sorted(m["users"][0] for m in sim.messages) == sorted(
        [DEMO_USER, DEMO_USER2]
    )
    tokens = set()
    for message in sim.messages:
        assert message["html"] == "1"
        assert message["message"].startswith("The basement is wet\n")
        links = links_of(message)
        assert [title for _, title in links] == ["Silence the siren", "Open the gate"]
        tokens |= {token_of(path) for path, _ in links}
    assert len(tokens) == 4
    assert all(len(token) >= 22 for token in tokens)


@pytest.mark.parametrize(
    ("given_html", "text", "sent"),
    [
        (False, "Water <b>& mud</b>", "Water &lt;b&gt;&amp; mud&lt;/b&gt;"),
        (True, "Water <b>and mud</b>", "Water <b>and mud</b>"),
    ],
)
async def test_the_callers_text_reads_the_same(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    given_html: bool,
    text: str,
    sent: str,
) -> None:
    """Plain text is escaped so that it shows as typed; HTML is kept."""
    await send(hass, message=text, html=given_html)
    [message] = sim.messages
    assert message["message"].split("\n")[0] == sent


async def test_a_long_message_is_cut_so_every_link_fits(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The text is cut (ending with …), never the links; the whole fits 1024."""
    response = await send(hass, message="w" * 2000, actions=[SIREN, GATE])
    [message] = sim.messages
    assert len(message["message"]) <= 1024
    assert message["message"].split("\n")[0].endswith("…")
    assert len(links_of(message)) == 2
    assert response["truncated"] is True


@pytest.mark.parametrize("shift", range(8))
async def test_long_html_is_never_cut_inside_a_tag(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    shift: int,
) -> None:
    """Cut HTML ends outside any tag, so the links after it stay links."""
    await send(hass, message="x" * shift + "<b>w</b>" * 300, html=True)
    [message] = sim.messages
    text = message["message"].split("\n<a href=")[0]
    assert text.endswith("…")
    assert text.rfind("<") < text.rfind(">")


async def test_get_shows_and_post_acts_once(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
) -> None:
    """A preview fires nothing; the confirming POST fires once; a second gets 410."""
    await send(hass, tags=["leak"])
    [(path, _)] = links_of(sim.messages[0])
    client = await hass_client_no_auth()
    page = await client.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"})
    body = await page.text()
    assert page.status == 200
    assert "Silence the siren?" in body and "Leak" in body
    assert '<form method="post">' in body
    assert token_of(path) not in body
    assert "<script" not in body
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert chosen == []
    done = await client.post(path)
    assert done.status == 200
    assert "Silence the siren" in await done.text()
    [event] = chosen
    assert event.data == {
        "config_entry_id": loaded_entry.entry_id,
        "action": "silence_siren",
        "action_title": "Silence the siren",
        "title": "Leak",
        "recipient": "Alice",
        "notify_entity_id": "notify.alice",
        "alarm_id": None,
        "receipt": None,
        "tags": ["leak"],
    }
    again = await client.post(path)
    assert again.status == 410
    shown = await client.get(path)
    assert shown.status == 410
    assert len(chosen) == 1
    state = hass.states.get("event.home_emergency")
    assert state is not None
    assert state.attributes["event_type"] == "action"
    assert state.attributes["action"] == "silence_siren"


async def test_choosing_one_action_leaves_the_others(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
) -> None:
    """Each link works once on its own."""
    await send(hass, actions=[SIREN, GATE])
    [(siren, _), (gate, _)] = links_of(sim.messages[0])
    client = await hass_client_no_auth()
    assert (await client.post(siren)).status == 200
    assert (await client.post(gate)).status == 200
    assert [e.data["action"] for e in chosen] == ["silence_siren", "open_gate"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: "",
        lambda token: token[:-1],
        lambda token: token + "A",
        lambda token: "A" * len(token),
        lambda token: token + "&action=x",
        lambda token: token * 10,
    ],
)
async def test_tokens_never_issued_answer_404(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
    mangle: Any,
) -> None:
    """Truncated, padded or made-up tokens: 404, nothing fires, nothing echoed."""
    await send(hass)
    [(path, _)] = links_of(sim.messages[0])
    client = await hass_client_no_auth()
    bad = mangle(token_of(path))
    for method in ("get", "post"):
        response = await getattr(client, method)(WEBHOOK, params={"action": bad})
        assert response.status == 404
        assert bad not in await response.text() or not bad
    assert chosen == []


async def test_an_expired_link_answers_404(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    chosen: list[Event],
) -> None:
    """With a ttl the link lives as long; without one, 24 hours."""
    await send(hass, ttl=600)
    await send(hass, message="no ttl")
    [(short, _)], [(day, _)] = (links_of(m) for m in sim.messages)
    client = await hass_client_no_auth()
    freezer.tick(timedelta(seconds=601))
    assert (await client.post(short)).status == 404
    freezer.tick(timedelta(hours=24))
    assert (await client.post(day)).status == 404
    assert chosen == []


async def test_links_survive_a_restart_and_a_queue(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    chosen: list[Event],
) -> None:
    """A message queued in an outage keeps its links; a reload keeps the tokens."""
    sim.inject_fault("messages.json", "503", count=1)
    response = await send(hass)
    assert response["recipients"][0]["queued"] is True
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    await tick(hass, freezer, 6)
    [(path, _)] = links_of(sim.messages[0])
    client = await hass_client_no_auth()
    assert (await client.post(path)).status == 200
    assert len(chosen) == 1


async def test_every_step_of_an_alarm_carries_its_own_links(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    chosen: list[Event],
) -> None:
    """Alice's and Bob's steps have links of their own; the event names the alarm."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_alarm",
        {
            "message": "Water",
            "title": "Leak",
            "actions": [SIREN],
            "steps": [
                {"targets": ["notify.alice"]},
                {"targets": ["notify.bob"], "after": 60},
            ],
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    await tick(hass, freezer, 61)
    [(alice, _)], [(bob, _)] = (links_of(m) for m in sim.messages)
    assert token_of(alice) != token_of(bob)
    client = await hass_client_no_auth()
    assert (await client.post(bob)).status == 200
    [event] = chosen
    assert event.data["alarm_id"] == response["alarm_id"]
    assert event.data["receipt"] == receipt_sent_to(sim, DEMO_USER2)
    assert event.data["recipient"] == "Bob"


async def test_the_legacy_action_takes_actions_in_data(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """notify.<recipient> with data: {actions: …} sends the links too."""
    await hass.services.async_call(
        "notify",
        "alice",
        {"message": "Parcel at the gate", "data": {"actions": [GATE]}},
        blocking=True,
    )
    [message] = sim.messages
    assert [title for _, title in links_of(message)] == ["Open the gate"]


@pytest.mark.parametrize(
    "data",
    [
        {"actions": []},
        {"actions": [SIREN, GATE, SIREN, GATE]},
        {"actions": [{"action": "Silence!", "title": "x"}]},
        {"actions": [{"action": "a" * 33, "title": "x"}]},
        {"actions": [{"action": "ok", "title": ""}]},
        {"actions": [{"action": "ok", "title": "t" * 41}]},
        {"actions": [{"action": "ok"}]},
    ],
)
async def test_malformed_actions_send_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
) -> None:
    """A malformed item or more than three: refused by the schema, nothing sent."""
    with pytest.raises(vol.Invalid):
        await send(hass, **data)
    assert sim.messages == []


@pytest.mark.parametrize(
    ("data", "external", "key"),
    [
        ({"monospace": True}, EXTERNAL, "actions_with_monospace"),
        ({}, None, "actions_need_external_url"),
    ],
)
async def test_actions_refused_where_they_cannot_work(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, Any],
    external: str | None,
    key: str,
) -> None:
    """Monospace cannot be HTML; without a way in, a phone cannot reach the link."""
    hass.config.external_url = external
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, **data)
    assert err.value.translation_key == key
    assert sim.messages == []


async def test_no_token_anywhere_but_the_message(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    chosen: list[Event],
) -> None:
    """Not in the answer, the event, diagnostics or this integration's log."""
    response = await send(hass)
    [(path, _)] = links_of(sim.messages[0])
    token = token_of(path)
    await (await hass_client_no_auth()).post(path)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    ours = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.pushover_complete")
    )
    for shown in (str(response), str(chosen[0].data), str(diagnostics), ours):
        assert token not in shown


async def test_removing_the_entry_deletes_its_tokens(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The tokens are stored privately, and go with the entry."""
    await send(hass)
    await tick(hass, freezer, 2)
    key = f"{DOMAIN}.{loaded_entry.entry_id}.actions"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_a_flood_of_made_up_tokens_costs_little(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chosen: list[Event],
) -> None:
    """Hundreds of random tokens (loopback): each a 404, nothing fires."""
    client = await hass_client_no_auth()
    statuses = set()
    for number in range(150):
        method = client.get if number % 2 else client.post
        response = await method(WEBHOOK, params={"action": f"{number:022d}"})
        statuses.add(response.status)
    assert statuses == {404}
    assert chosen == []
    assert sim.messages == []


async def test_a_post_without_action_is_still_a_callback(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The same webhook serves emergency callbacks: a bare 200, as before."""
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK, data={"receipt": "x" * 30})
    assert response.status == 200
    assert await response.text() == ""
