"""What a server needs to know, from `notes serve` options or the environment."""

import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from notes_core.errors import NotesError

DEFAULT_MAX_BODY = 4 * 1024 * 1024
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")
# The Host names a loopback server answers to: names that only ever mean this machine
# (RFC 6761 reserves `.localhost`), and the loopback addresses.
LOOPBACK_HOSTS = (*LOOPBACK_NAMES, "*.localhost", "127.0.0.1", "[::1]")
ANY_HOST = "*"


class UnsafeServerSettings(NotesError):
    """The server would expose notes without protection, or a setting is malformed."""


@dataclass(frozen=True)
class Settings:
    db: str | None = None
    token: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    # Connections per pool; also how many requests use the store at once (see admission).
    pool_size: int = 10
    # Host header names the server answers to ("*" for any); others get 400.
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    # How long a request waits for its turn at a saturated store before a 503.
    queue_wait: float = 5.0

    def __post_init__(self) -> None:
        if self.token is not None:
            check_token(self.token)
        for name in self.allowed_hosts:
            check_host_pattern(name)
        if ANY_HOST in self.allowed_hosts and not self.token:
            raise UnsafeServerSettings(
                "refusing to answer any Host name without a token: a web page could read "
                "your notes through DNS rebinding; name the hosts, or set a token"
            )

    @classmethod
    def from_env(cls) -> "Settings":
        """Settings from NOTES_DB, NOTES_TOKEN, NOTES_MAX_BODY, NOTES_POOL_SIZE and
        NOTES_ALLOWED_HOSTS (names beyond loopback, comma-separated; "*" for any)."""
        return cls(
            db=os.environ.get("NOTES_DB") or None,
            token=os.environ.get("NOTES_TOKEN") or None,
            max_body=_positive_int("NOTES_MAX_BODY", DEFAULT_MAX_BODY),
            pool_size=_positive_int("NOTES_POOL_SIZE", 10),
            allowed_hosts=allowed_hosts(split_names(os.environ.get("NOTES_ALLOWED_HOSTS", ""))),
        )


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise UnsafeServerSettings(f"{name} must be a whole number above 0, not {raw!r}")
    return int(raw)


def check_token(token: str) -> None:
    """Refuse a token no client could send back: a blank one, or one with characters
    beyond printable ASCII (HTTP headers carry no others reliably) or with spaces."""
    if not token.strip():
        raise UnsafeServerSettings("the token is blank; use a long random one")
    if not all("!" <= char <= "~" for char in token):
        raise UnsafeServerSettings(
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
        raise UnsafeServerSettings(
            f"{shown!r} is not a host name for --allowed-host (e.g. notes.example.com, "
            "*.example.com, 192.0.2.10, [2001:db8::1])"
        )


def host_for_header(host: str) -> str:
    """The bind address as a client's Host header names it: IPv6 in brackets."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.lower()
    return f"[{address.compressed}]" if address.version == 6 else str(address)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name that could resolve anywhere


def is_wildcard_bind(host: str) -> bool:
    """0.0.0.0 or ::, which no client puts in a Host header."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve notes beyond this machine without a token."""
    if not token and not is_loopback(host):
        raise UnsafeServerSettings(
            f"refusing to serve on {host} without a token: anyone who can reach it could "
            "read and change your notes; set --token or NOTES_TOKEN, or bind to 127.0.0.1"
        )
