"""Features stand in layers and imports only go down (README, "Layout"): a test, not a hope.

Every import of ``school.…`` anywhere in a module counts, inside functions and under
``TYPE_CHECKING`` too: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

SCHOOL = Path(__file__).resolve().parent.parent / "school"

# Lowest first. A module may import its own layer and the layers below it, never above.
LAYERS: list[set[str]] = [
    # Core modules: no feature at all.
    {
        "config",
        "db",
        "clock",
        "extensions",
        "markdown",
        "urls",
        "security",
        "errors",
        "uploads",
        "images",
        "spreadsheets",
        "formatting",
        "forms",
        "page_parts",
        "templating",
        "events",
        "offline",
        "filetypes",
        "qr",
        "messaging",
        "media",
    },
    {"orgs", "auth"},
    {"courses", "archive", "notifications", "workbench"},
    {"quizzes", "forum", "notices", "members", "cards", "accounts", "projects"},
    {"campaigns", "classes", "credits", "ballots", "practice", "points"},
    {"reports", "search", "studio", "certificates", "targets", "honours"},
    {"appraisal"},
    # The application: the factory, every model for Alembic, the CLI, demo data, backups.
    {"__init__", "models", "cli", "demo", "backup"},
]

# Same-layer imports that would still run the wrong way.
FORBIDDEN = {
    # Recording learning goes courses → archive; the ledger knows no course model.
    ("archive", "courses"),
}


def _unit(path: Path) -> str:
    """The package or top-level module a file belongs to: ``courses``, ``db``, ``__init__``."""
    parts = path.relative_to(SCHOOL).with_suffix("").parts
    return parts[0]


def _imported_units(tree: ast.AST) -> set[str]:
    units = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "school":
                continue
            if len(parts) > 1:
                units.add(parts[1])
            else:  # from school import events, uploads
                units.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "school" and len(parts) > 1:
                    units.add(parts[1])
    return units


def _layer(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise LookupError(unit)


def _modules() -> list[Path]:
    return sorted(SCHOOL.rglob("*.py"))


def test_every_package_and_module_has_a_layer():
    units = {_unit(path) for path in _modules()}
    missing = sorted(unit for unit in units if not any(unit in layer for layer in LAYERS))
    assert missing == [], f"add to LAYERS here and to the README's Layout: {missing}"


def test_no_layer_lists_what_does_not_exist():
    units = {_unit(path) for path in _modules()}
    assert sorted(set().union(*LAYERS) - units) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SCHOOL)))
def test_imports_only_go_down(path):
    own = _unit(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    upward = sorted(
        unit
        for unit in _imported_units(tree) - {own}
        if _layer(unit) > _layer(own) or (own, unit) in FORBIDDEN
    )
    assert upward == [], f"{own} (layer {_layer(own)}) imports {upward}"


def test_the_checker_sees_every_kind_of_import():
    tree = ast.parse(
        "import school.reports.views\n"
        "from school import events\n"
        "def late():\n"
        "    from school.search.service import search\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from school.demo import cli\n"
    )
    assert _imported_units(tree) == {"reports", "events", "search", "demo"}
