"""Monitor queries. All SQL of the monitors context lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, delete, func, select
from sqlalchemy.orm import Session

from slar.domain.catalog.models import Integration
from slar.domain.incidents.models import Incident
from slar.domain.monitors.models import CheckResult, HeartbeatMonitor, UptimeCheck

# --- checks ----------------------------------------------------------------------------------


def check_by_id(session: Session, check_id: int, *, for_update: bool = False) -> UptimeCheck | None:
    if for_update:
        return session.get(UptimeCheck, check_id, with_for_update=True, populate_existing=True)
    return session.get(UptimeCheck, check_id)


def list_checks(session: Session, *, service_id: int | None) -> list[UptimeCheck]:
    stmt = select(UptimeCheck)
    if service_id is not None:
        stmt = stmt.where(UptimeCheck.service_id == service_id)
    return list(session.scalars(stmt.order_by(func.lower(UptimeCheck.name), UptimeCheck.id)))


def due_checks(session: Session, *, until: datetime, limit: int) -> list[UptimeCheck]:
    """Enabled checks whose next run is due by ``until``, earliest first, locked so that a
    second scheduler (a replica whose tick lock expired) skips rather than double-books them."""
    stmt = (
        select(UptimeCheck)
        .where(UptimeCheck.enabled.is_(True), UptimeCheck.next_run_at <= until)
        .order_by(UptimeCheck.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def add_result(session: Session, result: CheckResult) -> None:
    session.add(result)


def results_of(
    session: Session, check_id: int, *, since: datetime | None, limit: int
) -> list[CheckResult]:
    stmt = select(CheckResult).where(CheckResult.check_id == check_id)
    if since is not None:
        stmt = stmt.where(CheckResult.started_at >= since)
    stmt = stmt.order_by(CheckResult.started_at.desc(), CheckResult.id.desc()).limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class Tally:
    up: int
    total: int


def tallies(session: Session, check_id: int, since: Sequence[datetime]) -> list[Tally]:
    """Successful and total results since each instant of ``since`` (one statement)."""
    columns = []
    for at in since:
        recent = CheckResult.started_at >= at
        columns.append(func.sum(case((recent & CheckResult.ok, 1), else_=0)).cast(Integer))
        columns.append(func.sum(case((recent, 1), else_=0)).cast(Integer))
    row = session.execute(
        select(*columns).where(
            CheckResult.check_id == check_id, CheckResult.started_at >= min(since)
        )
    ).one()
    return [Tally(up=int(row[i] or 0), total=int(row[i + 1] or 0)) for i in range(0, len(row), 2)]


def latencies(session: Session, check_id: int, *, since: datetime) -> list[float]:
    stmt = select(CheckResult.latency_ms).where(
        CheckResult.check_id == check_id,
        CheckResult.started_at >= since,
        CheckResult.ok.is_(True),
        CheckResult.latency_ms.is_not(None),
    )
    return [float(v) for v in session.scalars(stmt) if v is not None]


def delete_results_before(session: Session, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` results older than ``before`` (oldest first); how many went."""
    oldest = (
        select(CheckResult.id)
        .where(CheckResult.started_at < before)
        .order_by(CheckResult.started_at)
        .limit(limit)
    )
    ids = list(session.scalars(oldest))
    if not ids:
        return 0
    session.execute(delete(CheckResult).where(CheckResult.id.in_(ids)))
    return len(ids)


# --- heartbeats ------------------------------------------------------------------------------


def heartbeat_by_id(
    session: Session, monitor_id: int, *, for_update: bool = False
) -> HeartbeatMonitor | None:
    if for_update:
        return session.get(
            HeartbeatMonitor, monitor_id, with_for_update=True, populate_existing=True
        )
    return session.get(HeartbeatMonitor, monitor_id)


def heartbeat_by_key(session: Session, key: str) -> HeartbeatMonitor | None:
    stmt = select(HeartbeatMonitor).where(HeartbeatMonitor.key == key).with_for_update()
    return session.scalar(stmt)


def heartbeat_key_in_use(session: Session, key: str) -> bool:
    return (
        session.scalar(select(HeartbeatMonitor.id).where(HeartbeatMonitor.key == key)) is not None
    )


def list_heartbeats(session: Session, *, service_id: int | None) -> list[HeartbeatMonitor]:
    stmt = select(HeartbeatMonitor)
    if service_id is not None:
        stmt = stmt.where(HeartbeatMonitor.service_id == service_id)
    return list(
        session.scalars(stmt.order_by(func.lower(HeartbeatMonitor.name), HeartbeatMonitor.id))
    )


def overdue_heartbeats(session: Session, *, now: datetime, limit: int) -> list[HeartbeatMonitor]:
    """Enabled monitors past their deadline with no incident raised for this outage yet."""
    stmt = (
        select(HeartbeatMonitor)
        .where(
            HeartbeatMonitor.enabled.is_(True),
            HeartbeatMonitor.due_by < now,
            HeartbeatMonitor.state != "new",
            (HeartbeatMonitor.state == "up") | HeartbeatMonitor.incident_id.is_(None),
        )
        .order_by(HeartbeatMonitor.due_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


# --- integrations ----------------------------------------------------------------------------


def integrations_expecting_traffic(session: Session) -> list[Integration]:
    stmt = select(Integration).where(Integration.expect_every_seconds.is_not(None))
    return list(session.scalars(stmt.order_by(Integration.id)))


def integrations(session: Session, *, service_id: int | None) -> list[Integration]:
    stmt = select(Integration)
    if service_id is not None:
        stmt = stmt.where(Integration.service_id == service_id)
    return list(session.scalars(stmt.order_by(Integration.service_id, Integration.id)))


def open_incidents_with_prefix(session: Session, prefix: str) -> dict[str, Incident]:
    """Open incidents whose dedup key starts with ``prefix``, by dedup key."""
    stmt = select(Incident).where(
        Incident.status != "resolved", Incident.dedup_key.startswith(prefix, autoescape=True)
    )
    return {i.dedup_key: i for i in session.scalars(stmt) if i.dedup_key is not None}


def incidents_since(session: Session, *, service_id: int, dedup_key: str, since: datetime) -> bool:
    """Whether an incident with this key was opened on the service at or after ``since``."""
    stmt = select(Incident.id).where(
        Incident.service_id == service_id,
        Incident.dedup_key == dedup_key,
        Incident.created_at >= since,
    )
    return session.scalar(stmt.limit(1)) is not None
