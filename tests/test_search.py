"""Full-text search: one table of queries against a fixed corpus, on both engines."""

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes_core import repository
from notes_core.engine import Store
from notes_core.repository import trash
from notes_core.session import session_scope

CORPUS = [
    ("Deploy the API to staging on Friday", ["ops"]),  # 1
    ("Kubernetes upgrade: drain nodes before deploying", ["ops"]),  # 2
    ("Café opening hours and naïve pricing", []),  # 3
    ("Grocery list: milk, eggs, bread", ["home"]),  # 4
    ("The quick brown fox jumps over the lazy dog", []),  # 5
    ("Deployment checklist for production deploys", ["ops", "work"]),  # 6
    ("fox fox fox den", []),  # 7
    ("milk tea recipe", ["home"]),  # 8
    ("don't panic: C++ 20.04 multi-agent e-mail", []),  # 9
    ("staging and production are different", ["work"]),  # 10
]

# (query, tags, expected ids, whether their order is fixed). Order: best match first,
# ties newest first; where the engines' rankings (BM25, ts_rank) may differ the order
# is not fixed and only the set is checked.
CASES = [
    ("deploy", [], [1], True),
    ("DEPLOY", [], [1], True),
    ("deploy*", [], [6, 2, 1], False),
    ("deploy*", ["ops"], [6, 2, 1], False),
    ("deploy*", ["work"], [6], True),
    ("deploy*", ["work", "ops"], [6], True),
    ("deploy*", ["home"], [], True),
    ("fox", [], [7, 5], True),
    ("milk", [], [8, 4], True),
    ("milk", ["home"], [8, 4], True),
    ('"quick brown"', [], [5], True),
    ('"brown quick"', [], [], True),
    ('"QUICK brown fox"', [], [5], True),
    ("fox -lazy", [], [7], True),
    ("fox -den -lazy", [], [], True),
    ('fox -"lazy dog"', [], [7], True),
    ("milk OR staging", [], [10, 8, 4, 1], False),
    ("milk OR staging recipe", [], [8], True),
    ("production staging", [], [10], True),
    ("café", [], [3], True),
    ("naïve", [], [3], True),
    ("multi-agent", [], [9], True),
    ("20.04", [], [9], True),
    ("don't", [], [9], True),
    ("c++", [], [9], True),
    ("e-mail", [], [9], True),
    ("kube*", [], [2], True),
    ("-staging", [], [9, 8, 7, 6, 5, 4, 3, 2], True),
    ("-staging", ["ops"], [6, 2], True),
    ("nothingmatches", [], [], True),
    ('"', [], [], True),
    ('"fox', [], [7, 5], True),
    ('fox"', [], [7, 5], True),
    ("fox AND", [], [], True),
    ("NEAR(fox den)", [], [], True),
    ("*", [], [], True),
    ("()", [], [], True),
    ("OR", [], [], True),
    ("fox OR", [], [], True),
    ("'; DROP TABLE notes; --", [], [], True),
    ("🙂", [], [], True),
]


def load_corpus(store: Store) -> Store:
    with session_scope(store, write=True) as session:
        for text, tags in CORPUS:
            repository.add(session, text=text, tags=tags)
    return store


def stored_notes(store: Store) -> list[tuple[int, str, list[str]]]:
    with session_scope(store) as session:
        return [(n.id, n.text, n.tags) for n in repository.iterate(session)]


@pytest.fixture(scope="module")
def corpus(module_store: Store) -> Iterator[Store]:
    """The corpus, loaded once per engine for the whole module: the tests using it only
    read. A test that writes takes `own_corpus`."""
    load_corpus(module_store)
    before = stored_notes(module_store)
    yield module_store
    # A test that wrote here would make the tests after it pass or fail by order.
    assert stored_notes(module_store) == before, "a test changed the shared corpus"


@pytest.fixture
def own_corpus(store: Store) -> Store:
    """The corpus in this test's own store, for a test that changes it."""
    return load_corpus(store)


def found(store: Store, query: str, tags: list[str] | None = None) -> list[int]:
    with session_scope(store) as session:
        return [hit.note.id for hit in repository.search(session, query=query, tags=tags or [])]


@pytest.mark.parametrize(("query", "tags", "expected", "ordered"), CASES)
def test_query_table(
    corpus: Store, query: str, tags: list[str], expected: list[int], ordered: bool
) -> None:
    result = found(corpus, query, tags)
    if ordered:
        assert result == expected
    else:
        assert sorted(result) == sorted(expected) and len(result) == len(set(result))


