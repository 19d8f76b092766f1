"""One settings value for the CLI, the server and its workers: built once at each edge.

`Settings.from_env(environ, db=...)` is the one function that reads the environment. The
edges hand it the environment (the CLI's callback, `notes serve`, each uvicorn worker) and
pass the result down; nothing else in the core reads an environment variable. Each value
has one default, here.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from notes_core.errors import InvalidSettings

DEFAULT_MAX_BODY = 4 * 1024 * 1024
DEFAULT_POOL_SIZE = 10
# The Host names a loopback server answers to: names that only ever mean this machine
# (RFC 6761 reserves `.localhost`), and the loopback addresses.
LOOPBACK_HOSTS = ("localhost", "localhost.localdomain", "*.localhost", "127.0.0.1", "[::1]")
ANY_HOST = "*"

Sync = Literal["full", "normal"]

# Each field's environment variable.
ENV_VARS = {
    "db": "NOTES_DB",
    "sync": "NOTES_SYNC",
    "pool_size": "NOTES_POOL_SIZE",
    "token": "NOTES_TOKEN",
    "max_body": "NOTES_MAX_BODY",
    "allowed_hosts": "NOTES_ALLOWED_HOSTS",
}


@dataclass(frozen=True)
class Settings:
    """Where the store is and how to use it; what a server answers to.

    Raises InvalidSettings for a malformed value.
    """

    # A SQLite file path or a SQLAlchemy URL; None is notes.db in the user data dir.
    db: str | None = None
    # SQLite's `synchronous`: FULL survives a power loss, NORMAL a process crash only.
    sync: Sync = "full"
    # Connections per pool (as many again in overflow); also how many requests a server
    # worker lets use the store at once (notes_api/admission.py).
    pool_size: int = DEFAULT_POOL_SIZE
    # `Authorization: Bearer TOKEN` required by the server when set.
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    # Host header names a server answers to ("*" for any); others get 400.
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    # How long a request waits for its turn at a saturated store before a 503.
    queue_wait: float = 5.0

    def __post_init__(self) -> None:
        if self.sync not in ("full", "normal"):
            raise InvalidSettings(f"NOTES_SYNC must be 'full' or 'normal', not {self.sync!r}")
        for name in ("pool_size", "max_body"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidSettings(f"{ENV_VARS[name]} must be a whole number above 0")
        if self.token is not None:
            check_token(self.token)
        for name in self.allowed_hosts:
            check_host_pattern(name)
        if ANY_HOST in self.allowed_hosts and not self.token:
            raise InvalidSettings(
                "refusing to answer any Host name without a token: a web page could read "
                "your notes through DNS rebinding; name the hosts, or set a token"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **flags: Any) -> "Settings":
        """Settings from NOTES_DB, NOTES_SYNC, NOTES_POOL_SIZE, NOTES_TOKEN, NOTES_MAX_BODY
        and NOTES_ALLOWED_HOSTS (names beyond loopback, comma-separated; "*" for any),
        each overridden by a flag given as a keyword that is not None."""
        values: dict[str, Any] = {}
        if raw := environ.get("NOTES_DB"):
            values["db"] = raw
        if raw := environ.get("NOTES_SYNC"):
            values["sync"] = raw.strip().lower()
        for name in ("pool_size", "max_body"):
            if raw := environ.get(ENV_VARS[name]):
                values[name] = _positive_int(ENV_VARS[name], raw)
        if raw := environ.get("NOTES_TOKEN"):  # an empty NOTES_TOKEN is no token
            values["token"] = raw
        if raw := environ.get("NOTES_ALLOWED_HOSTS"):
            values["allowed_hosts"] = allowed_hosts(split_names(raw))
        values.update({name: value for name, value in flags.items() if value is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment that makes from_env() give back these settings: how `notes
        serve` hands them to uvicorn's worker processes, which start from an import path."""
        env = {
            "NOTES_SYNC": self.sync,
            "NOTES_POOL_SIZE": str(self.pool_size),
            "NOTES_MAX_BODY": str(self.max_body),
            "NOTES_ALLOWED_HOSTS": ",".join(self.allowed_hosts),
            "NOTES_TOKEN": self.token or "",
        }
        if self.db is not None:
            env["NOTES_DB"] = self.db
        return env


def _positive_int(name: str, raw: str) -> int:
    if not raw.isdecimal() or not raw.isascii() or int(raw) < 1:
        shown = raw if len(raw) <= 40 else f"{raw[:40]}…"
        raise InvalidSettings(f"{name} must be a whole number above 0, not {shown!r}")
    return int(raw)


def check_token(token: str) -> None:
    """Refuse a token no client could send back: a blank one, or one with characters
    beyond printable ASCII (HTTP headers carry no others reliably) or with spaces."""
    if not token.strip():
        raise InvalidSettings("the token is blank; use a long random one")
    if not all("!" <= char <= "~" for char in token):
        raise InvalidSettings(
            "the token must be printable ASCII without spaces "
            "(letters, digits, punctuation), e.g. from: openssl rand -hex 32"
        )


def split_names(raw: str) -> list[str]:
    """Host names from `NOTES_ALLOWED_HOSTS` or `--allowed-host`: separated by commas or
    whitespace (no host name holds either)."""
    return [name for name in re.split(r"[\s,]+", raw) if name]


def allowed_hosts(extra: Iterable[str]) -> tuple[str, ...]:
    """The loopback names and `extra`; just "*" when `extra` holds it."""
    names = tuple(dict.fromkeys(name.lower() for name in extra))
    if ANY_HOST in names:
        return (ANY_HOST,)
    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, *names)))


_HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\]")


def check_host_pattern(name: str) -> None:
    """A host name (`notes.example.com`), a leading wildcard (`*.example.com`), an IPv4
    address, an IPv6 address in brackets, or "*"."""
    if name != ANY_HOST and not _HOST_PATTERN.fullmatch(name.lower()):
        shown = name if len(name) <= 40 else f"{name[:40]}…"
        raise InvalidSettings(
            f"{shown!r} is not a host name for --allowed-host (e.g. notes.example.com, "
            "*.example.com, 192.0.2.10, [2001:db8::1])"
        )
