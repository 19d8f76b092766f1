"""The search language users already know, parsed by us and rendered as safe engine syntax.

Words are all required; `"an exact phrase"`; `-word` excludes; `word*` is a prefix; `OR`
between two terms. Anything else (stray quotes, `*`, `-`, AND, NEAR(, parentheses,
punctuation) is taken as plain words, so no content can raise; only a query over the
size limits below does.

Both renderings are flat text passed as one bound parameter (an AND of ORs of phrases),
never an SQL expression nested once per term: the nested tsquery raised RecursionError
from about 90 words, crashed the process at a few thousand, and cost quadratic time to
compile and to run before that (1,000 words: 0.7 s in SQLAlchemy, 2.5 s in PostgreSQL).

Snippets are built here too, not by the engines: FTS5's snippet() and PostgreSQL's
ts_headline() both take time quadratic in the matches inside one note (a 160 KB note of
"a a a ..." searched for `a` took 69 s in snippet(); a 2-word phrase in a 100,000-word
note took 55 s in ts_headline()), and their highlight markers would be confused with the
same characters in a note's text. Ours is linear and marks matches by offsets.
"""

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from notes_core.errors import InvalidInput

# The documented maximum size of a query: far beyond what anyone types, and small enough
# to bound the engines' work. Every word counts, in a phrase, an exclusion or around an OR:
# FTS5's work grows with each word of a phrase (a 2,000-word phrase, 4,000 characters,
# took 36 s on a 1 MiB note) and bm25()'s with the terms times their matches in a note.
MAX_QUERY_CHARS = 4_000
MAX_QUERY_WORDS = 100
SNIPPET_WORDS = 16
_CONTEXT_WORDS = 3  # words shown before the first match
_FIRST_SCAN = 4_096  # characters; the scanned start of a note grows 16-fold until a match
# The bounded worst case (a product decision, documented in the README): a query with more
# matches than this ranks only its newest RANKED_MATCHES, best first; the older matches
# follow, newest first. Ranking every match of a frequent word cost time linear in the
# store (1.1 s for one word at 1M notes on SQLite); this caps it. Below it, ranking is
# exact. Read by the engines' modules at each search, so a test may make it small.
RANKED_MATCHES = 10_000

