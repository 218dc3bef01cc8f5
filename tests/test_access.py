"""Who may call what: every action for an administrator, a user, a read-only user and an automation.

Each call goes over real HTTP to the simulator. A refused call raises
``Unauthorized`` and nothing at all reaches the simulator; an allowed call is
checked by what the simulator did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, cast

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    setup_test_component_platform,
)

from custom_components.pushover_complete.const import (
    CONF_OPEN_CLIENT_ID,
    CONF_SECRET,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_OPEN_CLIENT,
)
from custom_components.pushover_complete.services import ACTIONS
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.components.camera import Camera
from homeassistant.const import CONF_NAME
from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
from pushover_simulator import (
    DEMO_GROUP,
    DEMO_SUBSCRIPTION,
    DEMO_USER,
    DEMO_USER2,
    PushoverSimulator,
)

from .conftest import ALICE, BOB, recipient

PNG: Final = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NEW_USER: Final = "uNewSitterKey0123456789abcdefg"
ADMIN: Final = "admin"
USER: Final = "user"
READ_ONLY: Final = "read_only"
AUTOMATION: Final = "automation"
CALLERS: Final = (ADMIN, USER, READ_ONLY, AUTOMATION)
ALLOWED: Final = {
    "admin": {ADMIN, AUTOMATION},
    "control": {ADMIN, USER, AUTOMATION},
    "anyone": set(CALLERS),
}
EVENT_ENTITY: Final = "event.home_emergency"
DEVICE_NAME: Final = "wallpanel"
# Actions with a test of their own (they need more than the two recipients).
OWN_TESTS: Final = {"acknowledge": "test_acknowledge_allowed"}

type Check = Callable[[PushoverSimulator, ServiceResponse, str | None], None]


@dataclass(frozen=True, slots=True)
class Case:
    """One action called one way: what it needs and what it does at Pushover."""

    action: str
    data: dict[str, Any]
    access: str
    check: Check
    domain: str = DOMAIN
    entry: bool = True
    emergency: bool = False
    # An open alarm with the key "leak" (send_alarm) is there before the call.
    alarm: bool = False
    refused_entity: str | None = None
    prepare: Callable[[PushoverSimulator], None] = field(default=lambda _sim: None)


def member(sim: PushoverSimulator, user_key: str) -> Any:
    """Return the demo group's entry for ``user_key`` (None when absent)."""
    found = [m for m in sim.groups[DEMO_GROUP].members if m.user == user_key]
    return found[0] if found else None


def paths(sim: PushoverSimulator) -> list[str]:
    """Return the method and path of every request the simulator saw."""
    return [f"{r['method']} {r['path']}" for r in sim.requests]


def sent_to(user_key: str, priority: str | None = None) -> Check:
    """Check that one message "Hi" went to ``user_key`` (at ``priority``)."""

    def _check(sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None) -> None:
        [msg] = sim.messages
        assert (msg["message"], msg["user"], msg["users"]) == (
            "Hi",
            user_key,
            [user_key],
        )
        assert msg.get("priority") == priority

    return _check


def _group_created(
    sim: PushoverSimulator, resp: ServiceResponse, _r: str | None
) -> None:
    assert resp is not None
    assert sim.groups[str(resp["group_key"])].name == "Sitters"


def _user_added(sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None) -> None:
    assert member(sim, NEW_USER).memo == "weekend"


def _user_removed(
    sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None
) -> None:
    assert member(sim, DEMO_USER2) is None
    assert member(sim, DEMO_USER) is not None


def _user_disabled(
    sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None
) -> None:
    assert member(sim, DEMO_USER).disabled is True


def _user_enabled(
    sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None
) -> None:
    assert member(sim, DEMO_USER).disabled is False


def _disable_alice(sim: PushoverSimulator) -> None:
    member(sim, DEMO_USER).disabled = True


def _renamed(sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None) -> None:
    assert sim.groups[DEMO_GROUP].name == "Family"


def _migrated(sim: PushoverSimulator, resp: ServiceResponse, _r: str | None) -> None:
    assert resp is not None
    sub = sim.users[str(resp["subscribed_user_key"])]
    assert (sub.subscribed_from, sub.subscription) == (DEMO_USER, DEMO_SUBSCRIPTION)


