"""Pure runbook rules: titles from markdown, size bounds, and user search text turned into a
query that can never be a syntax error. Values in, values out; no SQLAlchemy.

Search text is what a person (or the AI assistant) typed. PostgreSQL parses it with
``websearch_to_tsquery``, which accepts any text. SQLite's FTS5 ``MATCH`` has a query language
of its own in which a stray ``"``, ``*``, ``:``, ``(`` or ``NEAR`` is a syntax error, so
``fts5_query`` re-reads the text with the same small web-search grammar (words, ``"quoted
phrases"``, ``or``, ``-excluded``) and writes an FTS5 query in which every word is a quoted
string: user text never reaches the FTS5 parser as syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from slar.kernel.errors import InvalidInput, TooLarge

TITLE_MAX = 200
BODY_MAX_BYTES = 200 * 1024
QUERY_MAX = 500
MAX_QUERY_TERMS = 32
"""Terms kept from one search (bounds the work a single query can ask for)."""
SEARCH_LIMIT_MAX = 50
IMPORT_MAX_FILES = 200

PASSAGE_MARK = "**"
"""Matching words in a passage are wrapped in this (markdown bold) on both databases."""

_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FENCE = re.compile(r"^\s*(```|~~~)")
_H1 = re.compile(r"^#[ \t]+(.*?)[ \t#]*$")
_MD_SUFFIXES = (".markdown", ".md")


# --- titles and bodies ---------------------------------------------------------------------


def clean_title(title: str, *, field: str = "title") -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput(f"{field} must not be blank", code="runbook.invalid_title", field=field)
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(
            f"{field} is longer than {TITLE_MAX} characters",
            code="runbook.invalid_title",
            field=field,
        )
    if "\x00" in cleaned:
        raise InvalidInput(
            f"{field} contains a NUL character", code="runbook.invalid_title", field=field
        )
    return cleaned


def check_body(body: str, *, field: str = "body") -> str:
    """The body as stored; refused when over ``BODY_MAX_BYTES`` (UTF-8) or holding NUL, which
    PostgreSQL text cannot store (refused on SQLite too, so both behave alike)."""
    size = len(body.encode("utf-8", errors="surrogatepass"))
    if size > BODY_MAX_BYTES:
        raise TooLarge(
            f"{field} is {size} bytes; a runbook holds at most {BODY_MAX_BYTES} bytes",
            code="runbook.too_large",
            field=field,
        )
    if "\x00" in body:
        raise InvalidInput(
            f"{field} contains a NUL character (is it a binary file?)",
            code="runbook.invalid_body",
            field=field,
        )
    return body


def title_from_markdown(filename: str, content: str) -> str:
    """The first level-1 ATX heading (``# Title``) outside code fences, else the file name
    without its directory and ``.md`` suffix."""
    in_fence = False
    for line in content.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _H1.match(line)
        if match and match.group(1).strip():
            return match.group(1).strip()
    name = PureWindowsPath(PurePosixPath(filename).name).name
    for suffix in _MD_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name


# --- search text ---------------------------------------------------------------------------


def clean_query(text: str) -> str:
    """Search text without control characters (PostgreSQL refuses NUL), at most ``QUERY_MAX``
    characters."""
    return _CONTROL.sub(" ", text)[:QUERY_MAX].strip()


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Web-search text read as: any of ``alternatives`` (each: all of its terms), and none of
    ``excluded``. A term is a tuple of words that must appear together (a phrase)."""

    alternatives: tuple[tuple[tuple[str, ...], ...], ...]
    excluded: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.alternatives

    @property
    def terms(self) -> tuple[tuple[str, ...], ...]:
        """Every wanted term once, in order."""
        seen: dict[tuple[str, ...], None] = {}
        for group in self.alternatives:
            for term in group:
                seen.setdefault(term, None)
        return tuple(seen)

    @property
    def widens(self) -> bool:
        """Whether "any term" finds more than the query itself (two or more terms ANDed)."""
        return any(len(group) > 1 for group in self.alternatives)


def parse_query(text: str) -> ParsedQuery:
    """Read ``text`` with the grammar of ``websearch_to_tsquery``: words, ``"phrases"``,
    ``or`` between terms, ``-term`` to exclude. Anything else is a separator."""
    text = clean_query(text)
    alternatives: list[list[tuple[str, ...]]] = [[]]
    excluded: list[tuple[str, ...]] = []
    count, i, n = 0, 0, len(text)
    pending_or = False
    while i < n and count < MAX_QUERY_TERMS:
        char = text[i]
        negate = char == "-" and (i == 0 or text[i - 1].isspace())
        if negate:
            i += 1
            if i >= n:
                break
            char = text[i]
        if char == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            words = tuple(w.lower() for w in _WORD.findall(text[i + 1 : end]))
            i = end + 1
        else:
            match = _WORD.match(text, i)
            if match is None:
                i += 1
                continue
            words = (match.group(0).lower(),)
            i = match.end()
            if words == ("or",) and not negate:
                pending_or = bool(alternatives[-1])
                continue
        if not words:
            continue
        count += 1
        if negate:
            excluded.append(words)
            continue
        if pending_or:
            alternatives.append([])
            pending_or = False
        alternatives[-1].append(words)
    kept = tuple(tuple(group) for group in alternatives if group)
    return ParsedQuery(alternatives=kept, excluded=tuple(excluded))


def _fts5_term(words: tuple[str, ...]) -> str:
    # Words are ``\w+`` runs: no double quote can occur, so the string literal is closed.
    return '"' + " ".join(words) + '"'


def fts5_any_query(parsed: ParsedQuery) -> str:
    """FTS5 for "any of the wanted terms, none of the excluded ones" (the wider second pass
    of a search; see ``search.py``). Only for a non-empty ``parsed``."""
    query = " OR ".join(_fts5_term(t) for t in parsed.terms)
    if parsed.excluded:
        excluded = " OR ".join(_fts5_term(t) for t in parsed.excluded)
        query = f"({query}) NOT ({excluded})"
    return query


def tsquery_term(words: tuple[str, ...]) -> str:
    """A term as ``websearch_to_tsquery`` text: a word, or a quoted phrase."""
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def tiered_rank(relevance: float, *, every_term: bool) -> float:
    """One rank scale for both passes: ``[1, 2)`` for a document matching the whole query,
    ``[0, 1)`` for one matching only some of its terms; within a tier, more relevant is
    higher (``relevance`` is the database's score, >= 0)."""
    relevance = max(relevance, 0.0)
    return (1.0 if every_term else 0.0) + relevance / (1.0 + relevance)


def fts5_query(text: str) -> str | None:
    """An FTS5 ``MATCH`` expression for ``text``, or ``None`` when it asks for nothing (then
    the search finds nothing, as on PostgreSQL). Always valid FTS5 syntax."""
    parsed = parse_query(text)
    if parsed.empty:
        return None
    groups = [" AND ".join(_fts5_term(t) for t in group) for group in parsed.alternatives]
    query = " OR ".join(f"({g})" for g in groups)
    if parsed.excluded:
        excluded = " OR ".join(_fts5_term(t) for t in parsed.excluded)
        query = f"({query}) NOT ({excluded})"
    return query
