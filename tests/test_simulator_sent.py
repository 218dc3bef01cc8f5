"""The simulator's view of accepted sends: `sim.sent_messages(user)` and `SentMessage`."""

from __future__ import annotations

import aiohttp
import pytest

from pushover_simulator import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    Link,
    PushoverSimulator,
    SentMessage,
)
from pushover_simulator.pytest_plugin import enable_sockets

from .sim_client import Api, FakeClock


@pytest.fixture(autouse=True)
def _sockets(request: pytest.FixtureRequest) -> None:
    """Allow (127.0.0.1) sockets under pytest-socket, as Home Assistant's harness blocks them."""
    enable_sockets(request)


@pytest.fixture
def clock(sim: PushoverSimulator) -> FakeClock:
    """The simulator's clock, settable."""
    sim.clock = FakeClock()
    return sim.clock


@pytest.fixture
def api(
    sim: PushoverSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> Api:
    """The helper bound to the running simulator, on the settable clock."""
    return Api(sim, session)


async def test_an_emergency_step_as_recorded(sim: PushoverSimulator, api: Api) -> None:
    _, body = await api.send(
        user=DEMO_GROUP,
        message='Leak! <a href="https://ha.example/ack">Ack</a>',
        title="Basement",
        html="1",
        priority="2",
        retry="60",
        expire="900",
        tags="alarm_1,step_2",
        callback="https://ha.example/cb",
        sound="siren",
    )
    [sent] = sim.sent_messages(DEMO_USER2)
    assert sent == SentMessage(
        token=DEMO_TOKEN,
        users=(DEMO_USER, DEMO_USER2),
        deliveries={DEMO_USER: ["phone", "tablet"], DEMO_USER2: ["laptop"]},
        message='Leak! <a href="https://ha.example/ack">Ack</a>',
        title="Basement",
        html=True,
        monospace=False,
        priority=2,
        retry=60,
        expire=900,
        tags=("alarm_1", "step_2"),
        callback="https://ha.example/cb",
        url=None,
        url_title=None,
        sound="siren",
        device=None,
        timestamp=None,
        ttl=None,
        receipt=body["receipt"],
        received_at=1_700_000_000.0,
        record={},
    )
    assert sent.record is sim.messages[0]
    assert sent.text == "Leak! Ack"
    assert sent.links == [Link("Ack", "https://ha.example/ack")]


async def test_defaults_of_a_plain_send(sim: PushoverSimulator, api: Api) -> None:
    await api.send(message="<b>as is</b>", timestamp="1699999999", ttl="60")
    [sent] = sim.sent_messages()
    assert (sent.html, sent.priority, sent.retry, sent.expire) == (False, 0, None, None)
    assert (sent.tags, sent.title, sent.receipt) == ((), None, None)
    assert (sent.timestamp, sent.ttl) == (1699999999, 60)
    assert (sent.text, sent.links) == ("<b>as is</b>", [])


async def test_each_recipient_sees_what_reached_them(
    sim: PushoverSimulator, api: Api, clock: FakeClock
) -> None:
    for user, message in ((DEMO_USER, "one"), (DEMO_GROUP, "two"), (DEMO_USER2, "3")):
        await api.send(user=user, message=message)
        clock.now += 10
    assert [m.message for m in sim.sent_messages(DEMO_USER)] == ["one", "two"]
    assert [m.message for m in sim.sent_messages(DEMO_USER2)] == ["two", "3"]
    assert [m.received_at for m in sim.sent_messages()] == [
        1_700_000_000.0,
        1_700_000_010.0,
        1_700_000_020.0,
    ]
    assert sim.sent_messages("x" * 30) == []


@pytest.mark.parametrize(
    ("fields", "text", "links"),
    [
        (
            {
                "message": 'Go <a href="https://a.example/1">first</a> then '
                '<a href="http://b.example/2?x=1&amp;y=2"><b>second</b></a>',
                "html": "1",
            },
            "Go first then second",
            [
                Link("first", "https://a.example/1"),
                Link("second", "http://b.example/2?x=1&y=2"),
            ],
        ),
        (
            {"message": '<a href="javascript:x()">no</a>', "html": "1"},
            '<a href="javascript:x()">no</a>',
            [],
        ),
        (
            {"message": "m", "url": "https://c.example/", "url_title": "Open"},
            "m",
            [Link("Open", "https://c.example/")],
        ),
        (
            {"message": "m", "url": "https://c.example/"},
            "m",
            [Link("https://c.example/", "https://c.example/")],
        ),
        ({"message": "m", "url": "homeassistant://navigate"}, "m", []),
        (
            {
                "message": '<a href="https://a.example/">a</a>',
                "html": "1",
                "url": "https://u.example/",
            },
            "a",
            [
                Link("a", "https://a.example/"),
                Link("https://u.example/", "https://u.example/"),
            ],
        ),
    ],
)
async def test_text_and_links(
    sim: PushoverSimulator,
    api: Api,
    fields: dict[str, str],
    text: str,
    links: list[Link],
) -> None:
    status, _ = await api.send(**fields)
    assert status == 200
    [sent] = sim.sent_messages(DEMO_USER)
    assert (sent.text, sent.links) == (text, links)
