"""Peak memory of `notes list` in each machine format, and of GET /notes, by store size.

    .venv/bin/python benchmarks/list_memory.py [--sizes 10000,1000000]

Uses the stores that benchmarks/search.py builds (run it first). Streaming means the
peak resident set stays the same whatever the number of notes.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import NOTES, RESULTS, user_env

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.serving import Server

FORMATS = ["jsonl", "json", "csv", "plain", "ids"]


def peak_rss_kb(command: list[str]) -> tuple[int, float]:
    """Peak RSS (KiB) and wall time of one command run to completion, output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=user_env({}))
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = status
    return usage.ru_maxrss, time.perf_counter() - started


def serve_peak_rss_kb(db: str) -> tuple[int, int]:
    """Peak RSS of a notes serve process before and after streaming GET /notes once."""
    with Server(db) as server:
        assert server.process is not None
        before = _rss_kb(server.process.pid)
        with urllib.request.urlopen(server.base + "/notes", timeout=600) as response:
            while response.read(1 << 20):
                pass
        return before, _peak_kb(server.process.pid)


def _rss_kb(pid: int) -> int:
    return _status_field(pid, "VmRSS")


def _peak_kb(pid: int) -> int:
    return _status_field(pid, "VmHWM")


def _status_field(pid: int, name: str) -> int:
    # `notes serve` runs uvicorn in the same process when --workers is 1.
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        db = str(RESULTS / f"search-{size}.db")
        if not Path(db).exists():
            raise SystemExit(f"{db} is missing: run benchmarks/search.py first")
        for fmt in FORMATS:
            rss, seconds = peak_rss_kb([*NOTES, "--db", db, "list", "--format", fmt])
            label = f"notes list --format {fmt}"
            print(f"{size:>9,} notes  {label:28s} peak {rss / 1024:6.1f} MiB  {seconds:6.1f} s")
        before, peak = serve_peak_rss_kb(db)
        label = "GET /notes (notes serve)"
        print(
            f"{size:>9,} notes  {label:28s} peak {peak / 1024:6.1f} MiB  (idle {before / 1024:.1f})"
        )


if __name__ == "__main__":
    main()