def _licensed(sim: PushoverSimulator, resp: ServiceResponse, _r: str | None) -> None:
    assert sim.license_assignments == [{"user": DEMO_USER2, "email": "", "os": "iOS"}]
    assert resp == {"credits": 9}


def _glanced(sim: PushoverSimulator, _resp: ServiceResponse, _r: str | None) -> None:
    assert sim.glances == {(DEMO_USER, ""): {"title": "Tank", "percent": "40"}}


def _canceled(
    sim: PushoverSimulator, resp: ServiceResponse, receipt: str | None
) -> None:
    assert receipt is not None
    assert sim.receipts[receipt].canceled
    assert resp == {"canceled": 1}


def _resolved(sim: PushoverSimulator, resp: ServiceResponse, _r: str | None) -> None:
    [receipt] = sim.receipts.values()
    assert receipt.canceled
    assert resp == {"resolved": 1}


def _receipt_read(
    sim: PushoverSimulator, resp: ServiceResponse, receipt: str | None
) -> None:
    assert f"GET /1/receipts/{receipt}.json" in paths(sim)
    assert resp is not None
    assert resp["acknowledged"] is False


def _validated(sim: PushoverSimulator, resp: ServiceResponse, _r: str | None) -> None:
    assert "POST /1/users/validate.json" in paths(sim)
    assert resp == {
        "valid": True,
        "group": False,
        "devices": ["phone", "tablet"],
        "licenses": ["Android", "iOS"],
    }


def _listed(sim: PushoverSimulator, resp: ServiceResponse, _r: str | None) -> None:
    assert "GET /1/groups.json" in paths(sim)
    assert resp == {"groups": [{"group_key": DEMO_GROUP, "name": "Household"}]}


def _info(sim: PushoverSimulator, resp: ServiceResponse, _r: str | None) -> None:
    assert f"GET /1/groups/{DEMO_GROUP}.json" in paths(sim)
    assert resp is not None
    assert resp["name"] == "Household"


