"""The test suite's own rules. Ruff and mypy run beside pytest in the README's test command.

A bare `pytest` is the inner loop and leaves out tests marked `serve`; CI runs them. A test
that starts a real `notes serve` but lacks the marker would slow the inner loop down again,
so this finds every test that builds a `Server`, directly or through a helper in its module.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def marked_serve(decorators: list[ast.expr]) -> bool:
    return any("mark.serve" in ast.unparse(decorator) for decorator in decorators)


def module_marked_serve(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            return "mark.serve" in ast.unparse(node.value)
    return False


def called_names(function: ast.FunctionDef) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def server_starting_tests(tree: ast.Module) -> list[ast.FunctionDef]:
    """Test functions that call `Server(...)`, or a module function that (in turn) does."""
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    calls = {name: called_names(function) for name, function in functions.items()}
    starts = {"Server"}
    while True:  # helpers of helpers: until nothing new is found
        more = {name for name, called in calls.items() if called & starts} - starts
        if not more:
            break
        starts |= more
    return [f for name, f in functions.items() if name.startswith("test_") and name in starts]


def unmarked_server_tests(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        if module_marked_serve(tree):
            continue
        found += [
            f"{path.relative_to(root)}::{test.name}"
            for test in server_starting_tests(tree)
            if not marked_serve(test.decorator_list)
        ]
    return found


def test_every_test_that_starts_a_real_server_is_marked_serve() -> None:
    assert unmarked_server_tests(TESTS) == []


def test_the_marker_check_finds_a_server_started_through_a_helper(tmp_path: Path) -> None:
    (tmp_path / "test_example.py").write_text(
        "import pytest\n"
        "def run(db):\n    with Server(db): pass\n"
        "def round_trip(db):\n    run(db)\n"
        "def test_direct(db):\n    Server(db).start()\n"
        "def test_through_two_helpers(db):\n    round_trip(db)\n"
        "@pytest.mark.serve\ndef test_marked(db):\n    run(db)\n"
        "def test_in_process(db):\n    assert db\n"
    )
    assert unmarked_server_tests(tmp_path) == [
        "test_example.py::test_direct",
        "test_example.py::test_through_two_helpers",
    ]
    (tmp_path / "test_example.py").write_text(
        "import pytest\npytestmark = pytest.mark.serve\n"
        "def test_direct(db):\n    Server(db).start()\n"
    )
    assert unmarked_server_tests(tmp_path) == []
