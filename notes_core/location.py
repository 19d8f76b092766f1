"""Where the store lives: a target (`--db`, else NOTES_DB: see Settings), else a SQLite
file in the user data dir."""

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from notes_core.errors import StoreError

SECRET_QUERY_KEYS = ("password", "sslpassword")


def default_db_path() -> Path:
    # Imported here: platformdirs is only needed when no target was given.
    from platformdirs import user_data_dir

    return Path(user_data_dir("notes", appauthor=False)) / "notes.db"


def resolve_url(target: str | None = None) -> URL:
    """Turn a target (Settings.db) or, for None, the default file into a SQLAlchemy URL.

    A target with `://` is a URL; anything else is a path to a SQLite file.
    Raises StoreError for a malformed URL.
    """
    if not target:
        return URL.create("sqlite", database=str(default_db_path()))
    if "://" not in target:
        path = Path(target).expanduser().absolute()
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(target)
    except ArgumentError:
        raise StoreError(f"{target!r} is not a database URL or a file path") from None
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we support; plain `postgresql://` would pick psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {url.get_backend_name()!r}: use a SQLite path or a "
            "postgresql+psycopg:// URL"
        )
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise StoreError("a SQLite store needs a file path, e.g. sqlite:///path/to/notes.db")
    if url.get_backend_name() == "sqlite":
        # `sqlite:///x.db` is relative to the current folder (four slashes make an absolute
        # path): fixed now, so `notes path` and a server's workers name the same file.
        url = url.set(database=str(Path(str(url.database)).expanduser().absolute()))
    if url.get_backend_name() == "sqlite" and url.query:
        # The driver would ignore some (with a warning), fail on others, and with uri=true
        # create a second, world-readable file named after the query.
        raise StoreError(
            "a SQLite store URL takes no options after '?': use sqlite:///path/to/notes.db"
        )
    return url


def describe(url: URL) -> str:
    """The store's location for people: a file path, or the URL with its password masked."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    # libpq also takes a password as a query option: mask those too.
    hidden = [key for key in url.query if key in SECRET_QUERY_KEYS]
    shown = url.difference_update_query(hidden).render_as_string(hide_password=True)
    if hidden:
        shown += ("&" if "?" in shown else "?") + "&".join(f"{key}=***" for key in hidden)
    return shown
