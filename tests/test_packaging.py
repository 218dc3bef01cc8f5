"""Packaging checks in the spirit of hassfest and the HACS action.

Plain file checks, no Home Assistant instance: the manifest, ``hacs.json``,
``services.yaml`` against the registered actions, ``translations/en.json``
against every key the code uses (exceptions, issues, entities, selectors,
flow steps, errors and placeholders), ``icons.json``, the brand images and
the quality-scale checklist.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
import struct
from typing import Any, Final

import pytest
import yaml

from custom_components.pushover_complete import services as services_module
from custom_components.pushover_complete.legacy import (
    DESCRIPTION_FIELDS as LEGACY_FIELDS,
    LEGACY_SERVICE,
)
from homeassistant.helpers import config_validation as cv, selector

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "pushover_complete"
DOMAIN = "pushover_complete"

# hassfest (script/hassfest/translations.py)
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_PLACEHOLDER = re.compile(r"{([^{}]*)}")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_HTML = re.compile(r"<[a-zA-Z/!][^>]*>")
RE_URL = re.compile(r"\b(?:https?|ftp)://|\bwww\.", re.IGNORECASE)

EXCEPTION_CLASSES = {
    "HomeAssistantError",
    "ServiceValidationError",
    "ConfigEntryAuthFailed",
    "ConfigEntryError",
    "ConfigEntryNotReady",
    "UpdateFailed",
}
# Helpers that build a translated exception: ``invalid(key, **placeholders)``.
EXCEPTION_HELPERS = {"_error", "_invalid", "invalid", "_update_failed"}
ENTITY_PLATFORMS = {"sensor", "event", "notify", "binary_sensor", "button"}
# Modules that hold entities of a platform besides the platform's own module.
PLATFORM_OF_MODULE = {"open_client_event": "event"}

HACS_KEYS = {
    "name",
    "homeassistant",
    "hacs",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "persistent_directory",
}
MANIFEST_REQUIRED = {
    "domain",
    "name",
    "codeowners",
    "documentation",
    "issue_tracker",
    "version",
    "iot_class",
}

QUALITY_RULES = {
    # Bronze
    "action-setup",
    "appropriate-polling",
    "brands",
    "common-modules",
    "config-flow-test-coverage",
    "config-flow",
    "dependency-transparency",
    "docs-actions",
    "docs-conditions",
    "docs-high-level-description",
    "docs-installation-instructions",
    "docs-removal-instructions",
    "docs-triggers",
    "entity-event-setup",
    "entity-unique-id",
    "has-entity-name",
    "runtime-data",
    "test-before-configure",
    "test-before-setup",
    "unique-config-entry",
    # Silver
    "action-exceptions",
    "config-entry-unloading",
    "docs-configuration-parameters",
    "docs-installation-parameters",
    "entity-unavailable",
    "integration-owner",
    "log-when-unavailable",
    "parallel-updates",
    "reauthentication-flow",
    "test-coverage",
    # Gold
    "devices",
    "diagnostics",
    "discovery-update-info",
    "discovery",
    "docs-data-update",
    "docs-examples",
    "docs-known-limitations",
    "docs-supported-devices",
    "docs-supported-functions",
    "docs-troubleshooting",
    "docs-use-cases",
    "dynamic-devices",
    "entity-category",
    "entity-device-class",
    "entity-disabled-by-default",
    "entity-translations",
    "exception-translations",
    "icon-translations",
    "reconfiguration-flow",
    "repair-issues",
    "stale-devices",
    # Platinum
    "async-dependency",
    "inject-websession",
    "strict-typing",
}


# --------------------------------------------------------------------- loading


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """``manifest.json``."""
    return _json(INTEGRATION / "manifest.json")


@pytest.fixture(scope="module")
def strings() -> dict[str, Any]:
    """``translations/en.json``."""
    return _json(INTEGRATION / "translations" / "en.json")


@pytest.fixture(scope="module")
def services_yaml() -> dict[str, Any]:
    """``services.yaml``."""
    return _yaml(INTEGRATION / "services.yaml")


@pytest.fixture(scope="module")
def icons() -> dict[str, Any]:
    """``icons.json``."""
    return _json(INTEGRATION / "icons.json")


def _sources() -> dict[str, ast.Module]:
    """Every Python module of the integration outside the client package."""
    return {
        path.relative_to(INTEGRATION).as_posix(): ast.parse(
            path.read_text(encoding="utf-8"), filename=str(path)
        )
        for path in sorted(INTEGRATION.rglob("*.py"))
        if "api" not in path.relative_to(INTEGRATION).parts
    }


def _constants(modules: dict[str, ast.Module]) -> dict[str, str]:
    """Module-level string constants of every module (``NAME = "x"``)."""
    found: dict[str, str] = {}
    for tree in modules.values():
        for node in tree.body:
            target: ast.expr | None = None
            value: ast.expr | None = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign):
                target, value = node.target, node.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                found[target.id] = value.value
    return found


def _string(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    """The string a node stands for, if it is a literal or a known constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.Attribute):
        return constants.get(node.attr)
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _dict_keys(node: ast.expr | None, constants: dict[str, str]) -> set[str] | None:
    """Keys of a dict literal; ``None`` when they cannot be known statically."""
    if node is None:
        return set()
    if not isinstance(node, ast.Dict):
        return None
    keys: set[str] = set()
    for key in node.keys:
        text = _string(key, constants)
        if text is None:
            return None
        keys.add(text)
    return keys


