"""What a server needs to know, from `notes serve` options or the environment."""

import ipaddress
import os
from dataclasses import dataclass

from notes_core.errors import NotesError

DEFAULT_MAX_BODY = 4 * 1024 * 1024
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


class UnsafeServerSettings(NotesError):
    """The server would expose notes without protection, or a setting is malformed."""


@dataclass(frozen=True)
class Settings:
    db: str | None = None
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    pool_size: int = 10

    @classmethod
    def from_env(cls) -> "Settings":
        """Settings from NOTES_DB, NOTES_TOKEN, NOTES_MAX_BODY and NOTES_POOL_SIZE."""
        return cls(
            db=os.environ.get("NOTES_DB") or None,
            token=os.environ.get("NOTES_TOKEN") or None,
            max_body=_positive_int("NOTES_MAX_BODY", DEFAULT_MAX_BODY),
            pool_size=_positive_int("NOTES_POOL_SIZE", 10),
        )


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise UnsafeServerSettings(f"{name} must be a whole number above 0, not {raw!r}")
    return int(raw)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name that could resolve anywhere


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve notes beyond this machine without a token."""
    if not token and not is_loopback(host):
        raise UnsafeServerSettings(
            f"refusing to serve on {host} without a token: anyone who can reach it could "
            "read and change your notes; set --token or NOTES_TOKEN, or bind to 127.0.0.1"
        )
