"""What a big trash costs listing and search: 1M live notes with 100k in the trash,
against the same 1M notes with an empty trash.

    .venv/bin/python benchmarks/trash.py [--live 1000000] [--trashed 100000] [--runs 21]
    .venv/bin/python benchmarks/trash.py --db postgresql+psycopg://postgres@127.0.0.1/bench

Two stores, built once into benchmarks/results/ (or PostgreSQL databases named after the
`--db` prefix): `empty` holds the live notes; `full` holds the same notes and then
`--trashed` more, made by the same text generator (so they match the same queries) and
moved to the trash. They are the newest notes: the worst case for a newest-first listing
that had to step over them.

Measured, interleaved between the two stores so drift hits both alike:
- `notes list --limit 10` as a command (median of `--runs`), and the same listing through
  the library (median of 300, no process start-up in it);
- search: the median over 50 single-word and 50 two-word queries (limit 20).
The target: each within 1.1x of the empty-trash store.
"""

import argparse
import random
import shutil
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from _common import NOTES, RESULTS, time_commands
from search import SEED, generate, queries, vocabulary

from notes_core import Notes
from notes_core.transfer.records import ImportRecord

START = datetime(2020, 1, 1, tzinfo=UTC)


def records(count: int, first: int) -> Iterator[ImportRecord]:
    """`count` generated notes, created a second apart from note number `first` on. The
    generator repeats itself: later batches are the same texts, so they match the same
    queries; the number keeps them from being skipped as duplicates."""
    for number, note in enumerate(generate(count, vocabulary(random.Random(SEED)))):
        when = START + timedelta(seconds=first + number)
        text = f"{note.text} ({first + number})"
        yield ImportRecord(text, list(note.tags), when, when, None, f"note {number}")


def build(target: str, live: int) -> None:
    with Notes.open(target) as notes:
        if next(notes.iterate(limit=1), None) is not None:
            return
        started = time.perf_counter()
        notes.import_records(records(live, 0))
        print(f"  built {live:,} live notes in {time.perf_counter() - started:.0f} s")


def add_trash(target: str, live: int, trashed: int) -> None:
    with Notes.open(target) as notes:
        if next(notes.trashed(limit=1), None) is not None:
            return
        started = time.perf_counter()
        notes.import_records(records(trashed, live))
        newest = [note.id for note in notes.iterate(limit=trashed)]
        notes.trash(newest)
        print(f"  trashed {trashed:,} new notes in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=int, default=1_000_000)
    parser.add_argument("--trashed", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--db", help="a PostgreSQL URL prefix to use instead of SQLite files")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.db:
        empty, full = f"{args.db}_trash_empty_{args.live}", f"{args.db}_trash_full_{args.live}"
        build(empty, args.live)
        build(full, args.live)
    else:
        empty = str(RESULTS / f"trash-empty-{args.live}.db")
        full = str(RESULTS / f"trash-full-{args.live}.db")
        build(empty, args.live)
        if not (RESULTS / f"trash-full-{args.live}.db").exists():
            shutil.copy(empty, full)
    add_trash(full, args.live, args.trashed)
    stores = {"empty trash": empty, f"{args.trashed:,} trashed": full}

    times = time_commands(
        {name: [*NOTES, "--db", db, "list", "--limit", "10"] for name, db in stores.items()},
        runs=args.runs,
        env={},
    )
    command = {name: statistics.median(samples) * 1000 for name, samples in times.items()}

    batches = queries(vocabulary(random.Random(SEED)), 50)
    searches = batches["single word"] + batches["two words"]
    opened = {name: Notes.open(db) for name, db in stores.items()}
    listing: dict[str, list[float]] = {name: [] for name in stores}
    search: dict[str, list[float]] = {name: [] for name in stores}
    for _ in range(20):  # warm both stores' caches
        for notes in opened.values():
            list(notes.iterate(limit=10))
            list(notes.search(searches[0], limit=20))
    for _ in range(300):  # interleaved, so drift hits both alike
        for name, notes in opened.items():
            started = time.perf_counter()
            list(notes.iterate(limit=10))
            listing[name].append(time.perf_counter() - started)
    for query in searches:  # interleaved per query
        for name, notes in opened.items():
            started = time.perf_counter()
            list(notes.search(query, limit=20))
            search[name].append(time.perf_counter() - started)
    for notes in opened.values():
        notes.close()

    base, trash = stores
    print(f"\n{args.live:,} live notes; median ms (ratio to the empty trash; target <= 1.10)")
    rows = [
        ("notes list --limit 10 (command)", command),
        (
            "list limit 10 (library, 300 runs)",
            {name: statistics.median(samples) * 1000 for name, samples in listing.items()},
        ),
        (
            "search, 100 queries (library)",
            {name: statistics.median(samples) * 1000 for name, samples in search.items()},
        ),
    ]
    for label, values in rows:
        print(
            f"  {label:34s} {values[base]:8.2f} | {values[trash]:8.2f} | "
            f"{values[trash] / values[base]:.3f}x"
        )


if __name__ == "__main__":
    main()