CASES: Final[dict[str, Case]] = {
    "send_message[entity]": Case(
        "send_message",
        {"entity_id": "notify.alice", "message": "Hi"},
        "control",
        sent_to(DEMO_USER),
        entry=False,
        refused_entity="notify.alice",
    ),
    "send_message[user_key]": Case(
        "send_message",
        {"user_key": DEMO_USER2, "message": "Hi"},
        "admin",
        sent_to(DEMO_USER2),
    ),
    "send_alarm": Case(
        "send_alarm",
        {"steps": [{"targets": ["notify.alice"]}], "message": "Hi"},
        "control",
        sent_to(DEMO_USER, priority="2"),
        entry=False,
        refused_entity="notify.alice",
    ),
    "cancel_emergency": Case(
        "cancel_emergency",
        {},
        "control",
        _canceled,
        emergency=True,
        refused_entity=EVENT_ENTITY,
    ),
    "resolve_alarm": Case(
        "resolve_alarm",
        {"key": "leak"},
        "control",
        _resolved,
        alarm=True,
        refused_entity=EVENT_ENTITY,
    ),
    "get_receipt": Case("get_receipt", {}, "anyone", _receipt_read, emergency=True),
    "validate_user": Case(
        "validate_user", {"user_key": DEMO_USER}, "anyone", _validated
    ),
    "group_list": Case("group_list", {}, "anyone", _listed),
    # It shows the members' user keys and memos.
    "group_info": Case("group_info", {"group_key": DEMO_GROUP}, "admin", _info),
    "group_create": Case("group_create", {"name": "Sitters"}, "admin", _group_created),
    "group_add_user": Case(
        "group_add_user",
        {"group_key": DEMO_GROUP, "user_key": NEW_USER, "memo": "weekend"},
        "admin",
        _user_added,
    ),
    "group_remove_user": Case(
        "group_remove_user",
        {"group_key": DEMO_GROUP, "user_key": DEMO_USER2},
        "admin",
        _user_removed,
    ),
    "group_disable_user": Case(
        "group_disable_user",
        {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
        "admin",
        _user_disabled,
    ),
    "group_enable_user": Case(
        "group_enable_user",
        {"group_key": DEMO_GROUP, "user_key": DEMO_USER},
        "admin",
        _user_enabled,
        prepare=_disable_alice,
    ),
    "group_rename": Case(
        "group_rename",
        {"group_key": DEMO_GROUP, "name": "Family"},
        "admin",
        _renamed,
    ),
    "migrate_to_subscription": Case(
        "migrate_to_subscription",
        {"user_key": DEMO_USER, "subscription_code": DEMO_SUBSCRIPTION},
        "admin",
        _migrated,
    ),
    "assign_license": Case(
        "assign_license", {"user_key": DEMO_USER2, "os": "iOS"}, "admin", _licensed
    ),
    "send_glance": Case(
        "send_glance",
        {"user_key": DEMO_USER, "title": "Tank", "percent": 40},
        "admin",
        _glanced,
    ),
    # For comparison: Home Assistant's own notify actions.
    "notify.send_message": Case(
        "send_message",
        {"entity_id": "notify.alice", "message": "Hi"},
        "control",
        sent_to(DEMO_USER),
        domain="notify",
        entry=False,
        refused_entity="notify.alice",
    ),
    # The legacy action sends through the recipient's notify entity: the same
    # rule as notify.send_message on it.
    "notify.alice": Case(
        "alice",
        {"message": "Hi"},
        "control",
        sent_to(DEMO_USER),
        domain="notify",
        entry=False,
        refused_entity="notify.alice",
    ),
}


@pytest.fixture
def recipients(
    request: pytest.FixtureRequest, sim: PushoverSimulator
) -> list[dict[str, Any]]:
    """Alice and Bob; with the parameter ``True`` also an Open Client device of Alice."""
    people = [recipient(ALICE, "Alice", DEMO_USER), recipient(BOB, "Bob", DEMO_USER2)]
    if getattr(request, "param", False):
        device, secret = sim.add_open_client_device(DEMO_USER, DEVICE_NAME)
        data = {
            CONF_USER_KEY: device.user,
            CONF_OPEN_CLIENT_ID: device.id,
            CONF_SECRET: secret,
            CONF_NAME: device.name,
        }
        people.append(
            {
                "subentry_id": "wallpanel_subentry",
                "subentry_type": SUBENTRY_OPEN_CLIENT,
                "title": DEVICE_NAME,
                "data": data,
                "unique_id": None,
            }
        )
    return people


@pytest.fixture
async def users(
    hass: HomeAssistant, hass_admin_user: MockUser, hass_read_only_user: MockUser
) -> dict[str, MockUser | None]:
    """The four callers; an automation has no user."""
    group = await hass.auth.async_get_group(GROUP_ID_USER)
    assert group is not None
    user = MockUser(groups=[group]).add_to_hass(hass)
    assert not user.is_admin
    assert user.permissions.check_entity("notify.alice", POLICY_CONTROL)
    return {
        ADMIN: hass_admin_user,
        USER: user,
        READ_ONLY: hass_read_only_user,
        AUTOMATION: None,
    }


def context(user: MockUser | None) -> Context:
    """Return the context of a call made by ``user`` (none: an automation)."""
    return Context(user_id=user.id if user is not None else None)


async def call(
    hass: HomeAssistant, domain: str, action: str, data: dict[str, Any], ctx: Context
) -> ServiceResponse:
    """Call an action as the context's caller, with a response when it gives one."""
    return await hass.services.async_call(
        domain,
        action,
        data,
        blocking=True,
        context=ctx,
        return_response=hass.services.supports_response(domain, action)
        != SupportsResponse.NONE,
    )


async def open_emergency(hass: HomeAssistant, sim: PushoverSimulator) -> str:
    """Send an emergency to Alice as an automation; return its receipt."""
    response = await call(
        hass,
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "Leak", "priority": 2},
        Context(),
    )
    assert response is not None
    [result] = cast(list[dict[str, Any]], response["recipients"])
    receipt = str(result["receipt"])
    assert receipt in sim.receipts
    sim.messages.clear()
    return receipt


async def open_alarm(hass: HomeAssistant, sim: PushoverSimulator) -> None:
    """Start an alarm to Alice with the key "leak", as an automation."""
    await call(
        hass,
        DOMAIN,
        "send_alarm",
        {"key": "leak", "message": "Leak", "steps": [{"targets": ["notify.alice"]}]},
        Context(),
    )
    sim.messages.clear()


