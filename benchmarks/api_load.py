"""`notes serve` under load, against the seed's tutorial app served the same way.

    .venv/bin/python benchmarks/api_load.py [--backends sqlite,postgres-1,postgres-2]
        [--rounds 3] [--duration 10] [--connections 16,64]

Needs wrk (Debian's package) and, for postgres-N backends, a PostgreSQL server that the
--pg-admin URL can create databases on (default postgres@127.0.0.1:5432, trust auth).

Servers: `notes --db STORE serve --workers N` (SQLite with its default durability: WAL,
synchronous=FULL; or a fresh PostgreSQL database), and benchmarks/seed_baseline.py under
`python -m uvicorn` with the same settings (log level warning, no access log, no server
header). The baseline always runs 1 worker: its notes live in one process's memory.
With 1 worker, each server runs on CPU 0 and wrk (2 threads) on CPU 1; a server with more
workers is not pinned. PostgreSQL itself is never pinned.

Each round starts every server afresh on an empty store, fills ours with 1,000 notes
(through the library, before it starts) and the baseline with the 10 notes of its
tutorial's happy path (through its `POST /add_note`), warms the read endpoints, and then
runs, for each connection count, each endpoint pair back to back (ours, then the
baseline): first all reads, then all writes, so every read run sees exactly the seeded
notes. Rounds cycle through the backends (round 1: sqlite, postgres-1, ...; round 2: ...)
so drift hits them alike.

Pairs: GET /api/v1/notes/{id} (a random seeded id) and GET /api/v1/notes?limit=50 against
the baseline's GET /notes; our POST /add_note and POST /api/v1/notes (durable writes)
against the baseline's POST /add_note.
Reported: medians over rounds of requests/s, p50 and p99 (wrk --latency), the median of the
per-round ratios ours/baseline, every non-2xx response and socket error, the targets of
issue 12 (GET by id >= 0.3x, the page of 50 >= 0.15x, writes >= 0.3x, p99 < 20 ms at 16
connections), and integrity: the writes wrk saw acknowledged (2xx) against the notes
found in the store afterwards (found >= acknowledged; the few more are requests still in
flight when wrk stopped). The report is also written to benchmarks/results/api_load.md.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _common import NOTES, PYTHON, RESULTS, ROOT, user_env

HOST = "127.0.0.1"
BENCH = ROOT / "benchmarks"
WRK_SCRIPTS = BENCH / "wrk"
OUR_NOTES = 1_000
BASE_NOTES = 10
SEED_TEXT = "seed note {}: the quick brown fox jumps over the lazy dog"
WRK_THREADS = 2
WRK_TIMEOUT_S = 10  # well above any latency we expect, so slow answers count, not vanish
SERVER_CPU, CLIENT_CPU = "0", "1"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Settings the servers must not inherit from the shell: they would change what we measure.
CLEARED_ENV = ("NOTES_DB", "NOTES_SYNC", "NOTES_TOKEN", "NOTES_MAX_BODY", "NOTES_POOL_SIZE")
P99_TARGET_MS, P99_CONNECTIONS = 20.0, 16


@dataclass(frozen=True)
class Backend:
    name: str
    kind: str  # "sqlite" or "postgres"
    workers: int


@dataclass(frozen=True)
class Pair:
    """One of our endpoints and the baseline endpoint it is measured against."""

    ours: str
    ours_path: str
    ours_script: str | None
    base: str
    base_path: str
    base_script: str | None
    kind: str  # "read" or "write"
    target: float  # the ratio to the baseline to reach


PAIRS = (
    Pair(
        "GET /api/v1/notes/{id}",
        "/api/v1/notes/1",  # the script picks the id
        "get_note.lua",
        "GET /notes",
        "/notes",
        None,
        "read",
        0.3,
    ),
    Pair(
        "GET /api/v1/notes?limit=50",
        "/api/v1/notes?limit=50",
        None,
        "GET /notes",
        "/notes",
        None,
        "read",
        0.15,
    ),
    Pair(
        "POST /add_note",
        "/add_note",
        "add_note.lua",
        "POST /add_note",
        "/add_note",
        "add_note.lua",
        "write",
        0.3,
    ),
    Pair(
        "POST /api/v1/notes",
        "/api/v1/notes",
        "add_note.lua",
        "POST /add_note",
        "/add_note",
        "add_note.lua",
        "write",
        0.3,
    ),
)


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    errors_text: str


@dataclass
class Results:
    # (backend, pair.ours, connections, "ours" | "base") -> one result per round
    runs: dict[tuple[str, str, int, str], list[WrkResult]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # (backend, round) -> (writes acknowledged by wrk, notes the writes left in the store)
    integrity: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    def add(self, key: tuple[str, str, int, str], result: WrkResult) -> None:
        self.runs.setdefault(key, []).append(result)


# --- wrk ---------------------------------------------------------------------------------

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if not match:
        raise ValueError(f"unexpected wrk latency {value!r}")
    return float(match[1]) * UNIT_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50, p99, non-2xx and socket errors from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    requests = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rps and p50 and p99 and requests):
        raise ValueError(f"cannot read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors:\s+(.*)", output)
    socket_errors = sum(int(n) for n in re.findall(r"\d+", sockets[1])) if sockets else 0
    return WrkResult(
        rps=float(rps[1]),
        p50_ms=_ms(p50[1]),
        p99_ms=_ms(p99[1]),
        requests=int(requests[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=socket_errors,
        errors_text=sockets[1].strip() if sockets else "",
    )


def run_wrk(
    port: int,
    path: str,
    script: str | None,
    script_args: Sequence[str],
    *,
    connections: int,
    duration: float,
    pin: bool,
) -> WrkResult:
    command = [*(["taskset", "-c", CLIENT_CPU] if pin else []), "wrk"]
    command += ["-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration:g}s"]
    command += ["--timeout", f"{WRK_TIMEOUT_S}s", "--latency"]
    if script:
        command += ["-s", str(WRK_SCRIPTS / script)]
    command.append(f"http://{HOST}:{port}{path}")
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --- servers -----------------------------------------------------------------------------

# Never through a proxy: every request of this benchmark stays on 127.0.0.1.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_json(port: int, method: str, path: str, body: object = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", data=data, method=method, headers=headers
    )
    try:
        with _http.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, label: str, command: list[str], port: int, ready_path: str, log: Path):
        self.label, self.port, self.ready_path, self.log = label, port, ready_path, log
        env = user_env({})
        for name in CLEARED_ENV:
            env.pop(name, None)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=BENCH,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers stop with it
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.label} exited at start-up:\n{self.log_tail()}")
            try:
                status, _ = http_json(self.port, "GET", self.ready_path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.label} not ready after {timeout:g} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)  # our own group, started above
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        host = admin_url.split("@", 1)[1].rsplit("/", 1)[0]
        user = admin_url.split("://", 1)[1].split("@", 1)[0]
        yield f"postgresql+psycopg://{user}@{host}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def store_for(backend: Backend, folder: Path, admin_url: str, round_no: int) -> Iterator[str]:
    if backend.kind == "sqlite":
        yield str(folder / f"{backend.name}-round{round_no}.db")
    else:
        name = f"notes_api_load_{os.getpid()}_{backend.name.replace('-', '_')}_{round_no}"
        with postgres_database(admin_url, name) as url:
            yield url


def start_pair(
    backend: Backend, store: str, folder: Path, round_no: int, stack: ExitStack, pin: bool
) -> tuple[Server, Server]:
    """Start `notes serve` and the baseline side by side; both answer when this returns."""
    ours_port, base_port = free_port(), free_port()
    server_pin = ["taskset", "-c", SERVER_CPU] if pin else []
    ours_command = [
        *(server_pin if backend.workers == 1 else []),
        *NOTES,
        *("--db", store, "serve", "--host", HOST, "--port", str(ours_port)),
        *("--workers", str(backend.workers)),
    ]
    base_command = [
        *server_pin,
        *(PYTHON, "-m", "uvicorn", "seed_baseline:app", "--app-dir", str(BENCH)),
        *("--host", HOST, "--port", str(base_port), "--workers", "1"),
        *("--log-level", "warning", "--no-access-log", "--no-server-header"),
    ]
    ours = Server(
        f"notes serve ({backend.name})",
        ours_command,
        ours_port,
        "/healthz",
        folder / f"{backend.name}-round{round_no}-ours.log",
    )
    stack.callback(ours.stop)
    base = Server(
        "seed baseline",
        base_command,
        base_port,
        "/notes",
        folder / f"{backend.name}-round{round_no}-base.log",
    )
    stack.callback(base.stop)
    ours.wait_ready()
    base.wait_ready()
    return ours, base


def fill_store(store: str) -> list[str]:
    """Our store with OUR_NOTES notes (each with a tag or two), written through the library
    before the server starts; returns their ids (for the GET-by-id script)."""
    from notes_core.library import NewNote, Notes

    with Notes.open(store) as notes:
        ids = notes.add_many(
            NewNote(SEED_TEXT.format(i), tags=["seed", f"t{i % 7}"][: 1 + i % 2])
            for i in range(1, OUR_NOTES + 1)
        )
    return [str(note_id) for note_id in ids]


def count_notes(store: str) -> int:
    """How many notes the store holds, live or not: counted with SQL of the benchmark's
    own, not through the code it measures."""
    if "://" not in store:
        with closing(sqlite3.connect(store)) as db:
            return int(db.execute("SELECT count(*) FROM notes").fetchone()[0])
    import psycopg

    with psycopg.connect(store.replace("+psycopg", "", 1)) as db:
        row = db.execute("SELECT count(*) FROM notes").fetchone()
        return int(row[0]) if row else 0


def seed(ours: Server, base: Server) -> None:
    """The baseline's notes (its tutorial's happy path), and a check that both servers
    hold what they should."""
    for i in range(1, BASE_NOTES + 1):
        status, answer = http_json(base.port, "POST", "/add_note", {"text": SEED_TEXT.format(i)})
        if status != 200 or not isinstance(answer, dict):
            raise RuntimeError(f"seeding {base.label}: {status} {answer}")
    _, page = http_json(ours.port, "GET", "/api/v1/notes?limit=50")
    _, everything = http_json(base.port, "GET", "/notes")
    if not (isinstance(page, dict) and len(page["items"]) == 50):
        raise RuntimeError(f"{ours.label}: the first page is not 50 notes")
    if not (isinstance(everything, dict) and len(everything) == BASE_NOTES):
        raise RuntimeError(f"{base.label}: GET /notes is not {BASE_NOTES} notes")


# --- the run -----------------------------------------------------------------------------


def parse_backends(spec: str) -> list[Backend]:
    backends = []
    for name in (part.strip() for part in spec.split(",") if part.strip()):
        match = re.fullmatch(r"(sqlite|postgres)(?:-(\d+))?", name)
        if not match:
            raise SystemExit(f"unknown backend {name!r}: use sqlite[-N] or postgres[-N]")
        backends.append(Backend(name, match[1], int(match[2] or 1)))
    return backends


def run_backend_round(
    backend: Backend,
    round_no: int,
    args: argparse.Namespace,
    folder: Path,
    results: Results,
) -> None:
    connections: list[int] = args.connections
    pin: bool = args.pin
    with ExitStack() as stack:
        store = stack.enter_context(store_for(backend, folder, args.pg_admin, round_no))
        ids = fill_store(store)
        ours, base = start_pair(backend, store, folder, round_no, stack, pin)
        seed(ours, base)
        acknowledged = 0

        def measure(
            server: Server, path: str, script: str | None, conns: int, secs: float
        ) -> WrkResult:
            nonlocal acknowledged
            script_args = ids if script == "get_note.lua" else []
            result = run_wrk(
                server.port, path, script, script_args, connections=conns, duration=secs, pin=pin
            )
            if server is ours and script == "add_note.lua":
                acknowledged += result.requests - result.non_2xx
            return result

        for kind in ("read", "write"):
            if kind == "write":
                before_writes = count_notes(store)
            pairs = [pair for pair in PAIRS if pair.kind == kind]
            if args.warmup > 0:  # reads change nothing; writes are warmed after every read
                for pair in pairs:
                    measure(ours, pair.ours_path, pair.ours_script, connections[0], args.warmup)
                    measure(base, pair.base_path, pair.base_script, connections[0], args.warmup)
            for conns in connections:
                for pair in pairs:
                    for side, server, path, script in (
                        ("ours", ours, pair.ours_path, pair.ours_script),
                        ("base", base, pair.base_path, pair.base_script),
                    ):
                        result = measure(server, path, script, conns, args.duration)
                        results.add((backend.name, pair.ours, conns, side), result)
                        label = pair.ours if side == "ours" else f"baseline {pair.base}"
                        print(
                            f"  round {round_no} {backend.name:11s} {label:32s} c={conns:<3d}"
                            f" {result.rps:9.1f} req/s  p50 {result.p50_ms:7.2f}  "
                            f"p99 {result.p99_ms:7.2f} ms" + flag_errors(result),
                            flush=True,
                        )
                        if result.non_2xx or result.socket_errors:
                            results.problems.append(
                                f"round {round_no}, {backend.name}, {label}, {conns} connections:"
                                f" {result.non_2xx} non-2xx of {result.requests}; socket errors"
                                f" {result.errors_text or 'none'}"
                            )
                        for dead in (s for s in (ours, base) if not s.alive()):
                            raise RuntimeError(
                                f"{dead.label} died (exit {dead.process.returncode}) during "
                                f"round {round_no}, {label}, c={conns}:\n{dead.log_tail()}"
                            )
        for server in (ours, base):
            server.stop()
            extra = [
                line
                for line in server.log.read_text(errors="replace").splitlines()
                if line.strip()
                and not line.startswith(("notes: serving on", "Created a new store"))
            ]
            if extra:
                results.problems.append(
                    f"round {round_no}, {backend.name}, {server.label} logged {len(extra)} "
                    f"line(s), last: {extra[-1][:200]}"
                )
        # Counted once the server has stopped: every write it acknowledged is in.
        results.integrity[(backend.name, round_no)] = (
            acknowledged,
            count_notes(store) - before_writes,
        )


def flag_errors(result: WrkResult) -> str:
    if not (result.non_2xx or result.socket_errors):
        return ""
    return f"  !! non-2xx {result.non_2xx}, socket errors {result.errors_text}"


# --- the report --------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio_of(ours: list[WrkResult], base: list[WrkResult]) -> float:
    """The median over rounds of ours/baseline, each ratio from two back-to-back runs."""
    return med([o.rps / b.rps for o, b in zip(ours, base, strict=False) if b.rps])


def error_counts(runs: list[WrkResult]) -> str:
    return f"{sum(r.non_2xx for r in runs)}/{sum(r.socket_errors for r in runs)}"


def report(backends: list[Backend], args: argparse.Namespace, results: Results) -> str:
    lines: list[str] = []
    out = lines.append
    connections: list[int] = args.connections
    verdicts: list[tuple[str, bool]] = []
    for backend in backends:
        workers = f"{backend.workers} worker" + ("s" if backend.workers > 1 else "")
        store = "SQLite (WAL, synchronous=FULL)" if backend.kind == "sqlite" else "PostgreSQL"
        out(f"\n### {backend.name}: notes serve, {workers}, {store}; baseline 1 worker\n")
        out(
            "| endpoint (ours) | baseline | conns | ours req/s | base req/s | ratio "
            "| ours p50 / p99 ms | base p50 / p99 ms | non-2xx / sock err (ours, base) |"
        )
        out("|---|---|--:|--:|--:|--:|--:|--:|--:|")
        for conns in connections:
            for pair in PAIRS:
                ours = results.runs.get((backend.name, pair.ours, conns, "ours"), [])
                base = results.runs.get((backend.name, pair.ours, conns, "base"), [])
                if not ours or not base:
                    out(f"| {pair.ours} | {pair.base} | {conns} | no data | | | | | |")
                    continue
                ratio = ratio_of(ours, base)
                ours_p99 = med([r.p99_ms for r in ours])
                errors = f"{error_counts(ours)}, {error_counts(base)}"
                out(
                    f"| {pair.ours} | {pair.base} | {conns} | {med([r.rps for r in ours]):.0f} "
                    f"| {med([r.rps for r in base]):.0f} | {ratio:.2f}x "
                    f"| {med([r.p50_ms for r in ours]):.1f} / {ours_p99:.1f} "
                    f"| {med([r.p50_ms for r in base]):.1f} / {med([r.p99_ms for r in base]):.1f} "
                    f"| {errors} |"
                )
                target = pair.target
                verdicts.append(
                    (
                        f"{backend.name}: {pair.ours} at {conns} conns {ratio:.2f}x "
                        f">= {target}x baseline {pair.base}",
                        ratio >= target,
                    )
                )
                if conns == P99_CONNECTIONS:
                    verdicts.append(
                        (
                            f"{backend.name}: {pair.ours} p99 {ours_p99:.1f} ms "
                            f"< {P99_TARGET_MS:g} ms at {conns} conns",
                            ours_p99 < P99_TARGET_MS,
                        )
                    )
    if len(backends) > 1:
        out("\n### Our throughput by backend (median req/s; baseline: median of all its runs)\n")
        out("| endpoint | conns | " + " | ".join(b.name for b in backends) + " | baseline |")
        out("|---|--:|" + "--:|" * (len(backends) + 1))
        for pair in PAIRS:
            for conns in connections:
                cells = [
                    med([r.rps for r in results.runs.get((b.name, pair.ours, conns, "ours"), [])])
                    for b in backends
                ]
                base_all = [
                    r.rps
                    for b in backends
                    for r in results.runs.get((b.name, pair.ours, conns, "base"), [])
                ]
                out(
                    f"| {pair.ours} | {conns} | "
                    + " | ".join(f"{c:.0f}" for c in cells)
                    + f" | {med(base_all):.0f} ({pair.base}) |"
                )
    out("\n### Integrity (writes acknowledged by wrk, notes they left in the store)\n")
    for (name, round_no), (acked, found) in sorted(results.integrity.items()):
        verdicts.append(
            (
                f"{name}, round {round_no}: {acked} writes acknowledged, {found} notes "
                "found (none lost)",
                found >= acked,
            )
        )
        out(f"- {name}, round {round_no}: {acked} acknowledged, {found} found")
    out("\n### Targets\n")
    for text, ok in verdicts:
        out(f"- {'PASS' if ok else 'FAIL'}: {text}")
    out("\n### Problems\n")
    out(
        "\n".join(f"- {p}" for p in results.problems)
        or "- none: every response 2xx, no socket errors"
    )
    return "\n".join(lines)


def header(backends: list[Backend], args: argparse.Namespace) -> str:
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    versions = subprocess.run(
        [PYTHON, "-c", "import fastapi, uvicorn; print(fastapi.__version__, uvicorn.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pinning = (
        f"1-worker servers on CPU {SERVER_CPU}, wrk on CPU {CLIENT_CPU}; multi-worker servers "
        "and PostgreSQL unpinned"
        if args.pin
        else "none"
    )
    return "\n".join(
        [
            "## notes serve under load vs the seed tutorial app",
            "",
            f"- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start",
            f"- Python {platform.python_version()}, FastAPI {versions[0]}, uvicorn {versions[1]}, "
            f"{wrk_version.split(' Copyright')[0].strip()}",
            f"- backends: {', '.join(b.name for b in backends)}; rounds: {args.rounds}, "
            f"{args.duration:g} s per run, connections {args.connections}, wrk {WRK_THREADS} "
            f"threads, timeout {WRK_TIMEOUT_S} s; {args.warmup:g} s warm-up per endpoint",
            f"- pinning: {pinning}",
            f"- every round: fresh servers and stores, {OUR_NOTES:,} notes in ours and "
            f"{BASE_NOTES} in the baseline, "
            "reads then writes; figures are medians over rounds, ratios medians of per-round "
            "ratios",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite", help="e.g. sqlite,postgres-1,postgres-2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per endpoint")
    parser.add_argument(
        "--connections",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[16, 64],
        help="comma-separated",
    )
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="URL to create databases with")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="no taskset")
    args = parser.parse_args()
    backends = parse_backends(args.backends)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    if args.pin and (shutil.which("taskset") is None or len(os.sched_getaffinity(0)) < 2):
        print("fewer than 2 CPUs or no taskset: not pinning")
        args.pin = False
    runs = len(backends) * len(args.connections) * len(PAIRS) * 2
    estimate = args.rounds * runs * args.duration / 60
    head = header(backends, args)
    print(head)
    print(f"\n{args.rounds} rounds x {runs} runs: at least {estimate:.0f} min\n", flush=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    results = Results()
    # The SQLite stores live under benchmarks/results/, on a real disk (/tmp may be tmpfs,
    # where fsync costs nothing and durable writes would look free).
    with tempfile.TemporaryDirectory(dir=RESULTS, prefix="api_load-") as tmp:
        for round_no in range(1, args.rounds + 1):
            for backend in backends:
                try:
                    run_backend_round(backend, round_no, args, Path(tmp), results)
                except RuntimeError as exc:
                    results.problems.append(f"round {round_no}, {backend.name}: {exc}")
                    print(f"  !! {exc}", flush=True)
    body = report(backends, args, results)
    print(body)
    (RESULTS / "api_load.md").write_text(f"{head}\n{body}\n")
    print(f"\nwritten to {(RESULTS / 'api_load.md').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
