"""The simulator's layout: small modules with one job, the state free of HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "pushover_simulator"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def parse(module: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", MODULES)
def test_module_is_small_and_says_its_job(module: str) -> None:
    source = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    docstring = ast.get_docstring(parse(module))
    assert docstring
    assert docstring.splitlines()[0].strip()


@pytest.mark.parametrize("module", MODULES)
def test_functions_are_short(module: str) -> None:
    long_functions = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(parse(module))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long_functions == []


STATE_MODULES = (
    "model",
    "receipts",
    "faults",
    "accounts",
    "waiting",
    "callbacks",
    "push_hooks",
    "snapshot",
    "html_body",
    "sent",
    "state",
)
HTTP_LAYER = (
    ".app.",
    ".server.",
    ".control.",
    ".inbox.",
    ".middleware.",
    ".fault_answers.",
    ".params.",
    ".checks.",
    ".lookups.",
    ".responses.",
    ".api_",
    "aiohttp.web",
)


@pytest.mark.parametrize("module", STATE_MODULES)
def test_state_model_does_not_import_the_http_layer(module: str) -> None:
    tree = parse(module)
    imported = {
        f"{'.' * node.level}{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported
    assert [name for name in imported if name.startswith(HTTP_LAYER)] == []
