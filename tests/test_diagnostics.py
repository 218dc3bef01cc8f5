"""Diagnostics: what helps a bug report, no secret and no personal note."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.pushover_complete.const import DOMAIN
from custom_components.pushover_complete.diagnostics import (
    async_get_config_entry_diagnostics,
)
from homeassistant.core import HomeAssistant
from pushover_simulator import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER2,
    GroupMember,
    PushoverSimulator,
)

from .conftest import ALICE, BOB, WEBHOOK_ID, recipient

ENCRYPTION_KEY = "1f046d257b8eeaf278c5218fe03a9887c21f80ecd5ad11e39f28cb7cb8b9ce03"
MEMO = "Grandma's tablet, kitchen"
DEVICE_SECRET = "Xq3vN8pL2sT6wY9zB1cD4fG7hJ0kM5nR"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in ``tests/snapshots``, as core keeps them."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def recipients() -> list[dict[str, Any]]:
    """Alice with an encryption key and a default sound, and a delivery group."""
    return [
        recipient(ALICE, "Alice", DEMO_USER, encryption_key=ENCRYPTION_KEY),
        recipient(BOB, "Household", DEMO_GROUP, sound="bugle"),
    ]


@pytest.fixture
async def diagnosed_entry(
    hass: HomeAssistant, sim: PushoverSimulator, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry loaded, its group members with memos, its quota fixed."""
    sim.set_quota(limit=10_000, remaining=7_500, reset=4_102_444_800)
    sim.set_license_credits(3)
    sim.add_group(
        DEMO_GROUP,
        "Household",
        members=[
            GroupMember(DEMO_USER, device="phone", memo=MEMO),
            GroupMember(DEMO_USER2, memo=MEMO, disabled=True),
        ],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


async def test_diagnostics(
    hass: HomeAssistant,
    diagnosed_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Entry, recipients, group members, sounds, account and counters."""
    assert await async_get_config_entry_diagnostics(hass, diagnosed_entry) == snapshot


async def test_diagnostics_hold_no_secret_and_no_memo(
    hass: HomeAssistant, diagnosed_entry: MockConfigEntry
) -> None:
    """Token, user and group keys, encryption key, webhook id and memos stay out."""
    text = repr(await async_get_config_entry_diagnostics(hass, diagnosed_entry))
    for secret in (
        DEMO_TOKEN,
        DEMO_USER,
        DEMO_USER2,
        DEMO_GROUP,
        ENCRYPTION_KEY,
        WEBHOOK_ID,
        MEMO,
    ):
        assert secret not in text


async def test_diagnostics_show_current_group_members(
    hass: HomeAssistant, sim: PushoverSimulator, diagnosed_entry: MockConfigEntry
) -> None:
    """A group's members are read when diagnostics are asked for, never stale."""
    await hass.services.async_call(
        DOMAIN,
        "group_enable_user",
        {
            "config_entry_id": diagnosed_entry.entry_id,
            "group_key": DEMO_GROUP,
            "user_key": DEMO_USER2,
        },
        blocking=True,
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, diagnosed_entry)
    group = diagnostics["recipients"][1]["group"]
    assert group["members"] == [
        {"device": "phone", "disabled": False},
        {"device": None, "disabled": False},
    ]
    assert diagnostics["recipients"][0]["group"] is None


async def test_diagnostics_while_pushover_is_down(
    hass: HomeAssistant, sim: PushoverSimulator, diagnosed_entry: MockConfigEntry
) -> None:
    """Group members that cannot be read are left out; the rest still shows."""
    sim.inject_fault("groups/" + DEMO_GROUP + ".json", "503")
    diagnostics = await async_get_config_entry_diagnostics(hass, diagnosed_entry)
    assert diagnostics["recipients"][1]["group"] is None
    assert diagnostics["account"]["remaining"] == 7_500


@pytest.mark.parametrize(
    "recipients",
    [
        [
            recipient(ALICE, "Alice", DEMO_USER),
            {
                "subentry_id": "open_client",
                "subentry_type": "device",
                "title": "homeassistant",
                "data": {
                    "user_key": DEMO_USER,
                    "device_id": "d" * 16,
                    "secret": DEVICE_SECRET,
                    "name": "homeassistant",
                },
                "unique_id": None,
            },
        ]
    ],
)
async def test_diagnostics_redact_a_device_secret(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An Open Client device's secret stays out; no group is looked up for it."""
    # The device's receiver tries to connect (the simulator knows no such device).
    await hass.async_block_till_done(wait_background_tasks=True)
    requests = len(sim.requests)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    device = diagnostics["recipients"][1]
    assert device["data"]["secret"] == "**REDACTED**"
    assert device["group"] is None
    assert DEVICE_SECRET not in repr(diagnostics)
    # One look-up only: whether Alice's key is a group's.
    looked_up = [r["path"] for r in sim.requests[requests:]]
    assert looked_up == [f"/1/groups/{DEMO_USER}.json"]
