"""What ``scripts/develop`` prints and writes (``tests/e2e/live.py``), without starting it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
import pushover_simulator

from .demo import actions_menu, demo_identities, print_demo_identities
from .dev_config import write_config

DEMO_CONSTANTS = sorted(
    name for name in vars(pushover_simulator) if name.startswith("DEMO_")
)


@pytest.mark.parametrize("name", DEMO_CONSTANTS)
def test_every_demo_constant_is_printed(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each ``DEMO_*`` value of the simulator is in the table, with what it is for."""
    value = str(getattr(pushover_simulator, name))
    (identity,) = [item for item in demo_identities() if value in item.value]
    assert identity.purpose
    print_demo_identities()
    (line,) = [line for line in capsys.readouterr().out.splitlines() if value in line]
    assert line.rstrip().endswith(identity.purpose)


def test_demo_identities_cover_the_seed() -> None:
    """Both demo users, the group and the token, as a fresh simulator seeds them."""
    labels = [identity.label for identity in demo_identities()]
    assert labels[:4] == ["application token", "user key 1", "user key 2", "group key"]
    assert len(set(labels)) == len(labels)
    assert {"DEMO_TOKEN", "DEMO_USER", "DEMO_USER2", "DEMO_GROUP"} <= set(
        DEMO_CONSTANTS
    )


LOGINS = [
    (pushover_simulator.DEMO_EMAIL, pushover_simulator.DEMO_USER),
    (pushover_simulator.DEMO_2FA_EMAIL, pushover_simulator.DEMO_USER2),
]


@pytest.mark.parametrize(("email", "user_key"), LOGINS)
def test_each_login_names_its_user_key(email: str, user_key: str) -> None:
    """A demo login's row names the user key it logs in as, and the UI's button."""
    identities = demo_identities()
    (login,) = [item for item in identities if email in item.value]
    (key,) = [item for item in identities if item.value == user_key]
    assert f"({key.label})" in login.owner
    assert login.purpose.startswith("Receive messages in Home Assistant → ")


def test_every_identity_says_what_it_belongs_to() -> None:
    """No row without its owner: an application, a user, a group or the account."""
    assert all(identity.owner for identity in demo_identities())


def test_a_new_configuration_skips_the_default_integrations(tmp_path: Path) -> None:
    """Onboarding's core_config step (google_translate, met, ...) is marked done up front."""
    write_config(tmp_path, 8123)
    stored = json.loads((tmp_path / ".storage" / "onboarding").read_text())
    assert stored["data"]["done"] == ["core_config", "analytics", "integration"]


def test_an_onboarded_configuration_is_left_alone(tmp_path: Path) -> None:
    """A configuration with its own onboarding state keeps it."""
    onboarding = tmp_path / ".storage" / "onboarding"
    onboarding.parent.mkdir()
    onboarding.write_text('{"version": 4, "data": {"done": ["user"]}}')
    write_config(tmp_path, 8123)
    assert json.loads(onboarding.read_text())["data"]["done"] == ["user"]


class IncludeLoader(yaml.SafeLoader):
    """Home Assistant's YAML as far as these tests read it: ``!include`` names a file."""


IncludeLoader.add_constructor(
    "!include", lambda loader, node: {"!include": loader.construct_scalar(node)}
)


def test_development_configuration(tmp_path: Path) -> None:
    """History, logbook, the editors' files; no default_config; our integration linked."""
    write_config(tmp_path, 8123)
    config = yaml.load(  # a SafeLoader with one more tag
        (tmp_path / "configuration.yaml").read_text(), Loader=IncludeLoader
    )
    assert {"recorder", "history", "logbook", "api", "config", "input_boolean"} <= set(
        config
    )
    # The files of the script and automation editors, which their keys include, exist.
    for key, included in (
        ("script", "scripts.yaml"),
        ("automation", "automations.yaml"),
    ):
        assert config[key] == {"!include": included}
        assert (tmp_path / included).is_file()
    assert "default_config" not in config
    link = tmp_path / "custom_components" / "pushover_complete"
    assert (link / "manifest.json").is_file()


def test_actions_menu_follows_the_version() -> None:
    """Developer tools moved under Settings → Tools in Home Assistant 2026.10."""
    moved = (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10)
    assert actions_menu() == (
        "Settings → Tools → Actions" if moved else "Developer tools → Actions"
    )
