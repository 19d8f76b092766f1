"""Where the time of one `notes serve` request goes: the app under cProfile while wrk loads it.

    .venv/bin/python benchmarks/api_profile.py [--endpoint get|list|add|create]
        [--notes 1000] [--duration 5] [--connections 16] [--top 35]

Builds a SQLite store of --notes notes (synchronous=FULL, as `notes serve` has by default)
under benchmarks/results/, serves it in this process with uvicorn (1 worker, the same
settings as `notes serve`), runs wrk against one endpoint, and prints the functions that
took the most time, by own time and by cumulative time. cProfile slows everything down
(several times over), so read the shares, not the absolute figures; it sees only the event
loop's thread (not the thread pool's, nor the group commit's), and counts every resumption
of a coroutine as a call. For every thread, sample a running `notes serve` instead:
`py-spy record --threads -f raw -p PID` (pip install py-spy), as benchmarks/README.md did.
"""

import argparse
import cProfile
import os
import pstats
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from _common import RESULTS, ROOT

HOST = "127.0.0.1"
ENDPOINTS = {
    "get": ("/api/v1/notes/1", "get_note.lua"),
    "list": ("/api/v1/notes?limit=50", None),
    "add": ("/add_note", "add_note.lua"),
    "create": ("/api/v1/notes", "add_note.lua"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="get")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=RESULTS, prefix="api_profile-") as tmp:
        store = str(Path(tmp) / "profile.db")
        run(args, store)


def run(args: argparse.Namespace, store: str) -> None:
    import uvicorn

    from notes_api.app import create_app
    from notes_core.library import NewNote, Notes
    from notes_core.settings import Settings

    for name in ("NOTES_DB", "NOTES_SYNC", "NOTES_TOKEN", "NOTES_POOL_SIZE"):
        os.environ.pop(name, None)
    with Notes.open(store) as notes:
        ids = notes.add_many(
            NewNote(f"note {i}: the quick brown fox", tags=["a", f"t{i % 7}"])
            for i in range(args.notes)
        )
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        create_app(Settings(db=store)),
        host=HOST,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    server = uvicorn.Server(config)
    path, script = ENDPOINTS[args.endpoint]
    outcome: dict[str, str] = {}

    def load() -> None:
        while not server.started:
            time.sleep(0.05)
        command = ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.duration:g}s"]
        if script:
            command += ["-s", str(ROOT / "benchmarks" / "wrk" / script)]
        command.append(f"http://{HOST}:{port}{path}")
        if script == "get_note.lua":
            command += ["--", *map(str, ids[:50])]
        outcome["wrk"] = subprocess.run(command, capture_output=True, text=True).stdout
        server.should_exit = True

    thread = threading.Thread(target=load)
    thread.start()
    profile = cProfile.Profile()
    profile.runcall(server.run)
    thread.join()
    print(outcome.get("wrk", "wrk gave no output"))
    requests = next(
        (
            int(line.split()[0])
            for line in outcome.get("wrk", "").splitlines()
            if "requests in" in line
        ),
        1,
    )
    stats = pstats.Stats(profile)
    print(f"{requests} requests; times below are totals over all of them\n")
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
