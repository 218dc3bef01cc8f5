"""The configuration a development Home Assistant starts from, written before it starts.

``configuration.yaml`` (no ``default_config``: the integrations it needs, listed), the
HTTP settings where Home Assistant 2026.x keeps them (``.storage/http``), onboarding marked
done but for the owner, and the working tree's integration linked into ``custom_components``.
Shared by ``scripts/develop`` and the browser test through ``live.py``. Standard library
only.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "pushover_complete"
HOST = "127.0.0.1"

CONFIGURATION_YAML = """\
# Written by scripts/develop / tests/e2e (tests/e2e/dev_config.py), rewritten at each start while
# this first line is here: delete it to keep your own changes. No default_config on purpose:
# it pulls go2rtc and installs packages; list the integrations you need instead.
homeassistant:
  name: {name}
  latitude: 52.0
  longitude: 4.0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  currency: EUR
  # This Home Assistant itself, on 127.0.0.1 only: the integration's webhook is the
  # emergency callback (the simulator calls it) and the address of the links of actions in
  # messages (the browser opens them from the simulator's inbox).
  external_url: "http://{host}:{port}"
{http}logger:
  default: info
  logs:
    custom_components.{domain}: debug
api:
config:
onboarding:
# Entity history and the logbook (both read the recorder's database in this folder).
recorder:
  purge_keep_days: 3
history:
logbook:
# Scripts and automations made in the UI's editors live here; helpers (an input_boolean)
# can be made under Settings → Devices & services → Helpers.
script: !include scripts.yaml
automation: !include automations.yaml
input_boolean:
"""

# The files the UI's script and automation editors write, empty as Home Assistant makes them.
EDITOR_FILES = {"scripts.yaml": "", "automations.yaml": "[]\n"}

HTTP_YAML = """\
http:
  server_host: {host}
  server_port: {port}
"""


def http_config_in_storage() -> bool:
    """Whether this Home Assistant keeps the HTTP settings in .storage/http (2026.x).

    It then migrates ``http:`` from YAML once, as a *pending* trial that it reverts five
    minutes later, unless confirmed, by restarting on the stable settings (port 8123 on
    every interface). So the settings are written as the stable ones instead.
    """
    spec = importlib.util.find_spec("homeassistant")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    return any(
        (Path(loc) / "components" / "http" / "config.py").exists()
        for loc in spec.submodule_search_locations
    )


def write_http_storage(config_dir: Path, port: int) -> None:
    """.storage/http: 127.0.0.1:port as the confirmed config, nothing pending."""
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    stable = {
        "server_port": port,
        "server_host": [HOST],
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": "2026-01-01T00:00:00+00:00",
        "error": None,
        "error_message": None,
    }
    data = {"stable": stable, "pending": None, "yaml_migration_done": True}
    (storage / "http").write_text(
        json.dumps(
            {"version": 2, "minor_version": 2, "key": "http", "data": data}, indent=2
        )
    )


# Onboarding steps that scripts/develop marks done before the first start. The frontend's
# core_config step would also set up google_translate, met, radio_browser and shopping_list
# (whose packages --skip-pip does not install: a failing "Google Translate" card); the
# location and units come from configuration.yaml instead, and analytics stays off.
SEEDED_ONBOARDING_STEPS = ("core_config", "analytics", "integration")


def seed_onboarding(config_dir: Path) -> bool:
    """.storage/onboarding with every step but the owner's done, for a new config only.

    The owner is then created over the REST API (``HomeAssistantClient.onboard``). Returns
    whether it wrote the file: an existing configuration (already onboarded, or begun in
    the browser) is left alone.
    """
    storage = config_dir / ".storage"
    if (storage / "onboarding").exists() or (storage / "auth").exists():
        return False
    storage.mkdir(parents=True, exist_ok=True)
    data = {"done": list(SEEDED_ONBOARDING_STEPS)}
    (storage / "onboarding").write_text(
        json.dumps(
            {"version": 4, "minor_version": 1, "key": "onboarding", "data": data},
            indent=2,
        )
    )
    return True


def write_config(
    config_dir: Path, port: int, *, name: str = "dev", overwrite: bool = True
) -> None:
    """A minimal configuration with the working tree's integration linked in."""
    config_dir.mkdir(parents=True, exist_ok=True)
    yaml = config_dir / "configuration.yaml"
    ours = yaml.exists() and yaml.read_text().startswith("# Written by scripts/develop")
    if overwrite or ours or not yaml.exists():
        in_storage = http_config_in_storage()
        http_yaml = (
            f"# http: kept in .storage/http (rewritten at each start): {HOST}:{port}\n"
            if in_storage
            else HTTP_YAML.format(host=HOST, port=port)
        )
        yaml.write_text(
            CONFIGURATION_YAML.format(
                name=name, host=HOST, port=port, domain=DOMAIN, http=http_yaml
            )
        )
    for file_name, empty in EDITOR_FILES.items():
        if not (path := config_dir / file_name).exists():
            path.write_text(empty)
    if http_config_in_storage():
        write_http_storage(config_dir, port)
    seed_onboarding(config_dir)
    links = config_dir / "custom_components"
    links.mkdir(exist_ok=True)
    link = links / DOMAIN
    target = REPO / "custom_components" / DOMAIN
    # Relative when inside the repository, so it also resolves inside the chroot (/proj).
    try:
        rel = os.path.relpath(target, links)
    except ValueError:  # pragma: no cover - other drive
        rel = str(target)
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return
        link.unlink()
    link.symlink_to(rel if config_dir.resolve().is_relative_to(REPO) else target)