# A balanced quoted phrase (optionally negated), else a run of non-space characters.
_TOKEN = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')
# What both engines treat as a word: letters and digits. Terms with none are dropped,
# because neither engine can match them.
_WORD = re.compile(r"[^\W_]+")
_WORDS_AND_GAPS = re.compile(r"([^\W_]+)")  # split() keeps the words between the gaps
# The combining marks FTS5's `remove_diacritics 2` strips from Latin, Greek and Cyrillic.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True)
class Term:
    """A word or phrase, as the words it contains."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self) -> str:
        # Quoted, so FTS5 never reads an operator or a column filter from user input.
        phrase = '"' + " ".join(self.words) + '"'
        return phrase + " *" if self.prefix else phrase

    def tsquery(self) -> str:
        """This term as to_tsquery() text. Words are letters and digits only, so quoting
        them with '' is safe."""
        lexemes = [f"'{word}'" for word in self.words]
        if self.prefix:
            lexemes[-1] += ":*"
        return " <-> ".join(lexemes)


@dataclass
class SearchQuery:
    """All `required` groups must match (each group is an OR of terms); no `excluded` may."""

    required: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.required and not self.excluded

    def fts5(self) -> str | None:
        """The FTS5 MATCH expression for the required part (None when there is none)."""
        if not self.required:
            return None
        groups = ["(" + " OR ".join(term.fts5() for term in group) + ")" for group in self.required]
        expression = " AND ".join(groups)
        if self.excluded:
            expression = f"({expression}) NOT ({self.excluded_fts5()})"
        return expression

    def excluded_fts5(self) -> str:
        return " OR ".join(term.fts5() for term in self.excluded)

    def tsquery(self) -> str | None:
        """The to_tsquery() text for the required part (None when there is none)."""
        if not self.required:
            return None
        return " & ".join(
            "(" + " | ".join(term.tsquery() for term in group) + ")" for group in self.required
        )

    def excluded_tsquery(self) -> str | None:
        """The to_tsquery() text matching any excluded term (None when there is none)."""
        return " | ".join(term.tsquery() for term in self.excluded) or None


def _term(raw: str, *, prefix: bool = False) -> Term | None:
    words = tuple(_WORD.findall(raw.lower()))
    return Term(words, prefix=prefix) if words else None


def parse(query: str) -> SearchQuery:
    """Parse user input into a SearchQuery.

    Raises InvalidInput for a query of more than MAX_QUERY_CHARS characters or
    MAX_QUERY_WORDS words; never for what the query says. Repeated terms are kept once.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"the search query has {len(query):,} characters; the limit is "
            f"{MAX_QUERY_CHARS:,}: shorten it"
        )
    # Neither engine accepts NUL or undecodable text (lone surrogates from a non-UTF-8
    # argv): such characters only ever separate words.
    query = query.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")
    items: list[tuple[bool, Term] | None] = []  # (negated, term); None for a bare OR
    for match in _TOKEN.finditer(query):
        negated, phrase, phrase_star, bare = match.groups()
        if bare is None:
            term = _term(phrase, prefix=bool(phrase_star))
            if term:
                items.append((bool(negated), term))
        elif bare == "OR":
            items.append(None)
        else:
            negated_word = bare.startswith("-") and len(bare) > 1
            word = bare[1:] if negated_word else bare
            term = _term(word, prefix=word.endswith("*"))
            if term:
                items.append((negated_word, term))

    def positive(index: int) -> bool:
        item = items[index] if 0 <= index < len(items) else None
        return item is not None and not item[0]

    parsed = SearchQuery()
    words = 0  # as typed, repeats included
    joined = False  # the previous item was an OR between two positive terms
    for index, item in enumerate(items):
        if item is None:
            joined = positive(index - 1) and positive(index + 1)
            if not joined:  # a stray OR is just the word "or"
                parsed.required.append([Term(("or",))])
                words += 1
            continue
        negated, term = item
        words += len(term.words)
        if negated:
            parsed.excluded.append(term)
        elif joined:
            parsed.required[-1].append(term)
        else:
            parsed.required.append([term])
        joined = False
    if words > MAX_QUERY_WORDS:
        raise InvalidInput(
            f"the search query has {words:,} words; the limit is {MAX_QUERY_WORDS}: shorten it"
        )
    # A repeated term matches nothing more, but FTS5's bm25() costs the terms times their
    # matches: 100 x `a` on a note of "a a a ..." took 19 s.
    groups = dict.fromkeys(tuple(dict.fromkeys(group)) for group in parsed.required)
    parsed.required = [list(group) for group in groups]
    parsed.excluded = list(dict.fromkeys(parsed.excluded))
    return parsed


# --- snippets ----------------------------------------------------------------------------


def fold_case_and_accents(text: str) -> str:
    """Words as both engines compare them: SQLite's `unicode61 remove_diacritics 2`
    tokenizer, PostgreSQL's `notes_search` configuration (unaccent, then simple)."""
    if text.isascii():
        return text.lower()
    return _DIACRITICS.sub("", unicodedata.normalize("NFD", text)).lower()


