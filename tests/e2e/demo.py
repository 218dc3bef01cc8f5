"""The simulator's demo identities as ``scripts/develop`` prints them.

Each identity says what it is, its value, what it belongs to in the simulated Pushover (which
application, user key or group; the simulator has one account, ``default``) and where it goes
in Home Assistant, in the words the UI shows: those come from the integration's
``translations/en.json`` and manifest, so the printout follows the UI. All values are made-up
demo values the simulator seeds at every start; nothing here is a real secret.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

import pushover_simulator as simulator

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "pushover_complete"


@dataclass(frozen=True)
class Identity:
    """One credential the simulator seeds, what it belongs to, and where it goes."""

    label: str
    value: str
    owner: str
    purpose: str


@dataclass(frozen=True)
class UiWords:
    """Where each identity is entered, in the UI's words."""

    integration: str
    first_flow: dict[str, str]
    recipient: dict[str, str]
    device: dict[str, str]
    twofa: str
    twofa_field: str
    add_recipient: str
    add_device: str
    migrate: str

    @classmethod
    def load(cls) -> UiWords:
        """Read the words from translations/en.json and the manifest."""
        text: dict[str, Any] = json.loads(
            (INTEGRATION / "translations" / "en.json").read_text()
        )
        name = json.loads((INTEGRATION / "manifest.json").read_text())["name"]
        subentries = text["config_subentries"]
        device = subentries["device"]
        migrate = text["services"]["migrate_to_subscription"]
        return cls(
            integration=name,
            first_flow=text["config"]["step"]["user"]["data"],
            recipient=subentries["recipient"]["step"]["user"]["data"],
            device=device["step"]["user"]["data"],
            twofa=device["step"]["twofa"]["title"],
            twofa_field=device["step"]["twofa"]["data"]["twofa"],
            add_recipient=subentries["recipient"]["initiate_flow"]["user"],
            add_device=device["initiate_flow"]["user"],
            migrate=(
                f"{actions_menu()} → {name}: {migrate['name']} → "
                f"{migrate['fields']['subscription_code']['name']}"
            ),
        )

    def first(self, field: str) -> str:
        """A field of the first flow (Add integration)."""
        return f"Add integration → {self.integration} → {self.first_flow[field]}"


def actions_menu() -> str:
    """Where this Home Assistant keeps the action form."""
    from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):
        return "Settings → Tools → Actions"
    return "Developer tools → Actions"


def user_numbers(sim: simulator.PushoverSimulator) -> dict[str, int]:
    """User key → its number in the table (user 1, user 2, ...)."""
    return {key: number for number, key in enumerate(sim.users, start=1)}


def account_identities(
    sim: simulator.PushoverSimulator, words: UiWords
) -> list[Identity]:
    """The application token, user keys, groups and subscription codes."""
    numbers = user_numbers(sim)
    found = [
        Identity(
            "application token",
            app.token,
            f'application "{app.name}"',
            words.first("api_key"),
        )
        for app in sim.apps.values()
    ]
    for user in sim.users.values():
        number = numbers[user.key]
        where = (
            words.first("user_key")
            if number == 1
            else f"{words.add_recipient} → {words.recipient['user_key']}"
        )
        devices = ", ".join(user.devices) or "none"
        found.append(
            Identity(
                f"user key {number}",
                user.key,
                f"user {number}, devices {devices}",
                where,
            )
        )
    for group in sim.groups.values():
        members = " and ".join(str(numbers[m.user]) for m in group.members)
        found.append(
            Identity(
                "group key",
                group.key,
                f'group "{group.name}": users {members}',
                f"{words.add_recipient} → {words.recipient['user_key']}",
            )
        )
    found.extend(
        Identity("subscription code", code, f'account "{account}"', words.migrate)
        for code, account in sim.subscriptions.items()
    )
    return found


def login_identities(
    sim: simulator.PushoverSimulator, words: UiWords
) -> list[Identity]:
    """The Open Client logins (Receive messages in Home Assistant), by user."""
    numbers = user_numbers(sim)
    login_fields = f"{words.device['email']} / {words.device['password']}"
    found = []
    for login in sim.open_client.logins.values():
        number = numbers[login.user]
        owner = f"user {number} (user key {number})"
        if login.twofa is None:
            found.append(
                Identity(
                    "device login",
                    f"{login.email} / {login.password}",
                    owner,
                    f"{words.add_device} → {login_fields}",
                )
            )
            continue
        found.append(
            Identity(
                "two-factor login",
                f"{login.email} / {login.password}",
                owner,
                f"{words.add_device} → {login_fields}, then {words.twofa_field}",
            )
        )
        found.append(
            Identity(
                "two-factor code",
                login.twofa,
                f"user {number}'s login",
                f"{words.add_device} → {words.twofa} → {words.twofa_field}",
            )
        )
    return found


def demo_identities() -> list[Identity]:
    """Every demo identity a freshly seeded simulator has."""
    sim = simulator.PushoverSimulator()
    words = UiWords.load()
    return [*account_identities(sim, words), *login_identities(sim, words)]


def print_demo_identities() -> None:
    """The demo identities as a table: value, what it belongs to, where it goes."""
    identities = demo_identities()
    label = max(len(identity.label) for identity in identities)
    value = max(len(identity.value) for identity in identities)
    owner = max(len(identity.owner) for identity in identities)
    words = UiWords.load()
    print(
        "  demo identities: made-up values the simulator seeds at every start, all in its "
        'one simulated Pushover account, "default".',
        flush=True,
    )
    print(
        f'  "Add integration" is on Settings → Devices & services; "{words.add_recipient}" '
        f'and "{words.add_device}" on its {words.integration} page.',
        flush=True,
    )
    header = ("identity", "value", "belongs to", "where it goes (the UI's words)")
    for row in (header, *((i.label, i.value, i.owner, i.purpose) for i in identities)):
        print(
            f"    {row[0]:<{label}}  {row[1]:<{value}}  {row[2]:<{owner}}  {row[3]}",
            flush=True,
        )