def _placeholders(text: str) -> set[str]:
    return set(RE_PLACEHOLDER.findall(text))


def _walk_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, str):
        yield path, node


class CodeKeys:
    """Every translation key the code uses, by kind, with its placeholders."""

    def __init__(self) -> None:
        """Scan the integration's source."""
        self.modules = _sources()
        self.constants = _constants(self.modules)
        # key -> one set of placeholder names per raise site (None: unknown)
        self.exceptions: dict[str, list[set[str] | None]] = {}
        self.issues: dict[str, list[set[str] | None]] = {}
        self.selectors: dict[str, list[str]] = {}
        self.entities: dict[str, set[str]] = {p: set() for p in ENTITY_PLATFORMS}
        self.event_types: set[str] = set()
        self.event_types_by_module: dict[str, set[str]] = {}
        self.unclassified: list[str] = []
        for name, tree in self.modules.items():
            self._scan(name, tree)

    def _scan(self, module: str, tree: ast.Module) -> None:
        platform = module.removesuffix(".py")
        platform = PLATFORM_OF_MODULE.get(platform, platform)
        local_classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self._scan_call(module, platform, local_classes, node)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for target in targets:
                    attr = target.id if isinstance(target, ast.Name) else None
                    if isinstance(target, ast.Attribute):
                        attr = target.attr
                    if attr == "_attr_translation_key" and platform in ENTITY_PLATFORMS:
                        if (key := _string(node.value, self.constants)) is not None:
                            self.entities[platform].add(key)
                    elif attr == "_attr_event_types" and isinstance(
                        node.value, ast.List
                    ):
                        types = {
                            s
                            for e in node.value.elts
                            if (s := _string(e, self.constants)) is not None
                        }
                        self.event_types |= types
                        self.event_types_by_module[module] = types

    def _scan_call(
        self, module: str, platform: str, local_classes: set[str], call: ast.Call
    ) -> None:
        name = _call_name(call)
        if name in EXCEPTION_HELPERS and call.args:
            key = _string(call.args[0], self.constants)
            if key is not None:
                self.exceptions.setdefault(key, []).append(
                    {kw.arg for kw in call.keywords if kw.arg is not None}
                )
            return
        # ``PushoverApplicationEntity`` subclasses take the key positionally.
        if name in local_classes and platform in ENTITY_PLATFORMS:
            for arg in call.args:
                if (key := _string(arg, self.constants)) is not None:
                    self.entities[platform].add(key)
        key_node = _keyword(call, "translation_key")
        if key_node is None:
            return
        key = _string(key_node, self.constants)
        if key is None:
            return  # e.g. the helpers themselves: ``translation_key=key``
        placeholders = _dict_keys(
            _keyword(call, "translation_placeholders"), self.constants
        )
        if name in EXCEPTION_CLASSES:
            self.exceptions.setdefault(key, []).append(placeholders)
        elif name == "async_create_issue":
            self.issues.setdefault(key, []).append(placeholders)
        elif name == "SelectSelectorConfig":
            options = _keyword(call, "options")
            values = []
            if isinstance(options, ast.List):
                values = [
                    s
                    for e in options.elts
                    if (s := _string(e, self.constants)) is not None
                ]
            self.selectors.setdefault(key, []).extend(values)
        elif name.endswith("Description") and platform in ENTITY_PLATFORMS:
            self.entities[platform].add(key)
        else:
            self.unclassified.append(f"{module}: {name}(translation_key={key!r})")


@pytest.fixture(scope="module")
def code() -> CodeKeys:
    """Translation keys used by the code."""
    return CodeKeys()


