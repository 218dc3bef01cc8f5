"""The simulator's inbox page and its /_sim/ control endpoints."""

from __future__ import annotations

import json

import aiohttp
import pytest

from pushover_simulator import (
    DEMO_TOKEN,
    DEMO_USER,
    PushoverSimulator,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import EMERGENCY, Api


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def api(sim: PushoverSimulator, session: aiohttp.ClientSession) -> Api:
    """The helper bound to the running simulator."""
    return Api(sim, session)


async def test_inbox_acknowledge_form(sim: PushoverSimulator, api: Api) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 10
    form = aiohttp.FormData()
    for key, value in {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "message": "<Fire>",
        "title": "Alarm",
        **EMERGENCY,
    }.items():
        form.add_field(key, value)
    form.add_field("attachment", png, filename="attachment")
    async with api.session.post(api.base + "messages.json", data=form) as resp:
        receipt = (await resp.json())["receipt"]
    await api.send(message="plain one")
    async with api.session.get(api.root) as resp:
        assert resp.status == 200
        page = await resp.text()
    assert page.index("plain one") < page.index("&lt;Fire&gt;")
    assert f'action="/_sim/acknowledge/{receipt}"' in page
    assert f'data-receipt="{receipt}"' in page
    assert ">Acknowledge</button>" in page
    assert "data:image/png;base64," in page

    async with api.session.post(
        api.root + f"_sim/acknowledge/{receipt}", data={}, allow_redirects=False
    ) as resp:
        assert resp.status == 303
        assert resp.headers["Location"] == "/"
    assert sim.receipts[receipt].acknowledged
    async with api.session.get(api.root) as resp:
        page = await resp.text()
    assert ">Acknowledge</button>" not in page
    assert "acknowledged by" in page


async def test_control_endpoints(sim: PushoverSimulator, api: Api) -> None:
    _, body = await api.send(**EMERGENCY)
    receipt = body["receipt"]
    async with api.session.post(
        api.root + f"_sim/acknowledge/{receipt}",
        json={"user": DEMO_USER, "device": "tablet"},
    ) as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["acknowledged"] == 1
    assert data["acknowledged_by_device"] == "tablet"
    async with api.session.post(api.root + "_sim/acknowledge/" + "z" * 30) as resp:
        assert resp.status == 404

    async with api.session.post(
        api.root + "_sim/fault", json={"path": "sounds.json", "kind": "503"}
    ) as resp:
        assert resp.status == 200
    assert sim.faults[0].kind == "503"
    async with api.session.post(
        api.root + "_sim/fault", json={"path": "sounds.json", "kind": "404"}
    ) as resp:
        assert resp.status == 400
    async with api.session.post(
        api.root + "_sim/latency", json={"latency": 0.01, "connect_latency": 0.02}
    ) as resp:
        assert resp.status == 200
    assert (sim.latency, sim.connect_latency) == (0.01, 0.02)

    async with api.session.get(api.root + "_sim/state") as resp:
        state = await resp.json()
    assert state["messages"][0]["message"] == "hello"
    assert state["messages"][0]["attachment_size"] is None
    assert state["receipts"][receipt]["acknowledged"] == 1
    assert state["in_flight"] == 0
    assert state["requests"][0]["path"] == "/1/messages.json"
    assert state["requests"][0]["params"]["priority"] == "2"
    assert state["faults"][0]["path_suffix"] == "sounds.json"
    json.dumps(state)

    async with api.session.post(api.root + "_sim/reset") as resp:
        assert resp.status == 200
    assert sim.messages == []
    assert sim.receipts == {}
    assert sim.faults == []
    assert sim.latency == 0
    assert DEMO_TOKEN in sim.apps
