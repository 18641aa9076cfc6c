"""``alerts.service.receive`` on a real database: dedup, grouping, maintenance, routing, and
the number of statements the hot path costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from tests.integration.alerts.factory import (
    Catalog,
    Hook,
    am_alert,
    am_webhook,
    pagerduty_event,
)

from slar.db import Database
from slar.domain.alerts import service
from slar.domain.alerts.service import IngestResult
from slar.domain.catalog.models import Integration
from slar.domain.incidents import lifecycle
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.domain.incidents.rules import Actor
from slar.jobs.models import Job
from slar.kernel.clock import FakeClock
from slar.kernel.errors import InvalidInput, NotFound


@pytest.fixture
def catalog(db: Database, clock: FakeClock) -> Catalog:
    return Catalog(db, clock.now())


def send(db: Database, clock: FakeClock, hook: Hook, body: dict[str, Any]) -> IngestResult:
    with db.transaction() as session:
        return service.receive(session, key=hook.key, kind=hook.kind, body=body, now=clock.now())


@contextmanager
def count_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def _count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


# The hot path's statement budget. PostgreSQL: one statement reads the integration, its rules
# and its services' state (key check, urgency, policy, maintenance), one data-modifying CTE
# writes the incident, the alert and the timeline entry. SQLite has no ``xmax`` to tell an
# insert from an update, so there the incident is bumped, else inserted, and the alert and the
# entry are statements of their own (writers are serialised there anyway).
def _work(statements: list[str]) -> list[str]:
    return [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")]


def test_pagerduty_repeat_costs_few_statements(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    send(db, clock, hook, pagerduty_event(hook.key))
    clock.advance(timedelta(minutes=5))  # past the integration's last-seen throttle too
    send(db, clock, hook, pagerduty_event(hook.key))
    with count_statements(db) as statements:
        send(db, clock, hook, pagerduty_event(hook.key))
    expected = {
        "postgresql": ["WITH", "WITH"],
        "sqlite": ["WITH", "UPDATE", "INSERT", "INSERT"],  # lookup, bump, alert, entry
    }
    assert _work(statements) == expected[db.dialect], statements
    assert statements.count("COMMIT") <= 1
    assert catalog.incidents()[0].alert_count == 3
    assert catalog.timeline(catalog.incidents()[0].id) == ["triggered"] + ["alert_repeated"] * 2


def test_new_pagerduty_incident_costs_few_statements(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    with count_statements(db) as statements:
        send(db, clock, hook, pagerduty_event(hook.key))
    # + the integration's last-seen UPDATE (at most every 30 s)
    expected = {
        "postgresql": ["WITH", "WITH", "UPDATE"],
        "sqlite": ["WITH", "UPDATE", "INSERT", "INSERT", "INSERT", "UPDATE"],
    }
    assert _work(statements) == expected[db.dialect], "\n".join(statements)


def test_new_incident_with_escalation_policy_costs_one_more_statement(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    """The escalation engine's start rides along: the policy snapshot comes with the lookup,
    the generation with the incident's INSERT, and its first step is one job INSERT."""
    hook = catalog.hook("pagerduty")
    catalog.policy(hook.service_id, [[("user", 7)]], name="primary")
    send(db, clock, hook, pagerduty_event(hook.key, dedup_key="first"))  # last-seen written
    with count_statements(db) as statements:
        send(db, clock, hook, pagerduty_event(hook.key, dedup_key="second"))
    expected = {
        "postgresql": ["WITH", "WITH", "WITH"],  # lookup, trigger, job (+ its NOTIFY)
        "sqlite": ["WITH", "UPDATE", "INSERT", "INSERT", "INSERT", "INSERT"],
    }
    assert _work(statements) == expected[db.dialect], "\n".join(statements)
    with db.read() as session:
        jobs = session.scalars(select(Job).order_by(Job.id)).all()
    assert [j.kind for j in jobs] == ["escalation.step", "escalation.step"]


