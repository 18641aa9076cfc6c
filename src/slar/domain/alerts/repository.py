"""Ingestion's SQL: race-free upserts of open alerts and open incidents.

Deduplication is the database's job. Two partial unique indexes hold the invariants
(``uq_alerts_open_fingerprint``: one open alert per integration and fingerprint;
``uq_incidents_open_dedup``: one open incident per service and dedup key), and every write here
is shaped so that concurrent copies of one event cannot break them or fail on them:

- *bump first*: ``UPDATE ... WHERE <open row matches> RETURNING id`` (the common case, a
  repeat, costs one statement);
- else ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (a new row; a racing writer that got
  there first makes this return nothing instead of raising);
- else bump again: the racer's row is committed by then (PostgreSQL makes the conflicting
  insert wait for the other transaction), so the second bump finds it.

No check-then-insert, no savepoints, no retries on ``IntegrityError``. The same statements run
on SQLite (3.35+: partial-index upserts and RETURNING), where writers are serialised anyway.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from slar.domain.alerts.models import OPEN_CONDITION, Alert
from slar.domain.alerts.rules import at_least_as_severe
from slar.domain.incidents.models import Incident

_NOT_RESOLVED = "resolved"


def _insert(session: Session, entity: type[Alert] | type[Incident]) -> Any:
    """The backend's ``INSERT`` construct (both have ``on_conflict_do_nothing``)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


# --- incidents -------------------------------------------------------------------------------


def bump_open_incident(
    session: Session, *, service_id: int, dedup_key: str, severity: str, now: datetime
) -> int | None:
    """Count one more alert on the open incident for ``(service_id, dedup_key)``.

    Raises its severity to ``severity`` if that is higher. Returns the incident id, or None
    when no incident with that key is open.
    """
    stmt = (
        update(Incident)
        .where(
            Incident.service_id == service_id,
            Incident.dedup_key == dedup_key,
            Incident.status != _NOT_RESOLVED,
        )
        .values(
            alert_count=Incident.alert_count + 1,
            updated_at=now,
            severity=case(
                (Incident.severity.in_(at_least_as_severe(severity)), Incident.severity),
                else_=literal(severity),
            ),
        )
        .returning(Incident.id)
        .execution_options(synchronize_session=False)
    )
    return session.scalar(stmt)


def insert_incident_if_absent(session: Session, values: dict[str, Any]) -> Incident | None:
    """Insert an open incident unless one with its (service, dedup key) is open already.

    Returns the new incident (an ORM object in the session), or None if a racer got there first.
    """
    stmt = (
        _insert(session, Incident)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["service_id", "dedup_key"], index_where=text(OPEN_CONDITION)
        )
        .returning(Incident)
    )
    incident: Incident | None = session.scalars(stmt).first()
    return incident


def lock_open_incident(session: Session, *, service_id: int, dedup_key: str) -> Incident | None:
    """The open incident for ``(service_id, dedup_key)``, locked until commit (PostgreSQL).

    Grouped senders deliver the same group concurrently (an Alertmanager HA pair sends each
    notification from every replica); the lock makes those deliveries take turns.
    """
    stmt = (
        select(Incident)
        .where(
            Incident.service_id == service_id,
            Incident.dedup_key == dedup_key,
            Incident.status != _NOT_RESOLVED,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def incident_for_update(session: Session, incident_id: int) -> Incident | None:
    """One incident, re-read and locked until commit (PostgreSQL)."""
    return session.get(Incident, incident_id, with_for_update=True, populate_existing=True)


def open_alert_counts(session: Session, incident_ids: Collection[int]) -> dict[int, int]:
    """How many open alerts each of ``incident_ids`` has (absent: none)."""
    if not incident_ids:
        return {}
    stmt = (
        select(Alert.incident_id, func.count())
        .where(Alert.incident_id.in_(sorted(incident_ids)), Alert.status != _NOT_RESOLVED)
        .group_by(Alert.incident_id)
    )
    return {
        int(incident_id): int(count)
        for incident_id, count in session.execute(stmt)
        if incident_id is not None
    }


# --- alerts ----------------------------------------------------------------------------------


def bump_open_alert(
    session: Session,
    *,
    integration_id: int,
    fingerprint: str,
    fields: dict[str, Any],
    now: datetime,
    attach_to: int | None = None,
) -> int | None:
    """Record one more occurrence on the open alert ``(integration_id, fingerprint)``.

    ``fields`` (summary, severity, payload...) replace the stored ones: the latest event wins.
    With ``attach_to`` the alert (re)joins that incident and stops being suppressed. Returns
    the alert id, or None when no such alert is open.
    """
    values: dict[str, Any] = {
        **fields,
        "occurrences": Alert.occurrences + 1,
        "last_seen_at": now,
    }
    if attach_to is not None:
        values.update(incident_id=attach_to, suppressed=False, suppressed_reason="")
    stmt = (
        update(Alert)
        .where(
            Alert.integration_id == integration_id,
            Alert.fingerprint == fingerprint,
            Alert.status != _NOT_RESOLVED,
        )
        .values(**values)
        .returning(Alert.id)
        .execution_options(synchronize_session=False)
    )
    return session.scalar(stmt)


def insert_alert_if_absent(session: Session, values: dict[str, Any]) -> int | None:
    """Insert an open alert unless one with its (integration, fingerprint) is open already.

    Returns the new alert's id, or None if a racer got there first.
    """
    stmt = (
        _insert(session, Alert)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["integration_id", "fingerprint"], index_where=text(OPEN_CONDITION)
        )
        .returning(Alert.id)
    )
    alert_id: int | None = session.scalar(stmt)
    return alert_id


def open_alert(session: Session, *, integration_id: int, fingerprint: str) -> Alert | None:
    stmt = select(Alert).where(
        Alert.integration_id == integration_id,
        Alert.fingerprint == fingerprint,
        Alert.status != _NOT_RESOLVED,
    )
    return session.scalar(stmt)


def open_alerts_with_incident_state(
    session: Session, *, integration_id: int, fingerprints: Collection[str]
) -> dict[str, tuple[Alert, bool]]:
    """Open alerts of the integration by fingerprint, each with "its incident is open"."""
    if not fingerprints:
        return {}
    stmt = (
        select(Alert, Incident.status)
        .outerjoin(Incident, Incident.id == Alert.incident_id)
        .where(
            Alert.integration_id == integration_id,
            Alert.fingerprint.in_(sorted(fingerprints)),
            Alert.status != _NOT_RESOLVED,
        )
        .execution_options(populate_existing=True)
    )
    return {
        alert.fingerprint: (alert, status is not None and status != _NOT_RESOLVED)
        for alert, status in session.execute(stmt)
    }


def resolve_open_alerts_of(session: Session, *, incident_id: int, now: datetime) -> int:
    """Resolve every open alert of an incident (it was resolved on a single event's word)."""
    stmt = (
        update(Alert)
        .where(Alert.incident_id == incident_id, Alert.status != _NOT_RESOLVED)
        .values(status=_NOT_RESOLVED, resolved_at=now, last_seen_at=now)
        .execution_options(synchronize_session="fetch")
    )
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