def _actions() -> set[str]:
    return {"send_message", "send_alarm", *services_module.ACTIONS}


def _schema_fields(action: str) -> set[str]:
    """The fields an action's voluptuous schema accepts (targets excluded)."""
    if action == "send_message":
        schema: dict[Any, Any] = services_module.SEND_MESSAGE_FIELDS
    elif action == "send_alarm":
        # The fields an alarm sets itself are accepted only to be refused by name.
        schema = {
            key: value
            for key, value in services_module.SEND_ALARM_FIELDS.items()
            if str(key) not in services_module.ALARM_OWN_FIELDS
        }
    else:
        schema = services_module.ACTIONS[action][1]
    targets = {str(key) for key in cv.ENTITY_SERVICE_FIELDS}
    return {str(key) for key in schema} - targets


# -------------------------------------------------------------------- manifest


def test_manifest_keys_sorted_like_hassfest(manifest: dict[str, Any]) -> None:
    """``domain``, ``name``, then the rest alphabetically."""
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_content(manifest: dict[str, Any]) -> None:
    """The keys HACS and hassfest require, with the values of the contract."""
    assert set(manifest) >= MANIFEST_REQUIRED
    assert manifest["domain"] == DOMAIN == INTEGRATION.name
    assert manifest["name"] == "Pushover Complete"
    assert "webhook" in manifest["dependencies"]
    assert manifest["iot_class"] == "cloud_push"
    assert manifest["integration_type"] == "service"
    assert manifest["config_flow"] is True
    assert (INTEGRATION / "config_flow.py").is_file()
    assert manifest["requirements"] == []
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", manifest["version"])
    assert manifest["codeowners"]
    for url_key in ("documentation", "issue_tracker"):
        assert manifest[url_key].startswith("https://")
    assert not {"homeassistant", "icon"} & set(manifest)


def test_hacs_json() -> None:
    """Only keys the HACS validator knows; the oldest supported release."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS, set(hacs) - HACS_KEYS
    assert hacs["name"]
    assert hacs["homeassistant"] == "2025.4.0"
    assert hacs.get("filename") or not hacs.get("zip_release"), "a zip needs its name"


# ------------------------------------------------------- workflows & changelog

WORKFLOWS = ROOT / ".github" / "workflows"
RE_CHANGELOG_HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>.+))?$")
RE_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def _workflow(name: str) -> dict[Any, Any]:
    """A workflow file; PyYAML reads the bare key ``on`` as ``True``."""
    workflow = _yaml(WORKFLOWS / name)
    assert isinstance(workflow, dict), name
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _semver(version: str) -> tuple[int, int, int]:
    match = RE_SEMVER.fullmatch(version)
    assert match, f"{version!r} is not MAJOR.MINOR.PATCH"
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def _changelog_sections() -> list[tuple[str, str | None]]:
    """(version, date) of each ``## [version] - date`` heading, top to bottom."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = []
    for line in text.splitlines():
        if match := RE_CHANGELOG_HEADING.match(line):
            sections.append((match["version"], match["date"]))
    return sections


@pytest.mark.parametrize(
    ("name", "action", "inputs"),
    [
        ("hassfest.yaml", "home-assistant/actions/hassfest@master", {}),
        ("hacs.yaml", "hacs/action@main", {"category": "integration"}),
    ],
)
def test_validation_workflow(name: str, action: str, inputs: dict[str, str]) -> None:
    """hassfest and the HACS action run on pushes and pull requests, nothing ignored."""
    workflow = _workflow(name)
    assert {"push", "pull_request"} <= set(workflow["on"])
    steps = [step for step in _steps(workflow) if step.get("uses") == action]
    assert len(steps) == 1, f"{name} does not use {action}"
    assert steps[0].get("with", {}) == inputs
    assert "continue-on-error" not in steps[0]