def test_an_opened_incident_is_started_exactly_as_the_engine_starts_one(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    """Ingestion's fast path of ``engine.start`` (escalation state written with the INSERT, the
    first step enqueued in one statement) leaves the same rows as ``lifecycle.apply_opened``
    on an incident created the ordinary way."""
    levels = [[("user", 11), ("team", 3)], [("schedule", 5)], []]
    hook = catalog.hook("pagerduty")
    catalog.policy(hook.service_id, levels, name="primary")
    [fast_id] = send(db, clock, hook, pagerduty_event(hook.key)).opened

    actor = Actor.system(f"integration:{hook.name}")
    with db.transaction() as session:
        fast = session.get(Incident, fast_id)
        assert fast is not None
        slow = Incident(
            title=fast.title,
            description=fast.description,
            status="triggered",
            urgency=fast.urgency,
            severity=fast.severity,
            service_id=fast.service_id,
            integration_id=fast.integration_id,
            dedup_key="slow",
            alert_count=1,
            labels=fast.labels,
            links=fast.links,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(slow)
        session.flush()
        lifecycle.apply_opened(
            session,
            slow,
            actor=actor,
            now=clock.now(),
            message=f"Triggered by {actor.label}: {slow.title}",
            data={"alert_count": 1, "dedup_key": "slow"},
        )
        slow_id = slow.id

    def escalation_state(incident_id: int) -> tuple[object, ...]:
        incident = catalog.incident(incident_id)
        return (
            incident.escalation_policy_snapshot,
            incident.escalation_generation,
            incident.escalation_level,
            incident.escalation_loop,
            incident.next_escalation_at,
            incident.updated_at,
        )

    assert escalation_state(fast_id) == escalation_state(slow_id)
    snapshot = catalog.incident(fast_id).escalation_policy_snapshot
    assert snapshot is not None
    assert [len(level["targets"]) for level in snapshot["levels"]] == [2, 1, 0]

    with db.read() as session:
        jobs = {j.payload["incident_id"]: j for j in session.scalars(select(Job))}
        entries = {
            e.incident_id: e
            for e in session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "triggered"))
        }
    fast_job, slow_job = jobs[fast_id], jobs[slow_id]
    assert fast_job.kind == slow_job.kind == "escalation.step"
    assert {**fast_job.payload, "incident_id": 0} == {**slow_job.payload, "incident_id": 0}
    assert fast_job.dedup_key == f"esc:{fast_id}:1:0:0" and slow_job.dedup_key == (
        f"esc:{slow_id}:1:0:0"
    )
    assert (fast_job.run_at, fast_job.status, fast_job.attempts) == (
        slow_job.run_at,
        slow_job.status,
        slow_job.attempts,
    )
    fast_entry, slow_entry = entries[fast_id], entries[slow_id]
    assert (fast_entry.message, fast_entry.actor, fast_entry.at) == (
        slow_entry.message,
        slow_entry.actor,
        slow_entry.at,
    )
    assert {**fast_entry.data, "dedup_key": "x"} == {**slow_entry.data, "dedup_key": "x"}


