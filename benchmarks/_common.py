"""Shared helpers for the benchmarks: interleaved timing of whole commands, medians."""

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable  # the venv's own interpreter, never a shim
NOTES = [PYTHON, str(Path(PYTHON).parent / "notes")]


def time_commands(
    commands: dict[str, Sequence[str]], *, runs: int, warmup: int = 3, env: dict[str, str]
) -> dict[str, list[float]]:
    """Run each command `runs` times, interleaved (A B C A B C ...), so drift in the
    machine's speed hits every command alike. Returns wall times in seconds."""
    full_env = user_env(env)
    for _ in range(warmup):
        for command in commands.values():
            subprocess.run(command, env=full_env, capture_output=True, check=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=full_env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - start)
    return times


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def user_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a user's shell: bytecode caching on, as after a normal install."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_project() -> None:
    """Write .pyc files for our packages, as `pip install` does for a non-editable install."""
    import compileall

    for package in ("notes_core", "notes_cli", "notes_api"):
        compileall.compile_dir(ROOT / package, quiet=1)
