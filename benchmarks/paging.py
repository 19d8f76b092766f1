"""Keyset paging: a page deep in a large store costs what the first page does.

    .venv/bin/python benchmarks/paging.py [--size 1000000]

Uses the store benchmarks/search.py builds. Times repository.list_page (limit 50) for
the first page and for pages starting 10%, 50% and 99.9% of the way down, median of 200.
"""

import argparse
import statistics
import time

from _common import RESULTS

from notes_core import repository
from notes_core.engine import open_store
from notes_core.repository.pagination import encode_cursor
from notes_core.session import session_scope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    store = open_store(str(RESULTS / f"search-{args.size}.db"))
    first_ms = 0.0
    for depth in (0.0, 0.1, 0.5, 0.999):
        before_id = int(args.size * (1 - depth)) + 1
        cursor = encode_cursor("id", before_id) if depth else None
        samples = []
        for _ in range(200):
            started = time.perf_counter()
            with session_scope(store) as session:
                page = repository.page(session, limit=50, cursor=cursor)
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples) * 1000
        first_ms = first_ms or median
        print(
            f"page at {depth:6.1%} of {args.size:,} notes (first id {page.items[0].id:>9,}): "
            f"{median:6.2f} ms  ({median / first_ms:.2f}x the first page)"
        )
    store.close()


if __name__ == "__main__":
    main()