def test_test_workflow_runs_scripts_test_on_both_targets() -> None:
    """The README's test command, once per Home Assistant target, the chroot ones as root."""
    workflow = _workflow("tests.yaml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    matrix = job["strategy"]["matrix"]
    assert matrix["target"] == ["oldest", "current", "newest"]
    assert job["strategy"]["fail-fast"] is False
    run_as = {item["target"]: item["run-as"] for item in matrix["include"]}
    assert run_as["oldest"] == ""
    assert run_as["current"].startswith("sudo ")
    assert run_as["newest"].startswith("sudo ")
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["${{ matrix.run-as }} scripts/test ${{ matrix.target }}"]
    text = (WORKFLOWS / "tests.yaml").read_text(encoding="utf-8")
    assert "continue-on-error" not in text
    assert "PYTEST_ADDOPTS" not in text


def test_changelog_matches_manifest_version(manifest: dict[str, Any]) -> None:
    """Keep a Changelog headings; the manifest's version is listed or still Unreleased."""
    sections = _changelog_sections()
    assert sections, "CHANGELOG.md has no '## [version] - date' heading"
    unreleased = [section for section in sections if section[0] == "Unreleased"]
    assert unreleased in ([], [("Unreleased", None)]), "one Unreleased, no date"
    assert sections[: len(unreleased)] == unreleased, "Unreleased goes first"
    released = sections[len(unreleased) :]
    for version, date in released:
        _semver(version)
        assert date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), version
    ordered = sorted(released, key=lambda item: _semver(item[0]), reverse=True)
    assert released == ordered, "releases go newest first"
    assert _manifest_version_problem(manifest["version"], sections) is None


def _manifest_version_problem(
    current: str, sections: list[tuple[str, str | None]]
) -> str | None:
    """What is wrong with the manifest's version against the changelog, if anything.

    It is the newest release listed, or newer than every release and Unreleased
    is there for it.
    """
    versions = [version for version, _ in sections]
    released = [version for version in versions if version != "Unreleased"]
    if current in released:
        return None if released[0] == current else "the manifest names an older release"
    if "Unreleased" not in versions:
        return f"CHANGELOG.md lists neither {current} nor Unreleased"
    if released and _semver(current) <= _semver(released[0]):
        return f"{current} is not newer than the last release {released[0]}"
    return None


# -------------------------------------------------------------------- services


def test_every_action_is_described(services_yaml: dict[str, Any]) -> None:
    """Registered actions and ``services.yaml`` list the same actions."""
    assert set(services_yaml) == _actions()


# Object selector options that Home Assistant 2025.4 does not know yet; its
# frontend shows a YAML editor for them, 2025.5 and later a form.
_NEWER_OBJECT_OPTIONS = {"fields", "multiple", "label_field", "description_field"}
# Media selector options of later releases; 2025.4's frontend ignores them.
_NEWER_MEDIA_OPTIONS = {"accept", "multiple", "image_upload"}
_MEDIA_OPTIONS_KNOWN = bool(
    selector.MediaSelectorConfig.__optional_keys__
    | selector.MediaSelectorConfig.__required_keys__
)


def _validate_selector(config: dict[str, Any]) -> None:
    """Validate a selector with the running Home Assistant's own schema.

    On a release whose object selector takes no options, the options of
    newer releases are checked against the newest schema's shape instead.
    """
    if "object" in config and not selector.ObjectSelector.CONFIG_SCHEMA.schema:
        options = dict(config["object"] or {})
        assert set(options) <= _NEWER_OBJECT_OPTIONS | {"translation_key"}
        for field in options.get("fields", {}).values():
            assert set(field) <= {"selector", "required", "label", "default"}
            selector.validate_selector(field["selector"])
        return
    if "media" in config and not _MEDIA_OPTIONS_KNOWN:
        options = dict(config["media"] or {})
        assert set(options) <= _NEWER_MEDIA_OPTIONS
        assert all(isinstance(kind, str) for kind in options.get("accept", []))
        return
    selector.validate_selector(config)


ENTRY_FIELD: Final = {"send_alarm": None}


@pytest.mark.parametrize("action", sorted(_actions()))
def test_action_fields_match_schema(action: str, services_yaml: dict[str, Any]) -> None:
    """Each schema field is described with a valid selector, and no other."""
    fields = services_yaml[action].get("fields") or {}
    assert set(fields) == _schema_fields(action)
    for name, field in fields.items():
        assert "selector" in field, f"{action}.{name} has no selector"
        _validate_selector(field["selector"])
        assert set(field) <= {
            "selector",
            "required",
            "example",
            "default",
            "advanced",
            "filter",
        }, f"{action}.{name}"
    # Every action but send_alarm (which finds its entry by its targets) names one.
    entry_field = fields.get("config_entry_id", {"selector": None})["selector"]
    assert entry_field == ENTRY_FIELD.get(
        action, {"config_entry": {"integration": DOMAIN}}
    )
    required = {n for n, f in fields.items() if f.get("required")}
    schema = {
        "send_message": services_module.SEND_MESSAGE_FIELDS,
        "send_alarm": services_module.SEND_ALARM_FIELDS,
    }.get(action) or services_module.ACTIONS[action][1]
    schema_required = {
        str(key) for key in schema if type(key).__name__ == "Required"
    } - {str(key) for key in cv.ENTITY_SERVICE_FIELDS}
    assert required == schema_required


