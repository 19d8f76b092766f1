"""A real `notes serve` process on a free loopback port, and a tiny HTTP client for it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

NOTES = str(Path(sys.executable).parent / "notes")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    """(status, parsed JSON or None) for one request; HTTP errors are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


class Server:
    """`notes serve` in a subprocess; `start()` waits until /healthz answers."""

    def __init__(self, db: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.port = free_port()
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        command = [NOTES, "--db", self.db, "serve", "--port", str(self.port), *self.args]
        # Its own process group, so that stopping it reaches every worker too.
        self.process = subprocess.Popen(
            command,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                _, err = self.process.communicate()
                raise RuntimeError(f"notes serve exited: {err.decode()}")
            try:
                if request(self.base, "GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("notes serve did not answer /healthz within 30 s")

    def stop(self) -> str:
        """Stop gracefully (SIGTERM); returns what the server wrote on stderr."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return err.decode()

    def kill(self) -> None:
        """SIGKILL the server and all its workers at once, as a crash would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate(timeout=30)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
