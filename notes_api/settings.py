"""Where a server may listen, and the Host names it answers to there.

The settings themselves (token, body limit, allowed hosts, ...) are notes_core.settings.
"""

import ipaddress

from notes_core.errors import InvalidSettings

LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


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
        raise InvalidSettings(
            f"refusing to serve on {host} without a token: anyone who can reach it could "
            "read and change your notes; set --token or NOTES_TOKEN, or bind to 127.0.0.1"
        )
