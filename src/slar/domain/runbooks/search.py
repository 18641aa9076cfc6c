"""Full-text search over runbooks, one statement per pass and database.

SQLite: the FTS5 table ``runbooks_fts`` (porter stemming), relevance from ``bm25`` with the
title weighted ten times the body, the passage from ``snippet()`` over the body. PostgreSQL:
the generated ``search_vector`` (title weight A, body weight B, ``english`` configuration) with
a GIN index, ``websearch_to_tsquery``, relevance from ``ts_rank_cd`` and the passage from
``ts_headline`` (computed for the returned rows only).

Two passes. The first finds documents matching the whole query (every word, as a web search
does). When it finds fewer than ``limit`` and the query has several words, a second pass fills
the rest with documents matching *any* of the words (excluded words still excluded): the AI
assistant searches with an incident's title, and "Disk almost full on db-1" should still find
the "Disk full" runbook. ``rank`` puts every first-pass hit above every second-pass hit
(``rules.tiered_rank``); ranks are comparable within one search only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from slar.domain.runbooks.rules import (
    PASSAGE_MARK,
    ParsedQuery,
    clean_query,
    fts5_any_query,
    fts5_query,
    parse_query,
    tiered_rank,
    tsquery_term,
)


@dataclass(frozen=True, slots=True)
class SearchRow:
    runbook_id: int
    title: str
    passage: str
    rank: float


_SERVICE_FILTER = (
    " AND EXISTS (SELECT 1 FROM runbook_services rs"
    " WHERE rs.runbook_id = r.id AND rs.service_id = :service_id)"
)

_SQLITE = """
SELECT r.id, r.title,
       snippet(runbooks_fts, 1, :mark, :mark, ' … ', 40) AS passage,
       -bm25(runbooks_fts, 10.0, 1.0) AS relevance
FROM runbooks_fts JOIN runbooks r ON r.id = runbooks_fts.rowid
WHERE runbooks_fts MATCH :match{service}{exclude}
ORDER BY bm25(runbooks_fts, 10.0, 1.0), r.id
LIMIT :limit
"""

_HEADLINE_OPTIONS = (
    f"StartSel={PASSAGE_MARK}, StopSel={PASSAGE_MARK}, MaxWords=40, MinWords=15, "
    'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)

_POSTGRESQL = """
WITH q AS (SELECT {tsquery} AS query),
hits AS (
    SELECT r.id, r.title, r.body, ts_rank_cd(r.search_vector, q.query) AS relevance
    FROM runbooks r, q
    WHERE r.search_vector @@ q.query{service}{exclude}
    ORDER BY relevance DESC, r.id
    LIMIT :limit
)
SELECT hits.id, hits.title,
       ts_headline('english', hits.body, q.query, :options) AS passage,
       hits.relevance
FROM hits, q
ORDER BY hits.relevance DESC, hits.id
"""


def _exclude(ids: Sequence[int]) -> str:
    # Integers from the first pass, formatted by us: no user text reaches the statement.
    return f" AND r.id NOT IN ({', '.join(str(int(i)) for i in ids)})" if ids else ""


def _sqlite_pass(
    session: Session, match: str, *, service_id: int | None, limit: int, seen: Sequence[int]
) -> list[tuple[int, str, str, float]]:
    sql = _SQLITE.format(
        service=_SERVICE_FILTER if service_id is not None else "", exclude=_exclude(seen)
    )
    params: dict[str, object] = {"match": match, "mark": PASSAGE_MARK, "limit": limit}
    if service_id is not None:
        params["service_id"] = service_id
    return [(r[0], r[1], r[2] or "", float(r[3])) for r in session.execute(text(sql), params)]


def _any_tsquery(parsed: ParsedQuery, params: dict[str, object]) -> str:
    """``(t1 || t2 ...) && !!(x1 || ...)`` of ``websearch_to_tsquery`` per term, each term a
    bound parameter (never SQL text)."""
    wanted = []
    for i, term in enumerate(parsed.terms):
        params[f"t{i}"] = tsquery_term(term)
        wanted.append(f"websearch_to_tsquery('english', :t{i})")
    query = "(" + " || ".join(wanted) + ")"
    if parsed.excluded:
        excluded = []
        for i, term in enumerate(parsed.excluded):
            params[f"x{i}"] = tsquery_term(term)
            excluded.append(f"websearch_to_tsquery('english', :x{i})")
        query = f"({query} && !!({' || '.join(excluded)}))"
    return query


def _pg_pass(
    session: Session,
    tsquery: str,
    params: dict[str, object],
    *,
    service_id: int | None,
    limit: int,
    seen: Sequence[int],
) -> list[tuple[int, str, str, float]]:
    sql = _POSTGRESQL.format(
        tsquery=tsquery,
        service=_SERVICE_FILTER if service_id is not None else "",
        exclude=_exclude(seen),
    )
    params = {**params, "options": _HEADLINE_OPTIONS, "limit": limit}
    if service_id is not None:
        params["service_id"] = service_id
    return [(r[0], r[1], r[2] or "", float(r[3])) for r in session.execute(text(sql), params)]


def search(session: Session, *, query: str, service_id: int | None, limit: int) -> list[SearchRow]:
    """Best matches first; empty when the text asks for nothing (only punctuation...)."""
    parsed = parse_query(query)
    match = fts5_query(query)
    if parsed.empty or match is None:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        first = _pg_pass(
            session,
            "websearch_to_tsquery('english', :query)",
            {"query": clean_query(query)},
            service_id=service_id,
            limit=limit,
            seen=(),
        )
    else:
        first = _sqlite_pass(session, match, service_id=service_id, limit=limit, seen=())
    rows = [
        SearchRow(i, title, passage, tiered_rank(relevance, every_term=True))
        for i, title, passage, relevance in first
    ]
    if len(rows) < limit and parsed.widens:
        seen = [row.runbook_id for row in rows]
        if postgres:
            params: dict[str, object] = {}
            tsquery = _any_tsquery(parsed, params)
            second = _pg_pass(
                session,
                tsquery,
                params,
                service_id=service_id,
                limit=limit - len(rows),
                seen=seen,
            )
        else:
            second = _sqlite_pass(
                session,
                fts5_any_query(parsed),
                service_id=service_id,
                limit=limit - len(rows),
                seen=seen,
            )
        rows += [
            SearchRow(i, title, passage, tiered_rank(relevance, every_term=False))
            for i, title, passage, relevance in second
        ]
    return rows