def test_accents_do_not_matter(corpus: Store) -> None:
    assert found(corpus, "cafe") == [3]
    assert found(corpus, "NAIVE") == [3]


def test_hits_carry_a_snippet_with_highlights(corpus: Store) -> None:
    with session_scope(corpus) as session:
        (hit,) = repository.search(session, query='"quick brown"')
    assert "quick brown" in hit.snippet.lower()
    marked = [hit.snippet[start:end].lower() for start, end in hit.highlights]
    assert "quick" in " ".join(marked) and "brown" in " ".join(marked)


def test_limit_and_offset_page_through_the_same_order(corpus: Store) -> None:
    everything = found(corpus, "-nothingmatches")
    with session_scope(corpus) as session:
        pages = [
            [
                h.note.id
                for h in repository.search(session, query="-nothingmatches", limit=3, offset=o)
            ]
            for o in range(0, 12, 3)
        ]
    assert [i for page in pages for i in page] == everything == list(range(10, 0, -1))


def test_the_index_follows_edits_the_trash_and_purges(own_corpus: Store) -> None:
    with session_scope(own_corpus, write=True) as session:
        repository.update(session, note_id=7, text="wolf wolf den")
        repository.update(session, note_id=8, tags=["other"])
        trash.trash_many(session, note_ids=[4])
    assert found(own_corpus, "fox") == [5]
    assert found(own_corpus, "wolf") == [7]
    assert found(own_corpus, "milk") == [8]
    assert found(own_corpus, "grocery") == []
    with session_scope(own_corpus, write=True) as session:
        trash.restore_many(session, note_ids=[4])
    assert found(own_corpus, "grocery") == [4]
    assert sorted(found(own_corpus, "milk")) == [4, 8]
    with session_scope(own_corpus, write=True) as session:
        trash.trash_many(session, note_ids=[4])
        trash.purge_many(session, note_ids=[4])
    assert found(own_corpus, "grocery") == []
    with session_scope(own_corpus, write=True) as session:
        new_id = repository.add(session, text="a fresh fox").id
    assert new_id == 11 and 11 in found(own_corpus, "fox")


@pytest.fixture
def searchable(corpus: Store) -> Iterator[Store]:
    yield corpus


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=st.text(max_size=60))
def test_any_text_query_returns_without_error(searchable: Store, query: str) -> None:
    result = found(searchable, query)
    assert len(result) == len(set(result))
    assert set(result) <= set(range(1, len(CORPUS) + 1))


OPERATOR_SOUP = st.lists(
    st.sampled_from(
        [
            '"',
            "-",
            "*",
            "OR",
            "AND",
            "NOT",
            "NEAR(",
            ")",
            "(",
            "fox",
            "milk",
            "^",
            ":",
            "col:",
            "'",
            "\\",
            ";",
            "+",
            "{",
            "}",
            "🙂",
            "\x00",
            "日本",
            "deploy*",
            " ",
        ]
    ),
    max_size=12,
).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=OPERATOR_SOUP)
def test_operator_soup_never_raises(searchable: Store, query: str) -> None:
    found(searchable, query)


@pytest.mark.parametrize("query", ["fox\x00", "\x00", "fox \udcff", "\udcff\udcfe"])
def test_nul_and_undecodable_characters_separate_words(corpus: Store, query: str) -> None:
    assert found(corpus, query) == ([7, 5] if "fox" in query else [])


def test_search_streams_past_a_batch_in_rank_order(store: Store) -> None:
    count = repository.BATCH_SIZE + 20
    with session_scope(store, write=True) as session:
        repository.add_many(
            session,
            notes=(
                # Every 10th note says "ember" three times: those rank first.
                repository.NewNote("ember " * (3 if i % 10 == 0 else 1) + f"log {i}")
                for i in range(count)
            ),
        )
    with session_scope(store) as session:
        hits = list(repository.iter_search(session, query="ember"))
    ids = [hit.note.id for hit in hits]
    assert sorted(ids) == list(range(1, count + 1))
    strong = [i for i in range(1, count + 1) if (i - 1) % 10 == 0]
    assert ids[: len(strong)] == sorted(strong, reverse=True)
    assert all("ember" in hit.snippet for hit in hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("setup", [1]), ("docs", [1]), ("apple", [2]), ("fig", [2]), ("bob", [3]), ("example", [3])],
)
def test_paths_hosts_and_addresses_are_words_on_both_engines(
    store: Store, query: str, expected: list[int]
) -> None:
    with session_scope(store, write=True) as session:
        for text in ("see docs/setup now", "apple.fig", "mail bob@example.com"):
            repository.add(session, text=text)
    assert found(store, query) == expected