def test_send_message_targets_our_notify_entities(
    services_yaml: dict[str, Any],
) -> None:
    """``send_message`` targets this integration's notify entities."""
    target = services_yaml["send_message"]["target"]["entity"]
    assert target == {"integration": DOMAIN, "domain": "notify"}


@pytest.mark.parametrize("action", sorted(_actions()))
def test_action_translated_and_iconed(
    action: str,
    services_yaml: dict[str, Any],
    strings: dict[str, Any],
    icons: dict[str, Any],
) -> None:
    """Name and description for the action and every field; an icon."""
    translated = strings["services"][action]
    assert translated["name"]
    assert translated["description"]
    fields = services_yaml[action].get("fields") or {}
    assert set(translated.get("fields", {})) == set(fields)
    for name in fields:
        assert translated["fields"][name]["name"], f"{action}.{name}"
        assert translated["fields"][name]["description"], f"{action}.{name}"
    assert icons["services"][action]["service"].startswith("mdi:")


def test_no_translations_or_icons_for_unknown_actions(
    strings: dict[str, Any], icons: dict[str, Any]
) -> None:
    """Stale entries would describe actions that do not exist.

    ``legacy_notify`` words the legacy ``notify.<recipient>`` actions.
    """
    assert set(strings["services"]) == _actions() | {LEGACY_SERVICE}
    assert set(icons["services"]) == _actions()


def test_legacy_action_translated(strings: dict[str, Any]) -> None:
    """The legacy action's name, description and every field are worded."""
    texts = strings["services"][LEGACY_SERVICE]
    assert _placeholders(texts["name"]) == {"recipient"}
    assert texts["description"]
    assert set(texts["fields"]) == set(LEGACY_FIELDS)
    for name, field in texts["fields"].items():
        assert field["name"], name
        assert field["description"], name


def test_object_selector_fields_translated(
    services_yaml: dict[str, Any], strings: dict[str, Any]
) -> None:
    """An object selector with ``translation_key`` words each of its fields."""
    found = _translated_selectors(services_yaml, "object")
    assert found
    for where, key, config in found:
        texts = strings["selector"][key]["fields"]
        assert set(texts) == set(config["fields"]), where
        for sub in texts.values():
            assert sub["name"]
            assert sub["description"]
        for option in ("label_field", "description_field"):
            assert config.get(option, "targets") in config["fields"]


