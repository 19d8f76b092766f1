"""Hostile search input: the documented query size limit, on both engines and at every door,
and snippets that neither lose characters nor stall on notes full of matches."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from notes_api.app import create_app
from notes_cli.app import app
from notes_core import repository
from notes_core.engine import Store
from notes_core.errors import InvalidInput
from notes_core.search_query import MAX_QUERY_CHARS, MAX_QUERY_WORDS, parse
from notes_core.session import session_scope
from notes_core.settings import Settings

LOCAL = "http://127.0.0.1"  # the API answers only to loopback Host names
ALL_WORDS = " ".join(f"w{i}" for i in range(MAX_QUERY_WORDS))
OVER_WORDS = ALL_WORDS + " w100"
OVER_CHARS = "deploy" + " " * (MAX_QUERY_CHARS - 6) + "x"
TEN_THOUSAND_WORDS = " ".join(["deploy"] * 10_000)
ONE_MEGABYTE = "deploy " * (1024 * 1024 // 7)
HOSTILE_QUERIES = {
    "101 words": (OVER_WORDS, "the limit is 100"),
    "a phrase of 101 words": ('"' + " ".join(["a"] * 101) + '"', "the limit is 100"),
    "101 repeated words": ("fox " * 101, "the limit is 100"),
    "4,001 characters": (OVER_CHARS, "the limit is 4,000"),
    "10,000 words": (TEN_THOUSAND_WORDS, "the limit is 4,000"),
    "1 MB": (ONE_MEGABYTE, "the limit is 4,000"),
    "101 exclusions": (" ".join(f"-x{i}" for i in range(101)), "the limit is 100"),
    "101 OR operands": (" OR ".join(f"x{i}" for i in range(101)), "the limit is 100"),
}
hostile = pytest.mark.parametrize(
    ("query", "named"), list(HOSTILE_QUERIES.values()), ids=list(HOSTILE_QUERIES)
)
# A URL is capped near 64 KB before it reaches the app (by httpx here, by the server in
# real use); 6,000 words (35 KB) is the query that crashed `notes serve`.
IN_A_URL = {
    name: (query, named) for name, (query, named) in HOSTILE_QUERIES.items() if len(query) < 8_000
} | {
    "6,000 words": (" ".join(["deploy"] * 6_000), "the limit is 4,000"),
    "60,000 characters": ("d" * 60_000, "the limit is 4,000"),
}


def add(store: Store, *texts: str) -> None:
    with session_scope(store, write=True) as session:
        for text in texts:
            repository.add(session, text=text)


def hits(store: Store, query: str) -> list[repository.SearchHit]:
    with session_scope(store) as session:
        return repository.search(session, query=query, limit=None)


def ids(store: Store, query: str) -> list[int]:
    return [hit.note.id for hit in hits(store, query)]


def marked(hit: repository.SearchHit) -> list[str]:
    return [hit.snippet[start:end] for start, end in hit.highlights]


# --- the limit -----------------------------------------------------------------------------


def test_a_query_of_exactly_100_words_finds_the_note(store: Store) -> None:
    add(store, ALL_WORDS, "w1 w2 w3")
    assert ids(store, ALL_WORDS) == [1]


def test_a_query_of_exactly_4000_characters_finds_the_note(store: Store) -> None:
    add(store, "deploy x")
    query = OVER_CHARS[:-1]
    assert len(query) == MAX_QUERY_CHARS
    assert ids(store, query) == [1]


def test_a_long_query_of_every_kind_of_term_works_without_recursion(store: Store) -> None:
    # Nested once per term, the old PostgreSQL tsquery raised RecursionError near 90 terms.
    add(
        store,
        "Deploy the API to staging on Friday",
        "Deploy the docs to staging",
        "staging secrets, do not deploy",
    )
    terms = (
        ['"deploy the"', "stag*"]
        + [" OR ".join(['"api to"'] + [f"zz{i}*" for i in range(25)])]
        + [" OR ".join(["friday"] + [f'"yy{i} yy"' for i in range(10)])]
        + [f"-nothere{i}" for i in range(48)]
        + ["-docs"]
    )
    query = " ".join(terms)
    with pytest.raises(InvalidInput, match="101 words"):
        parse(query + " x")
    (hit,) = hits(store, query)
    assert hit.note.id == 1
    assert marked(hit) == ["Deploy", "the", "API", "to", "staging", "Friday"]


@hostile
def test_an_oversized_query_is_invalid_input_naming_the_limit(
    store: Store, query: str, named: str
) -> None:
    add(store, "deploy")
    with pytest.raises(InvalidInput, match=named):
        hits(store, query)
    with session_scope(store) as session, pytest.raises(InvalidInput, match=named):
        repository.iter_search(session, query=query)  # refused before the first hit


@hostile
def test_the_cli_refuses_an_oversized_query_in_one_error_line(
    runner: CliRunner, notes_db: str, query: str, named: str
) -> None:
    assert runner.invoke(app, ["add", "deploy"]).exit_code == 0
    for fmt in ("plain", "json", "table"):
        result = runner.invoke(app, ["search", "--format", fmt, "--", query])
        assert not isinstance(result.exception, RecursionError)
        assert result.exit_code == 1
        assert result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith("Error: the search query has ") and named in line
        assert len(line) < 200  # the query is not echoed back


@pytest.fixture
def client(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


@pytest.mark.parametrize(("query", "named"), list(IN_A_URL.values()), ids=list(IN_A_URL))
def test_the_api_answers_422_naming_the_limit(client: TestClient, query: str, named: str) -> None:
    assert client.post("/api/v1/notes", json={"text": "deploy"}).status_code == 201
    response = client.get("/api/v1/notes", params={"q": query})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert named in str(detail) and len(str(detail)) < 500


def test_the_api_still_searches_after_refusing_a_huge_query(client: TestClient) -> None:
    client.post("/api/v1/notes", json={"text": "deploy the api"})
    assert client.get("/api/v1/notes", params={"q": IN_A_URL["6,000 words"][0]}).status_code == 422
    full = " ".join(["deploy OR api"] + [f"w{i}" for i in range(MAX_QUERY_WORDS - 2)])
    found = client.get("/api/v1/notes", params={"q": full})
    assert (found.status_code, found.json()["items"]) == (200, [])
    found = client.get("/api/v1/notes", params={"q": "deploy api"}).json()
    assert [(item["id"], item["highlights"]) for item in found["items"]] == [
        (1, [[0, 6], [11, 14]])
    ]


# --- snippets ----------------------------------------------------------------------------------

MARKERS = "keep \ue000 these \ue001 marks: deploy (\ue000\ue001) now \ue001end\ue000"


def test_snippets_keep_private_use_characters_and_mark_the_right_words(store: Store) -> None:
    # U+E000 / U+E001 were the engines' highlight marks: they vanished from snippets.
    add(store, MARKERS, "\ue000\ue001 " + " ".join(f"w{i}" for i in range(30)) + " deploy")
    first, second = sorted(hits(store, "deploy"), key=lambda hit: hit.note.id)
    assert first.snippet == MARKERS
    assert marked(first) == ["deploy"]
    assert first.highlights == [(MARKERS.index("deploy"), MARKERS.index("deploy") + 6)]
    assert second.snippet == "…" + " ".join(f"w{i}" for i in range(15, 30)) + " deploy"
    assert marked(second) == ["deploy"]
    (only,) = hits(store, "marks -w1")
    assert (only.snippet, marked(only)) == (MARKERS, ["marks"])


def test_a_note_full_of_matches_gets_a_short_snippet(store: Store) -> None:
    # FTS5's snippet() and ts_headline() took minutes on such a note (quadratic in matches).
    add(store, "fox " * 50_000 + "end")
    (hit,) = hits(store, '"fox fox"')
    assert hit.snippet == "fox " * 15 + "fox…"
    assert marked(hit) == ["fox"] * 16


@pytest.mark.parametrize("offset", [4_090, 4_093, 4_096, 4_100, 70_000])
def test_snippets_find_words_across_the_scanned_start_of_a_long_note(
    store: Store, offset: int
) -> None:
    # The scan grows from the first 4,096 characters: a word or phrase cut there still counts.
    text = "x" * (offset - 1) + " quick brown fox " + "y " * 20
    add(store, text)
    (hit,) = hits(store, '"quick brown" fox')
    assert marked(hit) == ["quick", "brown", "fox"]
    assert hit.snippet == "x" * (offset - 1) + " quick brown fox" + " y" * 12 + "…"


def test_snippets_of_exclusion_only_queries_show_the_start(store: Store) -> None:
    add(store, "🙂 🙂", "one two three")
    assert [(hit.snippet, hit.highlights) for hit in hits(store, "-four")] == [
        ("one two three", []),
        ("🙂 🙂", []),
    ]


def test_prefix_and_case_highlight_the_whole_word(store: Store) -> None:
    add(store, "Kubernetes upgrade: drain nodes before DEPLOYING")
    (hit,) = hits(store, "deploy* KUBE*")
    assert marked(hit) == ["Kubernetes", "DEPLOYING"]


def test_accents_are_highlighted_as_each_engine_matches_them(store: Store) -> None:
    add(store, "Café opening hours and naïve pricing")
    (hit,) = hits(store, "café naïve")
    assert marked(hit) == ["Café", "naïve"]
    if store.is_sqlite:  # PostgreSQL keeps accents (see README)
        (hit,) = hits(store, "cafe naive")
        assert marked(hit) == ["Café", "naïve"]


def test_paths_and_addresses_are_highlighted_where_they_match(store: Store) -> None:
    add(store, "see docs/setup now", "mail bob@example.com")
    assert [marked(hit) for hit in hits(store, "setup")] == [["setup"]]
    assert [marked(hit) for hit in hits(store, "example")] == [["example"]]


def test_the_cli_error_is_the_one_the_readme_shows(runner: CliRunner, notes_db: str) -> None:
    result = runner.invoke(app, ["search", OVER_WORDS])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: the search query has 101 words; the limit is 100: shorten it\n"
