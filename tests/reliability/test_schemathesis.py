"""Schemathesis against the app's own OpenAPI schema, in-process over ASGI, token on.

Every operation gets generated requests (valid and invalid ones); no answer may be a 5xx,
and every answer must be documented: its status code, content type, headers and body. The
headers the schema declares required are checked on every answer that declares them:
`ETag` on each note, `Location` on a 201, `WWW-Authenticate` on a 401 (that the schema
declares them is checked in tests/test_openapi_client.py).
Each operation runs on a SQLite store of its own, seeded with a few notes so that ids
from 1 up find something. Schemathesis runs the app's lifespan (which opens the store)
at the first request of a test and ends it in the test's teardown.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import Receive, Scope, Send

from notes_api.app import create_app
from notes_core import repository
from notes_core.engine import Store, open_store
from notes_core.session import session_scope
from notes_core.settings import Settings

TOKEN = "schemathesis-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WRONG_TOKEN = {"Authorization": "Bearer not-the-token"}
# A loopback Host, the only kind the server answers (Schemathesis sends "testserver").
LOCAL = "http://127.0.0.1"
SEED = [("first note", ["work"]), ("second note about milk", ["home", "work"]), ("third", [])]
# Not `positive_data_acceptance`: the schema says `text` is a string, but a blank one is
# rightly refused (422) by a rule the schema does not carry. Not `negative_data_rejection`:
# it wants unknown query parameters refused, and like most APIs this one ignores them.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,  # last: not for the wrong-token calls below
]
CASES_RUN: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def report_cases() -> Iterator[None]:
    yield
    print(f"\nschemathesis cases run: {sum(CASES_RUN.values())} over {len(CASES_RUN)} operations")


class CurrentApp:
    """The ASGI app of the running test. The schema is loaded once, at import; each test
    gets an app over a store of its own, and Schemathesis calls it through this."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "a test called the API without the `app` fixture"
        await self.app(scope, receive, send)


current = CurrentApp()
# The OpenAPI document only: creating an app opens nothing (the store opens in the
# lifespan), so this is safe at import. (`schemathesis.pytest.from_fixture` would load
# it in a fixture, but fails on pytest 9: it reads `Function._nodeid`, which is gone.)
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
schema.app = current


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """The app over a fresh SQLite store holding SEED (ids 1-3), token on. Schemathesis
    starts its lifespan at the test's first request and ends it in the test's teardown."""
    db = str(tmp_path / "store" / "notes.db")
    store = open_store(db)
    with session_scope(store, write=True) as session:
        for text, tags in SEED:
            repository.add(session, text=text, tags=tags)
    store.close()
    current.app = create_app(Settings(db=db, token=TOKEN))
    return current.app


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_is_documented_and_never_a_5xx(app: FastAPI, case: Case) -> None:
    CASES_RUN[case.operation.label] = CASES_RUN.get(case.operation.label, 0) + 1
    response = case.call_and_validate(base_url=LOCAL, headers=AUTH, checks=CHECKS)
    assert isinstance(app.state.notes.store, Store), "the lifespan did not open the store"
    if case.method.upper() != case.operation.method.upper():
        return  # a method the path does not have (405), sent on purpose
    if case.path == "/healthz":
        assert response.status_code == 200, response.text
        return
    # The same request with a wrong token: refused, and the refusal is documented too.
    # (A body that is not JSON at all is refused first, with 422.)
    refused = case.call(base_url=LOCAL, headers=WRONG_TOKEN)
    case.validate_response(refused, checks=CHECKS[:-1], headers=WRONG_TOKEN)
    assert refused.status_code in (401, 422), refused.text
    if refused.status_code == 401:
        assert refused.headers["www-authenticate"] == ["Bearer"]  # Schemathesis' wire form
