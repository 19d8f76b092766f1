"""`notes backup`: a consistent copy of a SQLite store, taken while others write to it.

SQLite's online backup API copies every page inside one read transaction: under WAL,
writers go on meanwhile and the copy is the store as of one moment. The copy is written
to a hidden file beside the destination (created 0600) and hard-linked into place, which
fails if the destination exists: a backup never overwrites anything and never leaves a
half-written file under the name asked for.
"""

import os
import secrets
import sqlite3
from pathlib import Path

from notes_core.db_errors import translated
from notes_core.engine import Store
from notes_core.errors import BackupExists, BackupUnsupported, InvalidInput, StoreError

_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)


def backup(store: Store, destination: str | os.PathLike[str]) -> Path:
    """Copy the store to `destination` (a new file, mode 0600) and return its path.

    Raises BackupUnsupported (PostgreSQL), BackupExists (also for an existing folder),
    InvalidInput for a path ending in a separator (a folder, not a file name), StoreError.
    """
    if not store.is_sqlite:
        raise BackupUnsupported(
            "notes backup copies SQLite stores only; for PostgreSQL use pg_dump, "
            "or `notes export > notes.jsonl` for the notes alone"
        )
    target = Path(destination).expanduser().absolute()
    if target.is_dir():
        raise BackupExists(f"{target} is a folder; give a file name, such as {target / 'notes.db'}")
    # Path() drops a trailing '/': `backup newdir/` would write a file named newdir.
    named = os.fspath(destination)
    if named.endswith(_SEPARATORS):
        raise InvalidInput(
            f"{named} ends with {named[-1]!r}, as a folder does: give the backup a file name, "
            f"such as {named}notes.db"
        )
    if target.exists() or target.is_symlink():
        raise BackupExists(f"{target} already exists; left untouched: choose a new file name")
    if not target.parent.is_dir():
        raise StoreError(f"cannot write the backup: folder {target.parent} does not exist")
    partial = target.parent / f".{target.name}.{secrets.token_hex(4)}.partial"
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise StoreError(f"cannot write the backup in {target.parent}: {exc.strerror}") from None
    try:
        with translated(store.url, action="back up"), store.engine.connect() as connection:
            source = connection.connection.driver_connection
            assert isinstance(source, sqlite3.Connection)
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            except sqlite3.Error as exc:  # raw driver calls: not wrapped by SQLAlchemy
                raise StoreError(f"cannot back up {store.location}: {exc}") from None
            finally:
                copy.close()
        try:
            os.link(partial, target)
        except FileExistsError:
            raise BackupExists(
                f"{target} appeared while the backup was written; left untouched"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot write the backup to {target}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target
