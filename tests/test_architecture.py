"""The doors only translate: neither the CLI nor the API reaches past the core to SQL."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        names: set[str] = set()
        type_only: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                type_only |= {id(child) for child in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", ["notes_cli", "notes_api"])
def test_doors_do_not_import_sqlalchemy_or_click(package: str) -> None:
    for path, names in imported_modules(package).items():
        forbidden = {n for n in names if n.split(".")[0] in ("sqlalchemy", "click", "alembic")}
        assert not forbidden, f"{path} imports {forbidden}"


# What only the library (notes_core.library.Notes) may use: connections, SQL, migrations.
CORE_INTERNALS = ("repository", "session", "engine", "db_errors", "migrate", "migrations")


@pytest.mark.parametrize("package", ["notes_cli", "notes_api"])
def test_doors_go_through_the_notes_library_only(package: str) -> None:
    for path, names in imported_modules(package).items():
        internal = {
            name
            for name in names
            if name.startswith("notes_core.") and name.split(".")[1] in CORE_INTERNALS
        }
        assert not internal, f"{path} imports {internal}: use notes_core.library.Notes"


def test_core_reads_no_environment_variable() -> None:
    # Settings.from_env(environ) is handed the environment by each door.
    for path in (ROOT / "notes_core").rglob("*.py"):
        source = path.read_text()
        assert "os.environ" not in source and "getenv" not in source, path


def test_core_does_not_know_about_the_doors() -> None:
    for path, names in imported_modules("notes_core").items():
        doors = {
            n for n in names if n.split(".")[0] in ("notes_cli", "notes_api", "typer", "fastapi")
        }
        assert not doors, f"{path} imports {doors}"
