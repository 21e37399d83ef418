"""Dependencies point down: bot -> actions -> {nlu, kb, store}; only bot/ knows about Slack."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "store": {"actions", "bot", "kb", "nlu", "slack_bolt", "slack_sdk"},
    "kb": {"actions", "bot", "store", "nlu", "slack_bolt", "slack_sdk"},
    "nlu": {"actions", "bot", "store", "kb", "slack_bolt", "slack_sdk"},
    "actions": {"bot", "slack_bolt", "slack_sdk"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upward(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_nothing_outside_bot_imports_slack_libraries():
    """Scripts and benchmarks at any depth too, not only the packages above."""
    skip = {".venv", "bot", "tests", "build", ".git"}
    offenders = sorted(
        str(path.relative_to(ROOT)) for path in ROOT.rglob("*.py")
        if path.relative_to(ROOT).parts[0] not in skip
        and _imports(path) & {"slack_bolt", "slack_sdk", "slack"})
    assert offenders == []


def _modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_channels_never_touch_the_database():
    """``bot/`` adapts channels and calls use cases; queries and commits live in ``actions/``."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _modules(path)
            if name.split(".")[0] == "sqlalchemy" or name in ("store.models", "store.uow",
                                                              "store.repositories"))
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_ticket_domain_is_pure_python():
    """``store/domain`` (the Ticket aggregate and its events) knows no SQL, no channel, no use
    case: only the state machine and the errors people are shown."""
    allowed = {"store.domain", "store.domain.events", "store.domain.ticket", "store.errors",
               "store.lifecycle"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _modules(path)
            if name.split(".")[0] in {"sqlalchemy", "actions", "bot", "kb", "nlu", "slack_bolt",
                                      "slack_sdk"}
            or (name.split(".")[0] == "store" and name not in allowed))
        for path in (ROOT / "store" / "domain").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
