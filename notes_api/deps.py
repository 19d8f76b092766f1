"""Dependencies shared by the routes: the guard of every API route (the bearer token, then
a turn at the store), which hands the route its way to the store (`StoreCalls`); and the
open store itself (`Notes`) for what needs no turn."""

import hashlib
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from notes_api.admission import turn_for
from notes_api.store_calls import StoreCalls
from notes_core.library import Notes

bearer = HTTPBearer(auto_error=False, description="Required when the server has a token.")


# Both are `async def` on purpose: they never block, and FastAPI runs a plain `def`
# dependency in the thread pool, a hand-off that cost more than the query itself.


async def get_notes(request: Request) -> Notes:
    notes: Notes = request.app.state.notes
    return notes


async def token_then_turn(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AsyncIterator[StoreCalls]:
    """401 unless the request carries the server's token (when it has one): refused before
    it queues for the store. Then the route's work runs in a turn (admission.py), with the
    store's `StoreCalls`; declared with scope="function", the turn ends when the route
    returns, before the response is sent.

    Each API router declares it, so no route can miss the guard, and each route takes its
    value as `StoreDep`: FastAPI solves it once a request (its cache), and solving a
    dependency cost about as much as reading a note (benchmarks/README.md, "api_load")."""
    check_token(request, credentials)
    async with turn_for(request):
        yield request.app.state.calls


def check_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    """Raises 401 unless the request carries the server's token (when it has one)."""
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


NotesDep = Annotated[Notes, Depends(get_notes)]
StoreDep = Annotated[StoreCalls, Depends(token_then_turn, scope="function")]
