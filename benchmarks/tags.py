"""What `notes tags` costs at 1M notes and 1,000 distinct tags, against the start-up of
`notes list --limit 1`; and what `notes tag rename` costs on a tag of 100,000 notes.

    .venv/bin/python benchmarks/tags.py [--notes 1000000] [--runs 21]
    .venv/bin/python benchmarks/tags.py --db postgresql+psycopg://postgres@127.0.0.1/bench

The store is built once into benchmarks/results/ (or a PostgreSQL database named after
the `--db` prefix): `--notes` notes a second apart, each with 0-3 tags drawn from 999
(Zipf-weighted, so a few tags are on hundreds of thousands of notes and the rarest on a
few hundred), plus `bulk` on every tenth note (100,000 of 1M): 1,000 distinct tags in all.
Every tenth note that is not `bulk` is in the trash (they are imported trashed), so the
counts have trash to leave out.

Measured:
- `notes tags > /dev/null` and `notes list --limit 1 > /dev/null` as whole commands,
  interleaved, median of `--runs` each, and their ratio (the target: under 2x);
- `Notes.tags()` through the library (median of 21, no process start-up);
- `notes tag rename bulk bulk2` on a copy of the store (100,000 notes changed, each
  keeping its previous version), once: a rename is a write, so a copy is made per run.
"""

import argparse
import random
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from _common import NOTES, RESULTS, compile_project, time_commands, user_env

from notes_core import Notes
from notes_core.transfer.records import ImportRecord

START = datetime(2020, 1, 1, tzinfo=UTC)
SEED = 11
WORDS = ["oat", "milk", "deploy", "staging", "review", "draft", "call", "plan", "fix", "read"]
TAG_NAMES = [f"tag{number:03d}" for number in range(999)]
BULK = "bulk"  # on every tenth note: the tag the rename moves


def records(count: int) -> Iterator[ImportRecord]:
    rng = random.Random(SEED)
    weights = [1 / (rank + 1) for rank in range(len(TAG_NAMES))]
    for number in range(count):
        when = START + timedelta(seconds=number)
        text = f"note {number}: " + " ".join(rng.choices(WORDS, k=rng.randint(3, 8)))
        tags = rng.choices(TAG_NAMES, weights, k=rng.randint(0, 3))
        trashed = None
        if number % 10 == 0:
            tags.append(BULK)
        elif number % 10 == 5:
            trashed = when + timedelta(days=1)
        yield ImportRecord(text, tags, when, when, trashed, f"note {number}")


def create_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, unless it exists."""
    import psycopg

    base, name = url.replace("+psycopg", "").rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        admin.execute(f'CREATE DATABASE "{name}"')


def build(target: str, count: int) -> None:
    if target.startswith("postgresql"):
        create_database(target)
    with Notes.open(target) as notes:
        if count == 0 or next(notes.export(trash=True), None) is not None:
            return
        started = time.perf_counter()
        notes.import_records(records(count))
        print(f"  built {count:,} notes in {time.perf_counter() - started:.0f} s")
    if target.startswith("postgresql"):
        # What autovacuum does soon after a bulk load: statistics, and the visibility
        # map that lets a count read the index alone.
        import psycopg

        with psycopg.connect(target.replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")


def copy_store(source: str, name: str, *, postgres_prefix: str | None) -> str:
    """A fresh copy of the built store for a write to change."""
    if postgres_prefix is None:
        copy = RESULTS / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            RESULTS.joinpath(f"{name}.db{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, copy)
        return str(copy)
    import psycopg

    admin_url = postgres_prefix.rsplit("/", 1)[0].replace("+psycopg", "") + "/postgres"
    source_name = source.rsplit("/", 1)[1]
    copy_name = f"{source_name}_{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy_name}"')
        admin.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{source_name}"')
    return postgres_prefix.rsplit("/", 1)[0] + "/" + copy_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--db", help="a PostgreSQL URL prefix to use instead of a SQLite file")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = f"{args.db}_tags_{args.notes}" if args.db else str(RESULTS / f"tags-{args.notes}.db")
    build(target, args.notes)
    if args.build_only:
        return
    compile_project()

    with Notes.open(target) as notes:
        counts = notes.tags()
        library: list[float] = []
        for _ in range(21):
            started = time.perf_counter()
            notes.tags()
            library.append(time.perf_counter() - started)
    links = sum(tag.count for tag in counts)
    print(f"\n{args.notes:,} notes, {len(counts):,} tags in use, {links:,} live tag links")

    # For scale: the same start-up on a store with nothing in it.
    empty = f"{args.db}_tags_empty" if args.db else str(RESULTS / "tags-empty.db")
    build(empty, 0)
    times = time_commands(
        {
            "notes list --limit 1": [*NOTES, "--db", target, "list", "--limit", "1"],
            "notes tags": [*NOTES, "--db", target, "tags"],
            "empty store": [*NOTES, "--db", empty, "list", "--limit", "1"],
        },
        runs=args.runs,
        env={},
    )
    listing = statistics.median(times["notes list --limit 1"]) * 1000
    tags = statistics.median(times["notes tags"]) * 1000
    print(f"  notes list --limit 1  {listing:8.1f} ms (median of {args.runs})")
    print(f"  notes tags            {tags:8.1f} ms  -> {tags / listing:.2f}x (target < 2x)")
    empty_ms = statistics.median(times["empty store"]) * 1000
    print(f"  (notes list --limit 1 on an empty store: {empty_ms:.1f} ms)")
    print(f"  Notes.tags() library  {statistics.median(library) * 1000:8.1f} ms (median of 21)")

    copy = copy_store(target, "rename", postgres_prefix=args.db)
    command = [*NOTES, "--db", copy, "tag", "rename", BULK, "bulk2"]
    started = time.perf_counter()
    done = subprocess.run(command, env=user_env({}), capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    print(f"  notes tag rename      {elapsed * 1000:8.1f} ms: {done.stderr.strip()}")


if __name__ == "__main__":
    main()
