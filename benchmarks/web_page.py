"""What the web page of notes costs: the server time of `GET /` (the first page of notes, 50
of them, pinned ones first) at 1M notes, and the bytes of a page before any note.

    .venv/bin/python benchmarks/web_page.py [--size 1000000] [--runs 300]

The store is benchmarks/listing.py's (built once into benchmarks/results/, 10 notes pinned).
Requests go in-process through the whole ASGI app (Host check, headers, sign-in check,
admission, the library, Jinja2) with Starlette's TestClient, so the times include the test
client's own overhead but no network or process start-up; `GET /api/v1/notes?limit=50`
(the same page as JSON) is timed alongside, interleaved, for comparison.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import RESULTS
from fastapi.testclient import TestClient
from listing import build

from notes_api.app import create_app
from notes_core.settings import Settings

LOCAL = "http://127.0.0.1"


def time_pages(target: str, runs: int) -> dict[str, list[float]]:
    paths = {"GET / (HTML)": "/", "GET /api/v1/notes?limit=50 (JSON)": "/api/v1/notes?limit=50"}
    samples: dict[str, list[float]] = {name: [] for name in paths}
    with TestClient(create_app(Settings(db=target)), base_url=LOCAL) as client:
        for path in paths.values():  # warm up: caches, compiled templates
            for _ in range(20):
                assert client.get(path).status_code == 200
        for _ in range(runs):
            for name, path in paths.items():
                started = time.perf_counter()
                response = client.get(path)
                samples[name].append(time.perf_counter() - started)
                assert response.status_code == 200
    return samples


def empty_page_bytes() -> dict[str, int]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(db=str(Path(folder) / "empty.db"))
        with TestClient(create_app(settings), base_url=LOCAL) as client:
            return {
                path: len(client.get(path).content)
                for path in ("/", "/static/notes.css", "/static/notes.js")
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = str(RESULTS / f"listing-{args.size}.db")
    build(target, args.size)
    samples = time_pages(target, args.runs)
    print(f"\n{args.size:,} notes, in-process (TestClient), {args.runs} runs each (ms)\n")
    print("| request | median | p90 |")
    print("|---|--:|--:|")
    for name, times in samples.items():
        ordered = sorted(times)
        median = statistics.median(ordered) * 1000
        p90 = ordered[int(len(ordered) * 0.9)] * 1000
        print(f"| {name} | {median:.1f} | {p90:.1f} |")
    sizes = empty_page_bytes()
    print("\nA page with no notes (bytes):", sizes, f"total {sum(sizes.values()):,}")


if __name__ == "__main__":
    main()