async def assert_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    call_args: tuple[str, str, dict[str, Any]],
    user: MockUser,
    entity_id: str | None,
    permission: str | None = POLICY_CONTROL,
) -> None:
    """Assert the call is refused for ``user`` and reaches nothing at Pushover."""
    seen = len(sim.requests)
    with pytest.raises(Unauthorized) as err:
        await call(hass, *call_args, context(user))
    assert err.value.context is not None
    assert err.value.context.user_id == user.id
    assert err.value.entity_id == entity_id
    if entity_id is not None:
        assert err.value.permission == permission
    await hass.async_block_till_done()
    assert paths(sim)[seen:] == []
    assert sim.messages == []


async def test_every_action_is_in_the_matrix(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A new action cannot slip past this file without its row."""
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    covered = {case.action for case in CASES.values() if case.domain == DOMAIN}
    covered |= set(OWN_TESTS)
    assert registered == covered == {"send_message", "send_alarm", *ACTIONS}


def calls(allowed: bool) -> list[Any]:
    """The (case, caller) pairs of the matrix that CONTRACT §4 allows, or refuses."""
    return [
        pytest.param(case_id, caller, id=f"{case_id}-{caller}")
        for case_id in sorted(CASES)
        for caller in CALLERS
        if (caller in ALLOWED[CASES[case_id].access]) is allowed
    ]


async def prepare(
    hass: HomeAssistant, sim: PushoverSimulator, entry: MockConfigEntry, case: Case
) -> tuple[dict[str, Any], str | None]:
    """Set up what the case needs; return the call's data and the emergency's receipt."""
    sim.add_user(NEW_USER, devices=["phone"])
    case.prepare(sim)
    data = dict(case.data)
    if case.entry:
        data["config_entry_id"] = entry.entry_id
    receipt = await open_emergency(hass, sim) if case.emergency else None
    if receipt is not None:
        data["receipt"] = receipt
    if case.alarm:
        await open_alarm(hass, sim)
    return data, receipt


@pytest.mark.parametrize(("case_id", "caller"), calls(allowed=True))
async def test_allowed_caller_gets_it_done(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    users: dict[str, MockUser | None],
    case_id: str,
    caller: str,
) -> None:
    """A caller CONTRACT §4 allows: the action is done at Pushover."""
    case = CASES[case_id]
    data, receipt = await prepare(hass, sim, loaded_entry, case)
    response = await call(hass, case.domain, case.action, data, context(users[caller]))
    case.check(sim, response, receipt)


@pytest.mark.parametrize(("case_id", "caller"), calls(allowed=False))
async def test_refused_caller_reaches_nothing(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    users: dict[str, MockUser | None],
    case_id: str,
    caller: str,
) -> None:
    """Any other caller: ``Unauthorized``, and nothing reaches Pushover."""
    case = CASES[case_id]
    data, _receipt = await prepare(hass, sim, loaded_entry, case)
    user = users[caller]
    assert user is not None
    await assert_refused(
        hass, sim, (case.domain, case.action, data), user, case.refused_entity
    )


class DoorCamera(Camera):
    """A camera whose picture is a small PNG."""

    _attr_name = "Door"
    _attr_should_poll = False

    def __init__(self) -> None:
        """Serve PNG pictures."""
        super().__init__()
        self.content_type = "image/png"

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return the current picture."""
        return PNG


@pytest.fixture
async def camera(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> str:
    """A camera entity, ``camera.door``."""
    setup_test_component_platform(hass, "camera", [DoorCamera()])
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()
    assert hass.states.get("camera.door") is not None
    return "camera.door"


def policy_user(hass: HomeAssistant, entity_ids: dict[str, Any]) -> MockUser:
    """Return a non-admin user with exactly these entity permissions."""
    user = MockUser().add_to_hass(hass)
    user.mock_policy({"entities": {"entity_ids": entity_ids}})
    assert not user.is_admin
    return user


CAMERA_CALL: Final = (
    DOMAIN,
    "send_message",
    {"entity_id": "notify.alice", "message": "Hi", "camera": "camera.door"},
)


ALARM_CAMERA_CALL: Final = (
    DOMAIN,
    "send_alarm",
    {
        "steps": [{"targets": ["notify.alice"]}],
        "message": "Hi",
        "camera": "camera.door",
    },
)


LEGACY_CAMERA_CALL: Final = (
    "notify",
    "alice",
    {"message": "Hi", "data": {"camera": "camera.door"}},
)


@pytest.mark.parametrize(
    "camera_call",
    [CAMERA_CALL, ALARM_CAMERA_CALL, LEGACY_CAMERA_CALL],
    ids=["send_message", "send_alarm", "legacy"],
)
async def test_camera_needs_read_permission(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    camera: str,
    camera_call: tuple[str, str, dict[str, Any]],
) -> None:
    """Control of the recipient is not enough to mail a camera's picture away."""
    blind = policy_user(hass, {"notify.alice": True})
    await assert_refused(hass, sim, camera_call, blind, camera, POLICY_READ)
    seeing = policy_user(hass, {"notify.alice": True, camera: {"read": True}})
    await call(hass, *camera_call, context(seeing))
    [msg] = sim.messages
    assert msg["user"] == DEMO_USER
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "door.png"


async def test_camera_callers(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    camera: str,
    users: dict[str, MockUser | None],
) -> None:
    """Read-only users cannot send at all; the others attach the picture."""
    read_only = users[READ_ONLY]
    assert read_only is not None
    await assert_refused(hass, sim, CAMERA_CALL, read_only, "notify.alice")
    for caller in (ADMIN, USER, AUTOMATION):
        await call(hass, *CAMERA_CALL, context(users[caller]))
    assert [m["attachment"] for m in sim.messages] == [PNG] * 3


async def test_camera_with_raw_user_key_needs_admin(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    camera: str,
    users: dict[str, MockUser | None],
) -> None:
    """No user may mail a camera's picture to any key they type."""
    data = {
        "config_entry_id": loaded_entry.entry_id,
        "user_key": DEMO_USER2,
        "message": "Hi",
        "camera": camera,
    }
    user = users[USER]
    assert user is not None
    await assert_refused(hass, sim, (DOMAIN, "send_message", data), user, None)
    await call(hass, DOMAIN, "send_message", data, context(users[ADMIN]))
    [msg] = sim.messages
    assert (msg["user"], msg["attachment"]) == (DEMO_USER2, PNG)


async def test_one_forbidden_target_sends_to_nobody(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A call naming a target the user may not control sends to none of them."""
    user = policy_user(hass, {"notify.alice": True})
    both = {"entity_id": ["notify.alice", "notify.bob"], "message": "Hi"}
    await assert_refused(hass, sim, (DOMAIN, "send_message", both), user, "notify.bob")
    with_key = {
        "entity_id": "notify.alice",
        "config_entry_id": loaded_entry.entry_id,
        "user_key": DEMO_USER2,
        "message": "Hi",
    }
    await assert_refused(hass, sim, (DOMAIN, "send_message", with_key), user, None)
    await call(
        hass,
        DOMAIN,
        "send_message",
        both | {"entity_id": "notify.alice"},
        context(user),
    )
    assert [m["user"] for m in sim.messages] == [DEMO_USER]


async def test_device_and_area_targets_are_checked(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    users: dict[str, MockUser | None],
) -> None:
    """Targets given as a device or an area are checked entity by entity."""
    entities = er.async_get(hass)
    alice, bob = (entities.async_get(f"notify.{name}") for name in ("alice", "bob"))
    assert alice is not None and alice.device_id is not None
    assert bob is not None and bob.device_id is not None
    area = ar.async_get(hass).async_create("Hall")
    devices = dr.async_get(hass)
    for reg in (alice, bob):
        devices.async_update_device(str(reg.device_id), area_id=area.id)
    read_only = users[READ_ONLY]
    assert read_only is not None
    by_device = {"device_id": alice.device_id, "message": "Hi"}
    await assert_refused(
        hass, sim, (DOMAIN, "send_message", by_device), read_only, "notify.alice"
    )
    only_alice = policy_user(hass, {"notify.alice": True})
    by_area = {"area_id": area.id, "message": "Hi"}
    await assert_refused(
        hass, sim, (DOMAIN, "send_message", by_area), only_alice, "notify.bob"
    )
    await call(hass, DOMAIN, "send_message", by_device, context(only_alice))
    await call(hass, DOMAIN, "send_message", by_area, context(users[USER]))
    assert [sorted(m["users"]) for m in sim.messages] == [
        [DEMO_USER],
        sorted([DEMO_USER, DEMO_USER2]),
    ]


async def test_cancel_needs_this_entrys_event_entity(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    office_entry: MockConfigEntry,
) -> None:
    """Canceling asks for control of the entry's own event entity, nothing else."""
    receipt = await open_emergency(hass, sim)
    data = {"config_entry_id": loaded_entry.entry_id, "receipt": receipt}
    cancel = (DOMAIN, "cancel_emergency", data)
    assert hass.states.get("event.office_emergency") is not None
    for entity_ids in (
        {"notify.alice": True},
        {"event.office_emergency": True},
        {EVENT_ENTITY: {"read": True}},
    ):
        user = policy_user(hass, entity_ids)
        await assert_refused(hass, sim, cancel, user, EVENT_ENTITY)
    assert not sim.receipts[receipt].canceled
    user = policy_user(hass, {EVENT_ENTITY: {"control": True}})
    assert await call(hass, *cancel, context(user)) == {"canceled": 1}
    assert sim.receipts[receipt].canceled


@pytest.fixture
async def received_emergency(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> dict[str, str]:
    """An emergency this Home Assistant's device received; the acknowledge data."""
    async with asyncio.timeout(10):
        await sim.wait_push_connections(1)
        receipt = await open_emergency(hass, sim)
        # The device downloads the alarm and deletes it at Pushover: wait for that.
        await sim.wait_until(
            lambda: any(
                r["path"].endswith("update_highest_message.json") and r["status"]
                for r in sim.requests
            )
        )
    return {"config_entry_id": loaded_entry.entry_id, "receipt": receipt}


@pytest.mark.parametrize("recipients", [True], indirect=True)
@pytest.mark.parametrize("caller", sorted(ALLOWED["control"]))
async def test_acknowledge_allowed(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    users: dict[str, MockUser | None],
    received_emergency: dict[str, str],
    caller: str,
) -> None:
    """Acknowledging through this Home Assistant's device: whoever controls things."""
    await call(hass, DOMAIN, "acknowledge", received_emergency, context(users[caller]))
    rec = sim.receipts[received_emergency["receipt"]]
    assert (rec.acknowledged_by, rec.acknowledged_by_device) == (DEMO_USER, DEVICE_NAME)


@pytest.mark.parametrize("recipients", [True], indirect=True)
@pytest.mark.parametrize("caller", sorted(set(CALLERS) - ALLOWED["control"]))
async def test_acknowledge_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    users: dict[str, MockUser | None],
    received_emergency: dict[str, str],
    caller: str,
) -> None:
    """A read-only user may not: the event entity is the one asked for."""
    user = users[caller]
    assert user is not None
    call_args = (DOMAIN, "acknowledge", received_emergency)
    await assert_refused(hass, sim, call_args, user, EVENT_ENTITY)
    assert not sim.receipts[received_emergency["receipt"]].acknowledged


async def test_a_caller_who_no_longer_exists_is_refused(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A call in the name of a removed user: ``UnknownUser``, nothing sent."""
    with pytest.raises(UnknownUser):
        await call(
            hass,
            DOMAIN,
            "send_message",
            {"entity_id": "notify.alice", "message": "Hi"},
            Context(user_id="removed-user-id"),
        )
    assert sim.messages == []


async def test_legacy_action_without_its_entity_needs_an_administrator(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    users: dict[str, MockUser | None],
) -> None:
    """No notify entity to hold the permission: only an administrator may send."""
    er.async_get(hass).async_remove("notify.alice")
    await hass.async_block_till_done()
    legacy = ("notify", "alice", {"message": "Hi"})
    user = users[USER]
    assert user is not None
    await assert_refused(hass, sim, legacy, user, None)
    await call(hass, *legacy, context(users[ADMIN]))
    assert [(m["message"], m["users"]) for m in sim.messages] == [("Hi", [DEMO_USER])]
