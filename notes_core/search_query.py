"""The search language users already know, parsed by us and rendered as safe engine syntax.

Words are all required; `"an exact phrase"`; `-word` excludes; `word*` is a prefix; `OR`
between two terms. Anything else (stray quotes, `*`, `-`, AND, NEAR(, parentheses,
punctuation) is taken as plain words, so no input can raise.
"""

import re
from dataclasses import dataclass, field

# A balanced quoted phrase (optionally negated), else a run of non-space characters.
_TOKEN = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')
# What both engines treat as a word: letters and digits. Terms with none are dropped,
# because neither engine can match them.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """A word or phrase, as the words it contains."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self) -> str:
        # Quoted, so FTS5 never reads an operator or a column filter from user input.
        phrase = '"' + " ".join(self.words) + '"'
        return phrase + " *" if self.prefix else phrase

    def phrase(self) -> str:
        """The words, space-separated: what phraseto_tsquery() reads as this term."""
        return " ".join(self.words)

    def prefix_tsquery(self) -> str:
        """A to_tsquery() text for a prefix term. Words are letters and digits only, so
        quoting them with '' is safe."""
        lexemes = [f"'{word}'" for word in self.words]
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


def _term(raw: str, *, prefix: bool = False) -> Term | None:
    words = tuple(_WORD.findall(raw.lower()))
    return Term(words, prefix=prefix) if words else None


def parse(query: str) -> SearchQuery:
    """Parse user input into a SearchQuery; never raises."""
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
    joined = False  # the previous item was an OR between two positive terms
    for index, item in enumerate(items):
        if item is None:
            joined = positive(index - 1) and positive(index + 1)
            if not joined:  # a stray OR is just the word "or"
                parsed.required.append([Term(("or",))])
            continue
        negated, term = item
        if negated:
            parsed.excluded.append(term)
        elif joined:
            parsed.required[-1].append(term)
        else:
            parsed.required.append([term])
        joined = False
    return parsed
