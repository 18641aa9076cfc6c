"""Incident queries. All SQL of the incidents context lives here.

Lists join the service (name, team) in the same statement, so a page of incidents is one
query plus one COUNT over the same filters, whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, false, func, or_, select, text, update
from sqlalchemy.orm import Session

from slar.db import JSONType, UTCDateTime
from slar.db.engine import run
from slar.domain.alerts.models import Alert
from slar.domain.catalog.models import Service
from slar.domain.identity.models import Team, User
from slar.domain.incidents import rules
from slar.domain.incidents.analytics import IncidentTimes
from slar.domain.incidents.models import Incident, IncidentEvent


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    """What a list of incidents is narrowed to; ``None`` means "any"."""

    statuses: frozenset[str] | None = None
    service_id: int | None = None
    team_id: int | None = None
    urgency: str | None = None
    assignee_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """An incident with the service facts every view shows."""

    incident: Incident
    service_name: str
    team_id: int


def incident_by_id(
    session: Session, incident_id: int, *, for_update: bool = False
) -> Incident | None:
    """The incident, row-locked for the rest of the transaction when ``for_update``."""
    stmt = select(Incident).where(Incident.id == incident_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def incidents_for_update(session: Session, incident_ids: Sequence[int]) -> dict[int, Incident]:
    """Lock several incidents in id order (a fixed order, so two merges cannot deadlock)."""
    stmt = (
        select(Incident)
        .where(Incident.id.in_(sorted(set(incident_ids))))
        .order_by(Incident.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {incident.id: incident for incident in session.scalars(stmt)}


def service_by_id(session: Session, service_id: int) -> Service | None:
    return session.get(Service, service_id)


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def open_incident_by_dedup(session: Session, *, service_id: int, dedup_key: str) -> Incident | None:
    return session.scalar(
        select(Incident).where(
            Incident.service_id == service_id,
            Incident.dedup_key == dedup_key,
            Incident.status != rules.RESOLVED,
        )
    )


def row_by_id(session: Session, incident_id: int) -> IncidentRow | None:
    found = session.execute(_rows_query().where(Incident.id == incident_id)).first()
    if found is None:
        return None
    return IncidentRow(incident=found[0], service_name=found[1], team_id=found[2])


def _rows_query() -> Select[Incident, str, int]:
    return select(Incident, Service.name, Service.team_id).join(
        Service, Service.id == Incident.service_id
    )


def _conditions(filters: IncidentFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.statuses is not None:
        conditions.append(Incident.status.in_(sorted(filters.statuses)))
    if filters.service_id is not None:
        conditions.append(Incident.service_id == filters.service_id)
    if filters.team_id is not None:
        conditions.append(Service.team_id == filters.team_id)
    if filters.urgency is not None:
        conditions.append(Incident.urgency == filters.urgency)
    if filters.assignee_id is not None:
        conditions.append(Incident.assignee_id == filters.assignee_id)
    if filters.since is not None:
        conditions.append(Incident.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(Incident.created_at < filters.until)
    if filters.q:
        pattern = rules.like_pattern(filters.q)
        number = rules.incident_ref(filters.q)
        conditions.append(
            or_(
                Incident.title.ilike(pattern, escape="\\"),
                Incident.description.ilike(pattern, escape="\\"),
                Incident.id == number if number is not None else false(),
            )
        )
    return conditions


def search(
    session: Session, filters: IncidentFilters, *, limit: int, offset: int
) -> tuple[list[IncidentRow], int]:
    """One page in a stable order (newest first, ties by id) and the true total."""
    conditions = _conditions(filters)
    page = session.execute(
        _rows_query()
        .where(*conditions)
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(
        select(func.count())
        .select_from(Incident)
        .join(Service, Service.id == Incident.service_id)
        .where(*conditions)
    )
    rows = [IncidentRow(incident=r[0], service_name=r[1], team_id=r[2]) for r in page]
    return rows, int(total or 0)


def events(session: Session, incident_id: int) -> list[IncidentEvent]:
    return list(
        session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.id)
        )
    )


def move_alerts(session: Session, *, source_id: int, into_id: int) -> int:
    """Re-parent every alert of ``source_id`` to ``into_id``; the number moved."""
    result = session.execute(
        update(Alert)
        .where(Alert.incident_id == source_id)
        .values(incident_id=into_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def resolve_open_alerts(session: Session, *, incident_id: int, now: datetime) -> int:
    """Close the incident's open alerts, so a repeat of one opens a fresh alert and incident."""
    result = session.execute(
        update(Alert)
        .where(Alert.incident_id == incident_id, Alert.status != rules.RESOLVED)
        .values(status=rules.RESOLVED, resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def analytics_rows(session: Session, *, since: datetime, until: datetime) -> list[IncidentTimes]:
    """One row per incident created in ``[since, until)``, merged-away duplicates excluded."""
    stmt = (
        select(
            Incident.id,
            Incident.service_id,
            Service.name,
            Service.team_id,
            Team.name,
            Incident.created_at,
            Incident.acknowledged_at,
            Incident.resolved_at,
        )
        .join(Service, Service.id == Incident.service_id)
        .join(Team, Team.id == Service.team_id)
        .where(
            Incident.created_at >= since,
            Incident.created_at < until,
            Incident.merged_into_id.is_(None),
        )
        .order_by(Incident.id)
    )
    return [
        IncidentTimes(
            incident_id=r[0],
            service_id=r[1],
            service_name=r[2],
            team_id=r[3],
            team_name=r[4],
            created_at=r[5],
            acknowledged_at=r[6],
            resolved_at=r[7],
        )
        for r in session.execute(stmt)
    ]


def recent_of_service(
    session: Session, *, service_id: int, limit: int
) -> list[tuple[int, str, dict[str, str], datetime]]:
    """(id, title, labels, created_at) of the service's ``limit`` most recent incidents."""
    stmt = (
        select(Incident.id, Incident.title, Incident.labels, Incident.created_at)
        .where(Incident.service_id == service_id)
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    return [(r[0], r[1], dict(r[2] or {}), r[3]) for r in session.execute(stmt)]


def rows_by_ids(session: Session, incident_ids: Sequence[int]) -> dict[int, IncidentRow]:
    if not incident_ids:
        return {}
    found = session.execute(_rows_query().where(Incident.id.in_(list(incident_ids)))).all()
    return {r[0].id: IncidentRow(incident=r[0], service_name=r[1], team_id=r[2]) for r in found}


_INSERT_EVENT = text(
    "INSERT INTO incident_events (incident_id, at, kind, actor_user_id, actor, message, data) "
    "VALUES (:incident_id, :at, :kind, :actor_user_id, :actor, :message, :data)"
).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("data", type_=JSONType()))


def insert_event(session: Session, values: dict[str, object]) -> None:
    """One timeline entry as a prebuilt statement (``timeline.append``)."""
    run(session, _INSERT_EVENT, values)
