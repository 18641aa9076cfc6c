"""Read-only alert queries for the views (an incident's alerts, one alert, a filtered list).

Kept apart from ingestion's ``repository.py``: these never change an alert, and the reading
side (API, UI, AI tools) can evolve without touching the write path.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from slar.domain.alerts.models import Alert


def alerts_for_incident(session: Session, incident_id: int) -> list[Alert]:
    """The incident's alerts, oldest first."""
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.incident_id == incident_id)
            .order_by(Alert.first_seen_at, Alert.id)
        )
    )


def alert_by_id(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def search_alerts(
    session: Session,
    *,
    incident_id: int | None = None,
    service_id: int | None = None,
    statuses: frozenset[str] | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Alert], int]:
    """A page of alerts, newest first (ties by id), and the total over the same filters."""
    conditions: list[ColumnElement[bool]] = []
    if incident_id is not None:
        conditions.append(Alert.incident_id == incident_id)
    if service_id is not None:
        conditions.append(Alert.service_id == service_id)
    if statuses is not None:
        conditions.append(Alert.status.in_(sorted(statuses)))
    items = list(
        session.scalars(
            select(Alert)
            .where(*conditions)
            .order_by(Alert.first_seen_at.desc(), Alert.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    total = session.scalar(select(func.count()).select_from(Alert).where(*conditions))
    return items, int(total or 0)