def test_without_a_policy_nobody_is_paged_and_the_timeline_says_so(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    [incident_id] = send(db, clock, hook, pagerduty_event(hook.key)).opened
    incident = catalog.incident(incident_id)
    assert incident.escalation_policy_snapshot is None and incident.next_escalation_at is None
    assert incident.escalation_generation == 1
    with db.read() as session:
        assert session.scalars(select(Job)).all() == []
        entry = session.scalars(select(IncidentEvent)).one()
    assert entry.message.endswith("(no escalation policy: nobody is paged)")
    assert entry.data["escalation_policy"] is None


def test_catalog_changes_apply_to_the_very_next_event(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    """Nothing of the integration is cached between requests (docs/adr/0006): a new key, a
    new routing rule, a maintenance window, a new policy count from the next event on."""
    hook = catalog.hook("pagerduty")
    other = catalog.service("other", urgency="low")
    assert send(db, clock, hook, pagerduty_event(hook.key, dedup_key="a")).opened

    catalog.rule(hook, to_service=other, conditions=[])
    [routed] = send(db, clock, hook, pagerduty_event(hook.key, dedup_key="b")).opened
    assert catalog.incident(routed).service_id == other

    catalog.policy(other, [[("user", 1)]], name="other-policy")
    [paged] = send(db, clock, hook, pagerduty_event(hook.key, dedup_key="c")).opened
    assert catalog.incident(paged).escalation_policy_snapshot is not None

    catalog.maintenance(other, start=clock.now(), hours=1)
    assert send(db, clock, hook, pagerduty_event(hook.key, dedup_key="d")).suppressed == 1

    with db.transaction() as session:
        integration = session.get(Integration, hook.integration_id)
        assert integration is not None
        integration.key = "n" * 40
    with pytest.raises(NotFound):
        send(db, clock, hook, pagerduty_event(hook.key, dedup_key="e"))
    renamed = Hook(hook.service_id, hook.integration_id, "n" * 40, hook.kind, hook.name)
    assert send(db, clock, renamed, pagerduty_event(renamed.key, dedup_key="e")).suppressed == 1


def test_trigger_repeat_ack_resolve_and_retrigger(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty", urgency="dynamic")
    first = send(db, clock, hook, pagerduty_event(hook.key, severity="warning"))
    assert len(first.opened) == 1
    incident_id = first.opened[0]
    assert catalog.incident(incident_id).urgency == "low"  # dynamic + warning

    clock.advance(timedelta(minutes=1))
    again = send(db, clock, hook, pagerduty_event(hook.key, severity="critical"))
    assert again.opened == () and again.incidents == (incident_id,)
    incident = catalog.incident(incident_id)
    assert (incident.alert_count, incident.severity) == (2, "critical")
    [alert] = catalog.alerts()
    assert alert.occurrences == 2 and alert.incident_id == incident_id
    assert alert.payload["payload"]["severity"] == "critical"  # the latest raw payload
    assert "routing_key" not in alert.payload

    send(db, clock, hook, pagerduty_event(hook.key, "acknowledge"))
    assert catalog.incident(incident_id).status == "acknowledged"
    send(db, clock, hook, pagerduty_event(hook.key, "acknowledge"))  # no-op, no error
    resolved = send(db, clock, hook, pagerduty_event(hook.key, "resolve"))
    assert resolved.resolved == (incident_id,)
    assert catalog.incident(incident_id).status == "resolved"
    assert [a.status for a in catalog.alerts()] == ["resolved"]
    assert catalog.timeline(incident_id) == [
        "triggered",
        "alert_repeated",
        "acknowledged",
        "resolved",
    ]
    # Resolve/ack of a resolved key: accepted, nothing changes.
    assert send(db, clock, hook, pagerduty_event(hook.key, "resolve")).resolved == ()

    reopened = send(db, clock, hook, pagerduty_event(hook.key))
    assert len(reopened.opened) == 1 and reopened.opened[0] != incident_id
    assert len(catalog.alerts()) == 2


def test_unknown_key_and_wrong_endpoint_are_refused(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("datadog")
    with pytest.raises(NotFound):
        send(db, clock, Hook(0, 0, "x" * 32, "datadog", "nope"), {"event_title": "t"})
    with pytest.raises(InvalidInput) as wrong:
        send(db, clock, Hook(0, 0, hook.key, "generic", "x"), {"title": "t"})
    assert wrong.value.code == "ingest.wrong_endpoint"
    assert "/integrations/{key}/datadog" in wrong.value.message
    with pytest.raises(InvalidInput) as invalid:
        send(db, clock, hook, {"alert_transition": "Triggered"})
    assert invalid.value.code == "ingest.invalid_payload"
    assert invalid.value.details["errors"]


def test_alertmanager_group_lifecycle(db: Database, clock: FakeClock, catalog: Catalog) -> None:
    hook = catalog.hook("alertmanager")
    a, b = am_alert("aaaa000000000001"), am_alert("bbbb000000000002")
    result = send(db, clock, hook, am_webhook(a, b))
    [incident_id] = result.opened
    assert catalog.incident(incident_id).alert_count == 2

    clock.advance(timedelta(minutes=5))
    resent = send(db, clock, hook, am_webhook(a, b))  # group_interval re-send
    assert resent.opened == () and resent.resolved == ()
    assert catalog.incident(incident_id).alert_count == 2
    assert catalog.timeline(incident_id) == ["triggered"]
    assert {x.last_seen_at for x in catalog.alerts()} == {clock.now()}
    assert {x.occurrences for x in catalog.alerts()} == {1}

    a_resolved = am_alert("aaaa000000000001", status="resolved")
    send(db, clock, hook, am_webhook(a_resolved, b))
    assert catalog.incident(incident_id).status == "triggered"

    # a fires again while b still fires: a new alert in the same incident
    send(db, clock, hook, am_webhook(a, b))
    assert catalog.incident(incident_id).alert_count == 3
    assert catalog.timeline(incident_id) == ["triggered", "alert_added"]

    both_resolved = [
        am_alert("aaaa000000000001", status="resolved"),
        am_alert("bbbb000000000002", status="resolved"),
    ]
    final = send(db, clock, hook, am_webhook(*both_resolved))
    assert final.resolved == (incident_id,)
    assert catalog.incident(incident_id).status == "resolved"
    assert catalog.timeline(incident_id)[-1] == "resolved"
    # A late duplicate of the resolve changes nothing.
    assert send(db, clock, hook, am_webhook(*both_resolved)).resolved == ()

    refire = send(db, clock, hook, am_webhook(a))
    assert len(refire.opened) == 1 and refire.opened[0] != incident_id


def test_resolve_only_batch_for_unknown_group_creates_nothing(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    result = send(db, clock, hook, am_webhook(am_alert("cccc000000000003", status="resolved")))
    assert result.alerts == 0 and result.incidents == ()
    assert catalog.incidents() == [] and catalog.alerts() == []


def test_maintenance_stores_suppressed_alerts_and_pages_after(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    catalog.maintenance(hook.service_id, start=clock.now() - timedelta(minutes=1), hours=1)
    result = send(db, clock, hook, pagerduty_event(hook.key))
    assert (result.suppressed, result.opened) == (1, ())
    send(db, clock, hook, pagerduty_event(hook.key))
    [alert] = catalog.alerts()
    assert alert.suppressed and alert.incident_id is None and alert.occurrences == 2
    assert "maintenance" in alert.suppressed_reason
    assert catalog.incidents() == []

    clock.advance(timedelta(hours=1))  # the window is over; the problem persists
    after = send(db, clock, hook, pagerduty_event(hook.key))
    [incident_id] = after.opened
    [alert] = catalog.alerts()
    assert not alert.suppressed and alert.incident_id == incident_id


def test_maintenance_suppresses_new_alertmanager_alerts(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    catalog.maintenance(hook.service_id, start=clock.now(), hours=1)
    send(db, clock, hook, am_webhook(am_alert("dddd000000000004")))
    assert catalog.incidents() == []
    [alert] = catalog.alerts()
    assert alert.suppressed and alert.incident_id is None
    send(db, clock, hook, am_webhook(am_alert("dddd000000000004", status="resolved")))
    assert catalog.alerts()[0].status == "resolved"


def test_routing_rule_sends_alert_to_another_service(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    database_team = catalog.service("databases", urgency="low")
    catalog.rule(
        hook,
        to_service=database_team,
        conditions=[{"field": "labels.team", "op": "equals", "value": "db"}],
    )
    send(db, clock, hook, am_webhook(am_alert("eeee000000000005", team="db")))
    send(db, clock, hook, am_webhook(am_alert("ffff000000000006"), group_key="other"))
    [routed] = catalog.incidents(database_team)
    assert routed.urgency == "low" and routed.integration_id == hook.integration_id
    assert len(catalog.incidents(hook.service_id)) == 1
    assert {a.service_id for a in catalog.alerts()} == {database_team, hook.service_id}


def test_single_event_formats(db: Database, clock: FakeClock, catalog: Catalog) -> None:
    datadog = catalog.hook("datadog")
    triggered = {
        "alert_cycle_key": "cycle-1",
        "alert_transition": "Triggered",
        "event_title": "[Triggered] CPU high on web-1",
        "alert_priority": "P1",
    }
    [incident_id] = send(db, clock, datadog, triggered).opened
    assert catalog.incident(incident_id).severity == "critical"
    recovered = {**triggered, "alert_transition": "Recovered"}
    assert send(db, clock, datadog, recovered).resolved == (incident_id,)

    generic = catalog.hook("generic")
    body = {"title": "Backup failed", "severity": "error", "labels": {"host": "db-1"}}
    [generic_incident] = send(db, clock, generic, body).opened
    send(db, clock, generic, body)
    assert catalog.incident(generic_incident).alert_count == 2
    assert catalog.incident(generic_incident).labels == {"host": "db-1"}
    send(db, clock, generic, {**body, "status": "resolved"})
    assert catalog.incident(generic_incident).status == "resolved"


def test_integration_last_seen_is_recorded(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    from slar.domain.catalog.models import Integration

    hook = catalog.hook("generic")
    send(db, clock, hook, {"title": "x"})
    with db.read() as session:
        integration = session.get(Integration, hook.integration_id)
        assert integration is not None and integration.last_seen_at == clock.now()


def test_an_alert_in_two_groups_stays_in_the_first_incident(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    """One receiver, two routes (``continue: true``): the same alert arrives in two groups."""
    hook = catalog.hook("alertmanager")
    shared = am_alert("abcd000000000009")
    [first] = send(db, clock, hook, am_webhook(shared, group_key="route-a")).opened
    for _ in range(2):
        other = send(db, clock, hook, am_webhook(shared, group_key="route-b"))
        assert other.opened == ()
        again = send(db, clock, hook, am_webhook(shared, group_key="route-a"))
        assert again.opened == ()
    [incident] = catalog.incidents()
    assert incident.id == first and incident.alert_count == 1
    assert catalog.timeline(first) == ["triggered"]


def test_one_batch_is_stored_whole_or_not_at_all(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    body = am_webhook(am_alert("1234000000000001"))
    body["alerts"].append({"status": "firing", "labels": "not an object"})
    with pytest.raises(InvalidInput):
        send(db, clock, hook, body)
    assert catalog.alerts() == [] and catalog.incidents() == []


def test_the_senders_own_time_is_kept_with_the_alert(
    db: Database, clock: FakeClock, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    alert = am_alert("cccc000000000003")
    alert["startsAt"] = "2026-03-02T08:41:07Z"
    send(db, clock, hook, am_webhook(alert))
    [stored] = catalog.alerts()
    assert stored.occurred_at is not None
    assert stored.occurred_at.isoformat() == "2026-03-02T08:41:07+00:00"
    assert stored.first_seen_at == clock.now()
