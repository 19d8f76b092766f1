"""Import and export speed and peak memory, through the `notes` command as users run it.

    .venv/bin/python benchmarks/transfer.py [--sizes 100000,1000000] [--runs 3]

For each size, a jsonl file of that many notes is generated once (the text generator of
benchmarks/search.py, dates one second apart, 0-2 tags) into benchmarks/results/. Then,
`--runs` times each: `notes --db NEW import FILE` into a new SQLite store, and
`notes --db STORE export > /dev/null` (jsonl) of the store it made. Reports the median
notes/s against the issue's targets (import 20,000/s at 100k; export 50,000/s at 1M) and
the peak resident memory of each command (ru_maxrss), which must not grow with the size.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import NOTES, RESULTS, user_env
from search import SEED, generate, vocabulary

IMPORT_TARGET = 20_000
EXPORT_TARGET = 50_000


def jsonl_file(count: int) -> Path:
    path = RESULTS / f"transfer-{count}.jsonl"
    if path.exists():
        return path
    start = datetime(2020, 1, 1, tzinfo=UTC)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for number, note in enumerate(generate(count, vocabulary(random.Random(SEED)))):
            when = (start + timedelta(seconds=number)).isoformat(timespec="microseconds")
            record = {"text": note.text, "tags": list(note.tags), "created_at": when}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.rename(path)
    return path


def run(command: list[str], *, stdin: Path | None = None) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one command; stdout discarded; fails loudly."""
    started = time.perf_counter()
    with open(stdin or os.devnull, "rb") as source:
        process = subprocess.Popen(
            command,
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=user_env({}),
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed: {errors.decode(errors='replace')}")
    return time.perf_counter() - started, usage.ru_maxrss


def store_path(count: int, attempt: int) -> Path:
    path = RESULTS / f"transfer-{count}-{attempt}.db"
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for count in (int(size) for size in args.sizes.split(",")):
        source = jsonl_file(count)
        imports: list[tuple[float, int]] = []
        exports: list[tuple[float, int]] = []
        for attempt in range(args.runs):
            db = store_path(count, attempt)
            imports.append(run([*NOTES, "--db", str(db), "import", str(source)]))
            exports.append(run([*NOTES, "--db", str(db), "export"]))
            if attempt:
                db.unlink()
        for kind, samples, target in (
            ("import", imports, IMPORT_TARGET),
            ("export", exports, EXPORT_TARGET),
        ):
            seconds = statistics.median(s for s, _ in samples)
            peak = max(rss for _, rss in samples) / 1024
            rows.append((count, kind, count / seconds, target, peak))
            print(
                f"{count:>9,} {kind}: {count / seconds:9,.0f} notes/s "
                f"({count / seconds / target:.2f}x the {target:,}/s target), "
                f"median of {len(samples)} ({', '.join(f'{s:.1f}' for s, _ in samples)} s), "
                f"peak RSS {peak:.1f} MiB"
            )
    print("\nsize | kind | notes/s (median) | x target | peak RSS MiB")
    for count, kind, rate, target, peak in rows:
        print(f"{count:,} | {kind} | {rate:,.0f} | {rate / target:.2f} | {peak:.1f}")


if __name__ == "__main__":
    main()
