"""The README's promises: its first two commands, and what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    return [line for line in lines if line.startswith("python3 -m venv .venv")]


def test_readme_opens_with_the_install_and_test_commands() -> None:
    run, test = readme_commands()[:2]
    assert "notes add" in run and "notes list" in run
    assert ".venv/bin/pytest" in test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test = readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines


def test_the_readme_test_command_runs_lint_types_and_the_serve_tests() -> None:
    """A bare `pytest` leaves the serve tests out; the command CI runs must not."""
    test = readme_commands()[1]
    for check in (".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy"):
        assert f"&& {check} &&" in test
    assert test.endswith('&& .venv/bin/pytest -m "not slow"')
