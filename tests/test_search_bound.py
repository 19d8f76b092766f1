"""The bounded worst case: a query with more matches than search_query.RANKED_MATCHES ranks
only the newest of them, best first; the older matches follow, newest first. Below the
bound, ranking is exact. On both engines, with the bound made small for the test."""

import pytest

from notes_core import repository, search_query
from notes_core.engine import Store
from notes_core.session import session_scope

# Twelve notes say "ember", all four words long: the strong ones three times, so both
# BM25 and ts_rank put them first, and the rest tie (newest first). Others do not match.
STRONG = {2, 9}
TEXTS = ["ember ember ember log" if i in STRONG else "ember log log log" for i in range(1, 13)] + [
    "ash log log log"
] * 3
TAGGED = {1, 3, 5, 7, 9, 11}


@pytest.fixture
def embers(store: Store) -> Store:
    with session_scope(store, write=True) as session:
        for number, text in enumerate(TEXTS, start=1):
            repository.add(session, text=text, tags=["odd"] if number in TAGGED else [])
    return store


def found(store: Store, query: str, **options: object) -> list[int]:
    with session_scope(store) as session:
        hits = repository.search(session, query=query, **options)  # type: ignore[arg-type]
    return [hit.note.id for hit in hits]


def test_below_the_bound_every_match_is_ranked(
    embers: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = [9, 2, 12, 11, 10, 8, 7, 6, 5, 4, 3, 1]
    for bound in (12, 13, 10_000):
        monkeypatch.setattr(search_query, "RANKED_MATCHES", bound)
        assert found(embers, "ember", limit=None) == exact


def test_past_the_bound_only_the_newest_are_ranked_and_the_rest_follow(
    embers: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_query, "RANKED_MATCHES", 5)
    # The newest five matches are 12..8: 9 ranks first among them. Note 2 matches as
    # strongly but is older than the bound: it comes in its place among the rest.
    everything = [9, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1]
    assert found(embers, "ember", limit=None) == everything
    assert found(embers, "ember", limit=3) == everything[:3]
    # Pages that end, straddle and start past the bound give the same order, each match once.
    for size in (1, 3, 5, 7):
        pages = [found(embers, "ember", limit=size, offset=offset) for offset in range(0, 12, size)]
        assert [note for page in pages for note in page] == everything
    with session_scope(embers) as session:
        page = repository.search_page(session, query="ember", limit=4, cursor=None)
        assert [hit.note.id for hit in page.items] == everything[:4]


def test_the_bound_counts_matches_after_the_tag_filter(
    embers: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_query, "RANKED_MATCHES", 3)
    # Tagged matches, newest first: 11, 9, 7 | 5, 3, 1.
    assert found(embers, "ember", tags=["odd"], limit=None) == [9, 11, 7, 5, 3, 1]
    monkeypatch.setattr(search_query, "RANKED_MATCHES", 6)
    assert found(embers, "ember", tags=["odd"], limit=None) == [9, 11, 7, 5, 3, 1]
    monkeypatch.setattr(search_query, "RANKED_MATCHES", 1)
    assert found(embers, "ember", tags=["odd"], limit=None) == [11, 9, 7, 5, 3, 1]


def test_exclusions_and_phrases_are_bounded_alike(
    embers: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_query, "RANKED_MATCHES", 4)
    # The newest four matches are 12..9: 9 ranks first among them.
    assert found(embers, "ember -nothing", limit=None) == [9, 12, 11, 10, 8, 7, 6, 5, 4, 3, 2, 1]
    assert found(embers, "ember -nothing", limit=4, offset=3) == [10, 8, 7, 6]
    assert found(embers, "ember* OR ash", limit=5) == [15, 14, 13, 12, 11]


def test_the_bound_counts_matches_in_the_date_window(
    embers: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(embers) as session:
        since = repository.get(session, note_id=5).created_at
    monkeypatch.setattr(search_query, "RANKED_MATCHES", 4)
    # Matches from note 5 on, newest first: 12, 11, 10, 9 | 8, 7, 6, 5.
    assert found(embers, "ember", since=since, limit=None) == [9, 12, 11, 10, 8, 7, 6, 5]
    assert found(embers, "ember", since=since, limit=3, offset=3) == [10, 8, 7]
