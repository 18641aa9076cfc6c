"""Incidents SLAR raises itself (monitors): a *condition* on a service, named by a stable dedup
key (``monitor:check:7``), that is either failing or not.

``raise_condition`` opens the incident through the same machinery as an alert: the open
incident per (service, dedup key) is unique in the database (the same insert-if-absent as
ingestion, so racing workers open one), a service in a maintenance window gets no incident,
the escalation engine starts on the service's policy, and the ``triggered`` entry opens the
timeline. ``clear_condition`` resolves it with an entry saying why. There is no alert row: an
alert belongs to an integration, and a condition has none (``alert_count`` stays 0, as for an
incident opened by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.alerts import repository
from slar.domain.catalog import repository as catalog
from slar.domain.catalog.models import Service
from slar.domain.incidents import lifecycle
from slar.domain.incidents.rules import RESOLVED, TRIGGERED, Actor, clean_title, urgency_for
from slar.kernel.errors import NotFound


@dataclass(frozen=True, slots=True)
class Raised:
    """What ``raise_condition`` did: ``incident_id`` is the open incident (None when a
    maintenance window suppressed it), ``opened`` whether this call opened it."""

    incident_id: int | None
    opened: bool
    suppressed: bool = False


def raise_condition(
    session: Session,
    *,
    service_id: int,
    dedup_key: str,
    title: str,
    description: str,
    severity: str = "critical",
    labels: dict[str, str] | None = None,
    source: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> Raised:
    """Open the incident of a failing condition unless one is open already (see module)."""
    existing = repository.lock_open_incident(session, service_id=service_id, dedup_key=dedup_key)
    if existing is not None:
        return Raised(incident_id=existing.id, opened=False)
    if catalog.services_in_maintenance(session, [service_id], now):
        return Raised(incident_id=None, opened=False, suppressed=True)
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(f"service {service_id} not found", code="service.not_found")
    clean = clean_title(title)
    values = {
        "title": clean,
        "description": description,
        "status": TRIGGERED,
        "urgency": urgency_for(service.urgency, severity),
        "severity": severity,
        "service_id": service_id,
        "integration_id": None,
        "dedup_key": dedup_key,
        "alert_count": 0,
        "labels": dict(labels or {}),
        "links": [],
        "created_at": now,
        "updated_at": now,
    }
    incident = repository.insert_incident_if_absent(session, values)
    if incident is None:  # a racer opened it between our look and our insert
        winner = repository.lock_open_incident(session, service_id=service_id, dedup_key=dedup_key)
        return Raised(incident_id=winner.id if winner else None, opened=False)
    actor = Actor.system(source)
    lifecycle.apply_opened(
        session,
        incident,
        actor=actor,
        now=now,
        message=f"Triggered by {actor.label}: {clean}",
        data={"dedup_key": dedup_key, **(data or {})},
    )
    return Raised(incident_id=incident.id, opened=True)


def clear_condition(
    session: Session,
    *,
    service_id: int,
    dedup_key: str,
    source: str,
    message: str,
    now: datetime,
    incident_id: int | None = None,
) -> int | None:
    """Resolve the condition's open incident (the one named ``incident_id`` if given, else
    the open one with the key); returns its id, or None when nothing was open."""
    incident = None
    if incident_id is not None:
        incident = repository.incident_for_update(session, incident_id)
    if incident is None or incident.status == RESOLVED:
        incident = repository.lock_open_incident(
            session, service_id=service_id, dedup_key=dedup_key
        )
    if incident is None or incident.status == RESOLVED:
        return None
    lifecycle.apply_resolve(session, incident, actor=Actor.system(source), now=now, message=message)
    return incident.id
