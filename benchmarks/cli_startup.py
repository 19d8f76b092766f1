"""Start-up of `notes add` and `notes list --limit 10` against their baselines.

    .venv/bin/python benchmarks/cli_startup.py [--runs 21]

Baselines, each timed in the same interleaved run as the commands:
- `python -c "import typer, sqlalchemy"`: the cost of the dependencies we chose.
- a 15-line stdlib sqlite3 script inserting one row into a WAL file: the physical floor.
- the same commands on an empty store vs a store of 100,000 notes: nothing may scan.
Prints medians and ratios, and the `python -X importtime` top five for `notes add`.
"""

import argparse
import subprocess
import tempfile
from pathlib import Path

from _common import NOTES, PYTHON, RESULTS, compile_project, median_ms, time_commands, user_env

SQLITE_FLOOR = """
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("PRAGMA busy_timeout=15000")
db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT)")
db.execute("BEGIN IMMEDIATE")
cur = db.execute("INSERT INTO notes (text) VALUES (?)", (sys.argv[2],))
db.execute("COMMIT")
print(cur.lastrowid)
db.close()
""".strip()


def big_store(path: Path, count: int) -> None:
    if path.exists():
        return
    from notes_core import repository
    from notes_core.engine import open_store
    from notes_core.session import session_scope

    store = open_store(str(path))
    with session_scope(store, write=True) as session:
        repository.add_many(
            session,
            notes=(
                repository.NewNote(f"note number {i} about topic {i % 97}", [f"t{i % 13}"])
                for i in range(count)
            ),
        )
    store.close()


def importtime_top(env: dict[str, str], count: int = 5) -> list[tuple[int, str]]:
    result = subprocess.run(
        [PYTHON, "-X", "importtime", NOTES[1], "add", "hello"],
        env=user_env(env),
        capture_output=True,
        text=True,
        check=True,
    )
    # Self time summed per top-level package: what each dependency costs `notes add`.
    per_package: dict[str, int] = {}
    for line in result.stderr.splitlines()[1:]:  # the first line is the header
        self_us, _, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        per_package[package] = per_package.get(package, 0) + int(self_us)
    return sorted(((us, name) for name, us in per_package.items()), reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--notes", type=int, default=100_000)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    compile_project()
    big = RESULTS / f"startup-{args.notes}.db"
    big_store(big, args.notes)

    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.db"
        floor_db = Path(folder) / "floor.db"
        subprocess.run([*NOTES, "--db", str(empty), "add", "warm"], check=True, capture_output=True)
        env = {"NOTES_DB": str(empty)}
        commands = {
            "import typer, sqlalchemy": [PYTHON, "-c", "import typer, sqlalchemy"],
            "sqlite3 floor (insert 1 row)": [PYTHON, "-c", SQLITE_FLOOR, str(floor_db), "hello"],
            "notes add hello": [*NOTES, "add", "hello"],
            "notes list --limit 10": [*NOTES, "list", "--limit", "10"],
            "notes add hello (100k store)": [*NOTES, "--db", str(big), "add", "hello"],
            "notes list --limit 10 (100k store)": [
                *NOTES,
                "--db",
                str(big),
                "list",
                "--limit",
                "10",
            ],
        }
        times = time_commands(commands, runs=args.runs, env=env)
        top = importtime_top(env)

    med = {name: median_ms(samples) for name, samples in times.items()}
    print(f"medians of {args.runs} interleaved runs (ms)")
    for name, value in med.items():
        print(f"  {name:40s} {value:8.1f}")
    deps, floor = med["import typer, sqlalchemy"], med["sqlite3 floor (insert 1 row)"]
    show = "  {:24s} {:28s} = {:.2f}x{}".format
    print("ratios")
    for command in ("notes add hello", "notes list --limit 10"):
        big_name = f"{command} (100k store)"
        # Issue 11: `notes add` within 1.15x; the listing's target stayed 1.3x.
        target = " (target <= 1.15x)" if command == "notes add hello" else " (target <= 1.3x)"
        print(show(command, "/ import typer, sqlalchemy", med[command] / deps, target))
        print(show(command, "/ sqlite3 floor", med[command] / floor, ""))
        print(
            show(
                command,
                "100k store / empty store",
                med[big_name] / med[command],
                " (target <= 1.1x)",
            )
        )
    print("python -X importtime, notes add: top five packages by import time (self, summed)")
    for micros, name in top:
        print(f"  {micros / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
