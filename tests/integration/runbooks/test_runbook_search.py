"""Runbook search on a real database (SQLite FTS5 and PostgreSQL tsvector): passages, ranks,
the service filter, the wider second pass, and hostile search text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.integration.runbooks.conftest import World

from slar.domain.runbooks import service
from slar.domain.runbooks.schemas import RunbookHit, RunbookUpdate

DISK = """# Disk full on a database host

When the data volume of a database host is nearly full, PostgreSQL stops accepting writes.

1. Find the largest tables and indexes.
2. Vacuum, or extend the volume in the cloud console.
3. Check that the replica caught up.
"""
LATENCY = """# Checkout latency

Look at the payment provider's status page first. Then check the connection pool of the
checkout API: an exhausted pool shows as latency, not as errors.
"""
CERT = """# Certificate expiry

Renew the certificate with certbot and reload nginx. Disk space is not involved.
"""


def _create(world: World, title: str, body: str, service_ids: list[int] | None = None) -> int:
    with world.db.transaction() as session:
        return service.create_runbook(
            session,
            title=title,
            body=body,
            service_ids=service_ids or [],
            principal=world.alice,
            now=world.clock.now(),
        ).id


def _search(world: World, q: str, **kwargs: object) -> list[RunbookHit]:
    with world.db.read() as session:
        return service.search_runbooks(session, q=q, principal=world.olive, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def library(world: World) -> dict[str, int]:
    return {
        "disk": _create(world, "Disk full", DISK, [world.service_id]),
        "latency": _create(world, "Checkout latency", LATENCY, [world.service_id]),
        "cert": _create(world, "Certificate expiry", CERT, [world.other_service_id]),
    }


def test_search_finds_the_passage_with_marked_words(world: World, library: dict[str, int]) -> None:
    hits = _search(world, "exhausted connection pool")
    assert [h.runbook_id for h in hits] == [library["latency"]]
    hit = hits[0]
    assert hit.title == "Checkout latency"
    assert "**pool**" in hit.passage and "**exhausted**" in hit.passage
    assert hit.rank >= 1.0  # every word matched
    assert hit.service_ids == [world.service_id]


def test_stemming_and_title_weight_rank_the_best_document_first(
    world: World, library: dict[str, int]
) -> None:
    hits = _search(world, "disk")  # the title of one, a word in the body of another
    assert [h.runbook_id for h in hits] == [library["disk"], library["cert"]]
    assert hits[0].rank > hits[1].rank
    assert [h.runbook_id for h in _search(world, "vacuuming volumes")] == [library["disk"]]


def test_service_filter_keeps_runbooks_linked_to_the_service(
    world: World, library: dict[str, int]
) -> None:
    assert [h.runbook_id for h in _search(world, "disk", service_id=world.service_id)] == [
        library["disk"]
    ]
    assert [h.runbook_id for h in _search(world, "disk", service_id=world.other_service_id)] == [
        library["cert"]
    ]
    assert _search(world, "disk", service_id=999_999) == []


def test_a_partial_match_comes_after_every_full_match(
    world: World, library: dict[str, int]
) -> None:
    """An incident title as the search: not every word is in a runbook, the closest still
    comes back, below the documents that match it all."""
    hits = _search(world, "Disk almost full on db-1", limit=5)
    assert hits and hits[0].runbook_id == library["disk"]
    assert all(h.rank < 1.0 for h in hits)
    both = _search(world, "disk space", limit=5)
    assert both[0].runbook_id == library["cert"] and both[0].rank >= 1.0
    assert library["disk"] in [h.runbook_id for h in both[1:]]
    assert all(h.rank < 1.0 for h in both[1:])


def test_phrases_or_and_exclusion(world: World, library: dict[str, int]) -> None:
    assert [h.runbook_id for h in _search(world, '"connection pool"')] == [library["latency"]]
    assert _search(world, '"pool connection"') == []
    found = {h.runbook_id for h in _search(world, "certbot or vacuum")}
    assert found == {library["cert"], library["disk"]}
    assert [h.runbook_id for h in _search(world, "disk -certificate")] == [library["disk"]]


def test_the_index_follows_updates_and_deletes(world: World, library: dict[str, int]) -> None:
    with world.db.transaction() as session:
        service.update_runbook(
            session,
            runbook_id=library["cert"],
            patch=RunbookUpdate(body="Rotate the TLS keys with the vault CLI."),
            principal=world.admin,
            now=world.clock.now(),
        )
    assert [h.runbook_id for h in _search(world, "vault")] == [library["cert"]]
    assert [h.runbook_id for h in _search(world, "certbot")] == []
    with world.db.transaction() as session:
        service.delete_runbook(session, runbook_id=library["cert"], principal=world.admin)
    assert _search(world, "vault") == []


def test_list_with_q_returns_matching_documents(world: World, library: dict[str, int]) -> None:
    with world.db.read() as session:
        everything = service.list_runbooks(session, principal=world.olive)
        matching = service.list_runbooks(session, principal=world.olive, q="replica")
        of_service = service.list_runbooks(
            session, principal=world.olive, service_id=world.other_service_id
        )
    assert [r.title for r in everything] == ["Certificate expiry", "Checkout latency", "Disk full"]
    assert [r.id for r in matching] == [library["disk"]]
    assert [r.id for r in of_service] == [library["cert"]]


HOSTILE = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                '"',
                "'",
                "*",
                ":",
                "(",
                ")",
                "NEAR",
                "AND",
                "OR",
                "NOT",
                "or",
                "-",
                "&",
                "|",
                "!",
                "<->",
                "\\",
                "%",
                "_",
                ";",
                "--",
                "disk",
                "\x00",
                "\u2028",
                "é",
                "ß",
            ]
        ),
        max_size=10,
    ).map(" ".join),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=HOSTILE)
def test_no_search_text_is_a_query_error(world: World, library: dict[str, int], q: str) -> None:
    """Whatever is typed, both databases answer with hits (or none), never an error."""
    hits = _search(world, q, limit=10)
    assert len(hits) <= 10
    assert all(h.runbook_id in library.values() for h in hits)
