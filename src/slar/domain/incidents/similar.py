"""The "similar incidents" read: earlier (or later) incidents of the same service that look
like this one, scored by ``similarity`` over a bounded window of recent incidents."""

from __future__ import annotations

from sqlalchemy.orm import Session

from slar.domain.identity.rules import Principal
from slar.domain.incidents import repository as repo
from slar.domain.incidents import similarity
from slar.domain.incidents.schemas import IncidentOut
from slar.domain.incidents.service import _out, get_incident  # one renderer of an incident
from slar.domain.incidents.similarity import IncidentFeatures
from slar.kernel.errors import InvalidInput


def similar_incidents(
    session: Session, *, incident_id: int, principal: Principal, limit: int = 5
) -> list[IncidentOut]:
    """Up to ``limit`` incidents of the same service most like ``incident_id`` (never itself),
    most similar first. Readable by every principal, like the incident."""
    if not 1 <= limit <= similarity.LIMIT_MAX:
        raise InvalidInput(
            f"limit must be between 1 and {similarity.LIMIT_MAX}, got {limit}",
            code="incident.invalid_limit",
            field="limit",
        )
    target = get_incident(session, incident_id=incident_id)  # 404 when it does not exist
    features = IncidentFeatures(
        id=target.id, title=target.title, labels=target.labels, created_at=target.created_at
    )
    window = repo.recent_of_service(
        session, service_id=target.service_id, limit=similarity.WINDOW + 1
    )
    candidates = [
        IncidentFeatures(id=i, title=title, labels=labels, created_at=at)
        for i, title, labels, at in window
    ]
    ranked = similarity.most_similar(features, candidates, limit=limit)
    rows = repo.rows_by_ids(session, [c.id for c, _ in ranked])
    return [
        _out(row.incident, service_name=row.service_name, team_id=row.team_id)
        for c, _ in ranked
        if (row := rows.get(c.id)) is not None
    ]
