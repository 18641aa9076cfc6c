"""Incident use cases on a real database (both backends): dedup under races, merge, resolve,
snooze, and the list query's filters and totals."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.integration.incidents.conftest import Setup

from slar.domain.alerts.models import Alert
from slar.domain.identity.rules import Principal
from slar.domain.incidents import repository, service
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.kernel.errors import Conflict, InvalidInput, PermissionDenied


def _open(setup: Setup, *, actor: Principal | None = None, **fields: object) -> int:
    with setup.db.transaction() as session:
        out = service.create_incident(
            session,
            actor=actor or setup.alice,
            service_id=fields.pop("service_id", setup.service_id),  # type: ignore[arg-type]
            title=str(fields.pop("title", "Disk full")),
            now=setup.clock.now(),
            **fields,  # type: ignore[arg-type]
        )
        return out.id


def _alert(setup: Setup, incident_id: int, fingerprint: str) -> Alert:
    now = setup.clock.now()
    return Alert(
        integration_id=setup.integration_id,
        service_id=setup.service_id,
        incident_id=incident_id,
        fingerprint=fingerprint,
        dedup_key=fingerprint,
        status="triggered",
        summary=fingerprint,
        first_seen_at=now,
        last_seen_at=now,
    )


def test_create_uses_the_services_urgency_and_writes_the_timeline(setup: Setup) -> None:
    high = _open(setup, severity="critical")
    low = _open(setup, severity="info")
    with setup.db.read() as session:
        assert session.get(Incident, high).urgency == "high"  # type: ignore[union-attr]
        assert session.get(Incident, low).urgency == "low"  # type: ignore[union-attr]
        events = repository.events(session, high)
        assert [(e.kind, e.actor, e.actor_user_id) for e in events] == [
            ("triggered", "Alice", setup.alice.user_id)
        ]


def test_a_duplicate_that_slips_past_the_check_is_caught_by_the_index(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-check can lose a race; the partial unique index and the savepoint still hold."""
    first = _open(setup, dedup_key="k")
    calls = {"n": 0}
    real = repository.open_incident_by_dedup

    def racing(session, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return None if calls["n"] == 1 else real(session, **kwargs)

    monkeypatch.setattr(repository, "open_incident_by_dedup", racing)
    with setup.db.transaction() as session:
        with pytest.raises(Conflict) as caught:
            service.create_incident(
                session,
                actor=setup.alice,
                service_id=setup.service_id,
                title="second",
                dedup_key="k",
                now=setup.clock.now(),
            )
        assert caught.value.code == "incident.duplicate"
        assert caught.value.details["existing_id"] == first
        # The savepoint rolled back only the failed insert: the transaction still works.
        assert session.scalar(select(Incident.id).where(Incident.title == "second")) is None
        assert session.get(Incident, first) is not None
    assert calls["n"] == 2


def test_concurrent_creates_with_one_dedup_key_open_one_incident(setup: Setup) -> None:
    if setup.db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race needs PostgreSQL")
    barrier = threading.Barrier(2, timeout=10)
    real = repository.open_incident_by_dedup
    outcomes: list[str] = []

    waited: set[str] = set()

    def synced(session, **kwargs):  # type: ignore[no-untyped-def]
        found = real(session, **kwargs)
        name = threading.current_thread().name
        if name.startswith("racer") and name not in waited:
            waited.add(name)
            barrier.wait()  # both have checked and found nothing before either inserts
        return found

    def racer(n: int) -> None:
        try:
            _open(setup, title=f"racer {n}", dedup_key="shared")
            outcomes.append("created")
        except Conflict as error:
            outcomes.append(error.code)

    repository.open_incident_by_dedup = synced
    try:
        threads = [threading.Thread(target=racer, args=(n,), name=f"racer-{n}") for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        repository.open_incident_by_dedup = real
    assert sorted(outcomes) == ["created", "incident.duplicate"]
    with setup.db.read() as session:
        count = session.scalars(select(Incident).where(Incident.dedup_key == "shared")).all()
        assert len(count) == 1


def test_merge_moves_alerts_adds_counts_and_resolves_the_source(setup: Setup) -> None:
    source = _open(setup, title="source")
    target = _open(setup, title="target")
    with setup.db.transaction() as session:
        session.add_all([_alert(setup, source, f"s{n}") for n in range(3)])
        session.add(_alert(setup, target, "t0"))
        session.get(Incident, source).alert_count = 3  # type: ignore[union-attr]
        session.get(Incident, target).alert_count = 1  # type: ignore[union-attr]
    setup.clock.advance(timedelta(minutes=5))
    with setup.db.transaction() as session:
        out = service.merge(
            session, source_id=source, into_id=target, actor=setup.alice, now=setup.clock.now()
        )
    assert out.alert_count == 4
    with setup.db.read() as session:
        merged = session.get(Incident, source)
        assert merged is not None
        assert (merged.status, merged.merged_into_id, merged.alert_count) == ("resolved", target, 0)
        assert merged.resolved_at == setup.clock.now()
        owners = session.scalars(select(Alert.incident_id)).all()
        assert owners == [target] * 4
        kinds = session.scalars(
            select(IncidentEvent.kind).where(IncidentEvent.incident_id == target)
        ).all()
        assert kinds == ["triggered", "merged"]
    with setup.db.transaction() as session, pytest.raises(Conflict) as again:
        service.merge(
            session, source_id=source, into_id=target, actor=setup.alice, now=setup.clock.now()
        )
    assert again.value.code == "incident.resolved"


def test_permissions_are_checked_before_state(setup: Setup) -> None:
    iid = _open(setup)
    with setup.db.transaction() as session:
        service.resolve(session, incident_id=iid, actor=setup.alice, now=setup.clock.now())
    for principal, code in ((setup.olive, "auth.read_only"), (setup.carol, "auth.not_team_member")):
        with setup.db.transaction() as session, pytest.raises(PermissionDenied) as denied:
            service.acknowledge(session, incident_id=iid, actor=principal, now=setup.clock.now())
        assert denied.value.code == code


def test_snooze_and_service_level_validation(setup: Setup) -> None:
    iid = _open(setup)
    now = setup.clock.now()
    with setup.db.transaction() as session:
        for minutes in (0, 1441):
            with pytest.raises(InvalidInput):
                service.snooze(
                    session, incident_id=iid, minutes=minutes, actor=setup.alice, now=now
                )
        out = service.snooze(session, incident_id=iid, minutes=1440, actor=setup.alice, now=now)
    assert out.status == "acknowledged"
    assert out.snoozed_until == now + timedelta(days=1)
    with setup.db.transaction() as session:
        back = service.unacknowledge(session, incident_id=iid, actor=setup.alice, now=now)
    assert back.status == "triggered"
    assert back.snoozed_until is None
    with setup.db.transaction() as session, pytest.raises(InvalidInput):
        service.add_note(session, incident_id=iid, text="x" * 10_001, actor=setup.alice, now=now)


def test_list_totals_and_filters_in_one_query_each(setup: Setup) -> None:
    ids = [_open(setup, title=f"checkout {n}") for n in range(3)]
    other = _open(setup, actor=setup.admin, title="search down", service_id=setup.other_service_id)
    with setup.db.read() as session:
        items, total = service.list_incidents(
            session, principal=setup.olive, q="CHECKOUT", limit=2, offset=0
        )
        assert total == 3
        assert [i.id for i in items] == [ids[2], ids[1]]
        items, total = service.list_incidents(
            session, principal=setup.olive, team_id=setup.other_team_id
        )
        assert (total, [i.service_name for i in items]) == (1, ["search-api"])
        assert items[0].id == other
        with pytest.raises(InvalidInput):
            service.list_incidents(session, principal=setup.olive, limit=0)
        with pytest.raises(InvalidInput):
            service.list_incidents(session, principal=setup.olive, urgency="urgent")
