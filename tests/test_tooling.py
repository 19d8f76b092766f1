"""The project's own checks run with the tests: ruff (lint and format) and strict mypy."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def check(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint_is_clean() -> None:
    check(str(BIN / "ruff"), "check", ".")


def test_ruff_format_is_clean() -> None:
    check(str(BIN / "ruff"), "format", "--check", ".")


def test_mypy_strict_is_clean() -> None:
    check(str(BIN / "mypy"))