@dataclass(frozen=True)
class _Scan:
    """The words at the start of a note: where each one is, and all of them folded into one
    string with a space before and after each word, so that str.find() does the matching."""

    bounds: list[int]  # word i spans text[bounds[2i + 1]:bounds[2i + 2]]
    folded: str
    starts: list[int]  # in `folded`, the space before word i (and after the last word)

    @classmethod
    def of(cls, text: str, fold: Callable[[str], str]) -> "_Scan":
        # split(), join() and find() run in C: a 1 MiB note scans in about 0.1 s.
        parts = _WORDS_AND_GAPS.split(text)
        words = parts[1::2]
        folded = fold(" ".join(words)).split(" ")
        if len(folded) != len(words):  # a compatibility character folded into two words
            folded = [fold(word).replace(" ", "") for word in words]
        return cls(
            bounds=list(accumulate(map(len, parts), initial=0)),
            folded=" " + " ".join(folded) + " ",
            starts=list(accumulate((len(word) + 1 for word in folded), initial=0)),
        )

    @property
    def count(self) -> int:
        return len(self.starts) - 1

    def span(self, word: int) -> tuple[int, int]:
        return self.bounds[2 * word + 1], self.bounds[2 * word + 2]

    def first(self, needle: str) -> int | None:
        """The first word where `needle` starts, if any."""
        at = self.folded.find(needle)
        return None if at < 0 else bisect_left(self.starts, at)

    def each(self, needle: str, first: int, last: int) -> Iterator[int]:
        """The words from `first` up to (not including) `last` where `needle` starts."""
        at = self.folded.find(needle, self.starts[first])
        while 0 <= at < self.starts[last]:
            yield bisect_left(self.starts, at)
            at = self.folded.find(needle, at + 1)


def snippet(
    text: str, query: SearchQuery, *, fold: Callable[[str], str]
) -> tuple[str, list[tuple[int, int]]]:
    """About SNIPPET_WORDS words of `text` around the first match of `query`'s required
    terms, and the (start, end) offsets in it of every matched word.

    Words are compared as `fold` leaves them. The snippet is an exact slice of the text,
    with "…" where it is cut, so no character of a note is lost or taken for a mark. Time
    is linear in the length of the text up to the match.
    """
    needles: list[tuple[str, int]] = []  # (" word word" + " " unless a prefix, words)
    for group in query.required:
        for term in group:
            words = [fold(word) for word in term.words]
            needles.append((" " + " ".join(words) + ("" if term.prefix else " "), len(words)))
    reach = max((length for _, length in needles), default=1)
    size = _FIRST_SCAN
    while True:
        cut = size < len(text)
        scan = _Scan.of(text[:size], fold)
        if cut and scan.count and scan.bounds[-1] == scan.bounds[-2]:
            # The cut may fall inside the last word: leave that word to the next round.
            scan = _Scan.of(text[: scan.span(scan.count - 1)[0]], fold)
        found = [word for needle, _ in needles if (word := scan.first(needle)) is not None]
        first = min(found, default=0)
        # Done when the snippet's words, and those of a phrase running past it, are in.
        if not cut or ((found or not needles) and scan.count >= first + SNIPPET_WORDS + reach):
            break
        size *= 16
    if not scan.count:  # no word at all: a note found by exclusions only
        shown = SNIPPET_WORDS * 8
        return (text, []) if len(text) <= shown else (text[:shown] + "…", [])
    start = max(0, min(first - _CONTEXT_WORDS, scan.count - SNIPPET_WORDS))
    end = min(scan.count, start + SNIPPET_WORDS)
    marked: set[int] = set()
    for needle, length in needles:
        for word in scan.each(needle, max(0, start - length + 1), end):
            marked.update(range(max(word, start), min(word + length, end)))
    # The text before the first word and after the last is kept; inner cuts get "…".
    begin = 0 if start == 0 else scan.span(start)[0]
    more = end < scan.count or (cut and _WORD.search(text, scan.bounds[-1]) is not None)
    finish = scan.span(end - 1)[1] if more else len(text)
    lead = "…" if start else ""
    shift = len(lead) - begin
    highlights = [(scan.span(w)[0] + shift, scan.span(w)[1] + shift) for w in sorted(marked)]
    return lead + text[begin:finish] + ("…" if more else ""), highlights
