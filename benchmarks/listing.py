"""What a listing costs as the store grows: every kind of `notes list` page at 10k and 1M
notes, and the growth 1M/10k (O(page) means ~1x).

    .venv/bin/python benchmarks/listing.py [--sizes 10000,1000000] [--runs 200]
    .venv/bin/python benchmarks/listing.py --db postgresql+psycopg://postgres@127.0.0.1/bench

Stores are built once into benchmarks/results/ (or PostgreSQL databases named after the
`--db` prefix) with the notes of benchmarks/search.py, created a minute apart from
2020-01-01 on (1M notes span 1.9 years), 10 of them pinned, spread through the store.
Each listing is one page of 10 through the library (`Notes.page`, no process start-up),
median of `--runs`, the sizes interleaved so drift hits them alike:

- `first page`: `notes list --limit 10` (the pinned group, then the rest by id);
- `--pinned`, `--sort updated`;
- `--since` a week before the newest note, `--until` a day after the oldest, a one-day
  window in the middle, and a window holding only 3 notes (which a walk in id order
  filtering on dates would have to read the whole store to prove);
- page 100 of the default listing, reached by its cursor.
"""

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from _common import RESULTS
from search import SEED, generate, vocabulary

from notes_core import Notes
from notes_core.transfer.records import ImportRecord

START = datetime(2020, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=1)


def records(count: int) -> Iterator[ImportRecord]:
    for number, note in enumerate(generate(count, vocabulary(random.Random(SEED)))):
        when = START + STEP * number
        yield ImportRecord(f"{note.text} ({number})", list(note.tags), when, when, None, "")


def build(target: str, size: int) -> None:
    with Notes.open(target) as notes:
        if next(notes.iterate(limit=1), None) is not None:
            return
        started = time.perf_counter()
        notes.import_records(records(size))
        notes.pin(range(1, size + 1, size // 10))
        print(f"  built {size:,} notes in {time.perf_counter() - started:.0f} s")


def listings(size: int) -> dict[str, Callable[[Notes], object]]:
    newest = START + STEP * (size - 1)
    middle = START + STEP * (size // 2)

    def deep(notes: Notes) -> object:
        cursor = None
        for _ in range(100):
            cursor = notes.page(limit=10, cursor=cursor).next_cursor
        return cursor

    return {
        "first page": lambda notes: notes.page(limit=10),
        "--pinned": lambda notes: notes.page(limit=10, pinned=True),
        "--sort updated": lambda notes: notes.page(limit=10, sort="updated"),
        "--since newest-7d": lambda notes: notes.page(limit=10, since=newest - timedelta(days=7)),
        "--until oldest+1d": lambda notes: notes.page(limit=10, until=START + timedelta(days=1)),
        "1-day window, middle": lambda notes: notes.page(
            limit=10, since=middle, until=middle + timedelta(days=1)
        ),
        "3-note window, middle": lambda notes: notes.page(
            limit=10, since=middle, until=middle + STEP * 3
        ),
        "page 100 (per page)": deep,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--db", help="a PostgreSQL URL prefix; default: SQLite files")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stores: dict[int, Notes] = {}
    for size in sizes:
        target = f"{args.db}_listing_{size}" if args.db else str(RESULTS / f"listing-{size}.db")
        if args.db:
            ensure_database(target)
        build(target, size)
        stores[size] = Notes.open(target)
    kinds = listings(sizes[0]).keys()
    samples = {(kind, size): [] for kind in kinds for size in sizes}  # type: ignore[var-annotated]
    for _ in range(args.runs):
        for size in sizes:
            for kind, run in listings(size).items():
                started = time.perf_counter()
                run(stores[size])
                elapsed = time.perf_counter() - started
                samples[kind, size].append(elapsed / (100 if kind.startswith("page 100") else 1))
    engine = "PostgreSQL" if args.db else "SQLite"
    print(f"\n{engine}, one page of 10 through the library, median of {args.runs} (ms)\n")
    header = " | ".join(f"{size:,}" for size in sizes)
    print(f"| listing | {header} | {sizes[-1]:,} / {sizes[0]:,} |")
    print("|---|" + "--:|" * (len(sizes) + 1))
    for kind in kinds:
        medians = [statistics.median(samples[kind, size]) * 1000 for size in sizes]
        cells = " | ".join(f"{value:.2f}" for value in medians)
        print(f"| {kind} | {cells} | {medians[-1] / medians[0]:.2f}x |")
    for notes in stores.values():
        notes.close()


def ensure_database(url: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://")
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