def _translated_selectors(
    services_yaml: dict[str, Any], kind: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """Each action field's ``kind`` selector with a ``translation_key``.

    As (``action.field``, translation key, the selector's config).
    """
    found = []
    for action, spec in services_yaml.items():
        for name, field in (spec.get("fields") or {}).items():
            config = field["selector"].get(kind) or {}
            if key := config.get("translation_key"):
                found.append((f"{action}.{name}", key, config))
    return found


def test_service_select_translations(
    services_yaml: dict[str, Any], strings: dict[str, Any]
) -> None:
    """A select with ``translation_key`` has every option translated."""
    for where, key, select in _translated_selectors(services_yaml, "select"):
        options = {str(o) for o in select["options"]}
        translated = set(strings["selector"][key]["options"])
        assert options <= translated, (where, options - translated)


# ---------------------------------------------------------------- translations


def test_translations_have_no_urls_html_or_bad_placeholders(
    strings: dict[str, Any],
) -> None:
    """hassfest: no HTML, no URLs, no padding, identifier placeholders."""
    problems = [
        f"{path}: {problem}"
        for path, text in _walk_strings(strings)
        for problem in _text_problems(text)
    ]
    assert not problems


def _text_problems(text: str) -> list[str]:
    """What hassfest would say of one translated text."""
    problems = []
    if RE_URL.search(text):
        problems.append("URL")
    if RE_HTML.search(text):
        problems.append("HTML")
    if text != text.strip() or not text:
        problems.append("empty or padded")
    if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
        problems.append("placeholder in single quotes")
    if "[%key:" in text:
        problems.append("reference (core only)")
    problems += [
        f"placeholder {{{name}}}"
        for name in _placeholders(text)
        if not name.isidentifier()
    ]
    return problems


def test_translation_keys_are_valid(strings: dict[str, Any]) -> None:
    """Keys of actions, fields, entities, states and exceptions are slugs."""
    keys: list[str] = []
    for action in strings["services"].values():
        keys += list(action.get("fields", {}))
    keys += list(strings["services"])
    for platform in strings["entity"].values():
        for key, entity in platform.items():
            keys.append(key)
            keys += list(entity.get("state", {}))
            for attribute, spec in entity.get("state_attributes", {}).items():
                keys.append(attribute)
                keys += list(spec.get("state", {}))
    keys += list(strings["exceptions"]) + list(strings["issues"])
    bad = [key for key in keys if not RE_TRANSLATION_KEY.match(key)]
    assert not bad


def test_selector_option_keys_are_valid(strings: dict[str, Any]) -> None:
    """hassfest validates selector option keys like any translation key."""
    bad = [
        f"{name}.{option}"
        for name, spec in strings["selector"].items()
        for option in [*spec.get("options", {}), *spec.get("fields", {})]
        if not RE_TRANSLATION_KEY.match(option)
    ]
    assert not bad


def _flows(strings: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "config", strings["config"]
    yield "options", strings["options"]
    for name, flow in strings.get("config_subentries", {}).items():
        yield f"config_subentries.{name}", flow


def test_data_description_keys_are_fields(strings: dict[str, Any]) -> None:
    """hassfest: every ``data_description`` key is also in ``data``."""
    for flow_name, flow in _flows(strings):
        for step_id, step in flow["step"].items():
            extra = set(step.get("data_description", {})) - set(step.get("data", {}))
            assert not extra, f"{flow_name}.step.{step_id}: {extra}"
            # Every field is explained, too.
            missing = set(step.get("data", {})) - set(step.get("data_description", {}))
            assert not missing, f"{flow_name}.step.{step_id}: {missing}"


def test_subentry_types_are_named(strings: dict[str, Any]) -> None:
    """hassfest: ``entry_type`` and ``initiate_flow.user`` per subentry type."""
    subentries = strings["config_subentries"]
    assert subentries
    for name, flow in subentries.items():
        assert flow["entry_type"], name
        assert flow["initiate_flow"]["user"], name


def test_exceptions_translated_with_their_placeholders(
    code: CodeKeys, strings: dict[str, Any]
) -> None:
    """Every exception key the code raises has a message whose placeholders
    every raise site provides."""
    assert code.exceptions, "the scan found no exception at all"
    translated = strings["exceptions"]
    missing = sorted(set(code.exceptions) - set(translated))
    assert not missing, missing
    for key, sites in code.exceptions.items():
        wanted = _placeholders(translated[key]["message"])
        for given in (given for given in sites if given is not None):
            assert wanted <= given, (key, wanted - given)


# Sentences kept among the exceptions' messages that are not errors: the
# logbook's (``logbook.py`` asks for "logbook_<key>") and the action pages'.
TEXT_MODULES: Final = {"logbook_": "logbook.py", "action_link_": "action_pages.py"}


def _texts_used(strings: dict[str, Any]) -> set[str]:
    """Return the exception keys the logbook and the action pages use by name."""
    used = set()
    for prefix, module in TEXT_MODULES.items():
        tree = ast.parse((INTEGRATION / module).read_text())
        literals = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        used |= {
            key
            for key in strings["exceptions"]
            if key.startswith(prefix)
            and (key in literals or key.removeprefix(prefix) in literals)
        }
    return used


def test_no_unused_exception_translations(
    code: CodeKeys, strings: dict[str, Any]
) -> None:
    """Stale messages hide renamed keys."""
    unused = set(strings["exceptions"]) - set(code.exceptions) - _texts_used(strings)
    assert not unused


def _issue_texts(issue: dict[str, Any]) -> list[str]:
    """Return an issue's title and description, or its fix flow's step texts."""
    texts = [issue["title"]]
    if "description" in issue:
        return [*texts, issue["description"]]
    steps = issue["fix_flow"]["step"].values()
    return [*texts, *(step.get("description", "") for step in steps)]


def test_issues_translated_with_their_placeholders(
    code: CodeKeys, strings: dict[str, Any]
) -> None:
    """Repair issues: a title, a description or a fix flow, placeholders provided."""
    assert code.issues, "the scan found no repair issue"
    for key, sites in code.issues.items():
        issue = strings["issues"][key]
        assert ("description" in issue) != ("fix_flow" in issue), key
        wanted = set().union(*(_placeholders(text) for text in _issue_texts(issue)))
        for given in (given for given in sites if given is not None):
            assert wanted <= given, (key, wanted - given)
    assert set(strings["issues"]) == set(code.issues)


def test_flow_selectors_translated(code: CodeKeys, strings: dict[str, Any]) -> None:
    """Flow selects with ``translation_key`` have every option translated."""
    assert code.selectors, "the scan found no translated selector"
    for key, options in code.selectors.items():
        translated = set(strings["selector"][key]["options"])
        assert set(options) <= translated, (key, set(options) - translated)


def test_translation_keys_all_classified(code: CodeKeys) -> None:
    """A ``translation_key=`` this test cannot place is checked by nothing."""
    assert not code.unclassified


def test_entities_named_and_iconed(
    code: CodeKeys, strings: dict[str, Any], icons: dict[str, Any]
) -> None:
    """Every entity translation key has a name and an icon, and no stale ones."""
    for platform in ENTITY_PLATFORMS:
        used = code.entities[platform]
        assert used, f"no {platform} entity found"
        assert set(strings["entity"].get(platform, {})) == used, platform
        assert set(icons["entity"].get(platform, {})) == used, platform
        for key in used:
            assert strings["entity"][platform][key]["name"], (platform, key)
            assert icons["entity"][platform][key]["default"].startswith("mdi:")
    assert set(strings["entity"]) <= ENTITY_PLATFORMS
    assert set(icons["entity"]) <= ENTITY_PLATFORMS


# The translation key of each module's event entity.
EVENT_ENTITY_OF_MODULE = {"event.py": "emergency", "open_client_event.py": "received"}


def test_event_types_translated(code: CodeKeys, strings: dict[str, Any]) -> None:
    """Event types show as words, not keys: each entity's own types."""
    assert set(code.event_types_by_module) == set(EVENT_ENTITY_OF_MODULE)
    assert set(EVENT_ENTITY_OF_MODULE.values()) == code.entities["event"]
    for module, types in code.event_types_by_module.items():
        key = EVENT_ENTITY_OF_MODULE[module]
        states = strings["entity"]["event"][key]["state_attributes"]["event_type"][
            "state"
        ]
        assert set(states) == types, key


def test_icons_are_mdi(icons: dict[str, Any]) -> None:
    """hassfest: every icon is ``mdi:<name>``."""
    bad = [
        f"{path}={icon}"
        for path, icon in _walk_strings(icons)
        if not re.fullmatch(r"mdi:[a-z0-9]+(?:-[a-z0-9]+)*", icon)
    ]
    assert not bad


# ------------------------------------------------------------------ config flow


class FlowInfo:
    """What one flow class of ``config_flow.py`` shows."""

    def __init__(self) -> None:
        """Nothing found yet."""
        self.steps: set[str] = set()
        self.errors: set[str] = set()
        self.aborts: set[str] = set()
        self.step_placeholders: dict[str, set[str]] = {}


def _error_values(node: ast.AST) -> set[str]:
    """Error keys: ``{field: "error"}`` literals, and ``errors[field] = "error"``."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Dict)
            and sub.values
            and all(
                isinstance(v, ast.Constant) and isinstance(v.value, str)
                for v in sub.values
            )
        ):
            found |= {v.value for v in sub.values}  # type: ignore[attr-defined]
        if isinstance(sub, ast.Assign):
            for target in sub.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "errors"
                    and isinstance(sub.value, ast.Constant)
                    and isinstance(sub.value.value, str)
                ):
                    found.add(sub.value.value)
    return found


def _called(node: ast.AST) -> set[str]:
    """The names of the functions ``node`` calls."""
    return {_call_name(sub) for sub in ast.walk(node) if isinstance(sub, ast.Call)}


def _reached(
    node: ast.AST, functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
) -> set[str]:
    """The module functions ``node`` calls, and those they call, and so on."""
    reached: set[str] = set()
    todo = _called(node) & set(functions)
    while todo:
        name = todo.pop()
        reached.add(name)
        todo |= (_called(functions[name]) & set(functions)) - reached
    return reached


def _config_flows() -> dict[str, FlowInfo]:
    """Flow section name (``config``, ``options``, ``config_subentries.x``) → info."""
    modules = _sources()
    constants = _constants(modules)
    tree = modules["config_flow.py"]
    # Flows use helpers of other modules too (flow_forms.py).
    functions = {
        node.name: node
        for module in modules.values()
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    subentry_types: dict[str, str] = {}
    sections: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (
            node.name == "async_get_supported_subentry_types"
        ):
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                    for key, value in zip(
                        ret.value.keys, ret.value.values, strict=True
                    ):
                        name = _string(key, constants)
                        if name and isinstance(value, ast.Name):
                            subentry_types[value.id] = name
    flows: dict[str, FlowInfo] = {}
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = {b.id for b in cls.bases if isinstance(b, ast.Name)}
        if "ConfigFlow" in bases:
            sections[cls.name] = "config"
        elif bases & {"OptionsFlow", "ReloadingOptionsFlow"}:
            sections[cls.name] = "options"
        elif "ConfigSubentryFlow" in bases:
            sections[cls.name] = f"config_subentries.{subentry_types[cls.name]}"
        else:
            continue
        info = flows.setdefault(sections[cls.name], FlowInfo())
        for node in ast.walk(cls):
            if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith(
                "async_step_"
            ):
                body = [n for n in node.body if not isinstance(n, ast.Expr)]
                redirect = (
                    len(body) == 1
                    and isinstance(body[0], ast.Return)
                    and isinstance(body[0].value, ast.Await)
                    and isinstance(body[0].value.value, ast.Call)
                    and _call_name(body[0].value.value).startswith("async_step_")
                )
                if not redirect:
                    info.steps.add(node.name.removeprefix("async_step_"))
                if node.name == "async_step_reauth_confirm":
                    info.aborts.add("reauth_successful")
                if node.name == "async_step_reconfigure":
                    info.aborts.add("reconfigure_successful")
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name == "_abort_if_unique_id_configured":
                    info.aborts.add("already_configured")
                if name == "async_update_and_abort":
                    info.aborts.add("reconfigure_successful")
                if name == "async_abort" and (
                    reason := _string(_keyword(node, "reason"), constants)
                ):
                    info.aborts.add(reason)
                if name == "async_show_form":
                    step = _string(_keyword(node, "step_id"), constants)
                    keys = _dict_keys(
                        _keyword(node, "description_placeholders"), constants
                    )
                    if step is not None and keys is not None:
                        info.step_placeholders[step] = keys
        info.errors |= _error_values(cls)
        for name in _reached(cls, functions):
            info.errors |= _error_values(functions[name])
    return flows


def _section(strings: dict[str, Any], dotted: str) -> dict[str, Any]:
    node = strings
    for part in dotted.split("."):
        node = node[part]
    return node


def test_config_flow_strings_complete(strings: dict[str, Any]) -> None:
    """Every step, error and abort of every flow is worded; placeholders given."""
    flows = _config_flows()
    assert {"config", "options"} <= set(flows)
    assert any(name.startswith("config_subentries.") for name in flows)
    for name, info in flows.items():
        section = _section(strings, name)
        assert info.steps, name
        assert info.steps <= set(section["step"]), (name, info.steps)
        assert info.errors <= set(section.get("error", {})), (
            name,
            info.errors - set(section.get("error", {})),
        )
        assert info.aborts <= set(section.get("abort", {})), (
            name,
            info.aborts - set(section.get("abort", {})),
        )
        for step_id, step in section["step"].items():
            wanted = _placeholders(step.get("description", "")) | _placeholders(
                step.get("title", "")
            )
            given = info.step_placeholders.get(step_id, set())
            assert wanted <= given, (name, step_id, wanted - given)


def test_config_flow_scan_finds_errors() -> None:
    """The scan above sees the errors the contract names (so it can fail)."""
    flows = _config_flows()
    assert {"invalid_api_key", "invalid_user_key", "cannot_connect", "unknown"} <= (
        flows["config"].errors
    )
    assert "invalid_encryption_key" in flows["config_subentries.recipient"].errors


# ------------------------------------------------------------- brand & quality


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_brand_icons(name: str, size: int) -> None:
    """HACS' brands check and Home Assistant's local brand images."""
    assert _png_size(INTEGRATION / "brand" / name) == (size, size)


def test_quality_scale_checklist() -> None:
    """All 54 rules, each done, todo or exempt with a reason."""
    rules = _yaml(INTEGRATION / "quality_scale.yaml")["rules"]
    assert set(rules) == QUALITY_RULES
    assert len(QUALITY_RULES) == 54
    for rule, value in rules.items():
        status, comment = _rule_status(value)
        assert status in {"done", "todo", "exempt"}, rule
        assert comment or status != "exempt", f"{rule}: exempt without a reason"


def _rule_status(value: str | dict[str, str]) -> tuple[str, str | None]:
    """A quality scale rule's status and comment (a bare status has none)."""
    if isinstance(value, dict):
        return value["status"], value.get("comment")
    return value, None
