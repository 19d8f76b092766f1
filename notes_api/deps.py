"""Dependencies shared by the routes: the open store (`Notes`), its way to write (`Writes`),
and the bearer-token check."""

import hashlib
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from notes_api.writes import Writes
from notes_core.library import Notes

bearer = HTTPBearer(auto_error=False, description="Required when the server has a token.")


# Both are `async def` on purpose: they never block, and FastAPI runs a plain `def`
# dependency in the thread pool, a hand-off that cost more than the query itself.


async def get_notes(request: Request) -> Notes:
    notes: Notes = request.app.state.notes
    return notes


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """401 unless the request carries the server's token (when it has one)."""
    expected: bytes | None = request.app.state.token_digest
    if expected is None:
        return
    given = credentials.credentials if credentials else ""
    # Compare digests in constant time: neither content nor length leaks through timing.
    if not secrets.compare_digest(hashlib.sha256(given.encode()).digest(), expected):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def get_writes(request: Request) -> Writes:
    writes: Writes = request.app.state.writes
    return writes


NotesDep = Annotated[Notes, Depends(get_notes)]
WritesDep = Annotated[Writes, Depends(get_writes)]
