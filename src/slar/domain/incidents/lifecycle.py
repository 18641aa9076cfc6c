"""State changes shared by every path that moves an incident (users, integrations, the worker).

No permission checks here: callers (``service.py`` for users, ``alerts`` for integrations) check
first. Each change validates the transition, updates the row, writes the timeline entry and
tells the escalation engine, so every path (API, ingestion, worker) escalates the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.catalog.models import Service
from slar.domain.escalation import engine
from slar.domain.incidents import rules, timeline
from slar.domain.incidents.models import Incident
from slar.domain.incidents.rules import Actor


def apply_opened(
    session: Session,
    incident: Incident,
    *,
    actor: Actor,
    now: datetime,
    message: str,
    data: dict[str, Any] | None = None,
) -> None:
    """A new incident exists (from an alert or by hand): start escalating and record it. The
    entry says so when the service has no escalation policy, since then nobody is paged."""
    escalating = engine.start(session, incident, now=now)
    snapshot = incident.escalation_policy_snapshot
    details = dict(data or {})
    details["escalation_policy"] = snapshot.get("name") if snapshot else None
    if not escalating:
        message += " (no escalation policy: nobody is paged)"
    timeline.record(
        session,
        incident_id=incident.id,
        kind="triggered",
        actor=actor,
        now=now,
        message=message,
        data=details,
    )


def apply_acknowledge(session: Session, incident: Incident, *, actor: Actor, now: datetime) -> None:
    rules.check_acknowledge(incident.status, incident.id)
    incident.status = rules.ACKNOWLEDGED
    incident.acknowledged_at = now
    incident.acknowledged_by_id = actor.user_id
    incident.snoozed_until = None
    incident.updated_at = now
    timeline.record(
        session,
        incident_id=incident.id,
        kind="acknowledged",
        actor=actor,
        now=now,
        message=f"Acknowledged by {actor.label}",
    )
    service = session.get(Service, incident.service_id)
    timeout = service.ack_timeout_minutes if service is not None else None
    engine.acknowledged(session, incident, ack_timeout_minutes=timeout, now=now)


def apply_snooze(session: Session, incident: Incident, *, until: datetime, now: datetime) -> None:
    """An acknowledged incident stays quiet until ``until``, then triggers again."""
    incident.snoozed_until = until
    incident.updated_at = now
    engine.snoozed(session, incident, until=until, now=now)


def apply_resolve(
    session: Session,
    incident: Incident,
    *,
    actor: Actor,
    now: datetime,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    rules.check_resolve(incident.status, incident.id)
    incident.status = rules.RESOLVED
    incident.resolved_at = now
    incident.resolved_by_id = actor.user_id
    incident.snoozed_until = None
    incident.updated_at = now
    timeline.record(
        session,
        incident_id=incident.id,
        kind="resolved",
        actor=actor,
        now=now,
        message=message or f"Resolved by {actor.label}",
        data=data,
    )
    engine.stop(session, incident, now=now)


def apply_unacknowledge(
    session: Session, incident: Incident, *, actor: Actor, now: datetime, message: str = ""
) -> None:
    """Acknowledged → triggered: by a user changing their mind, or the worker ending a snooze.

    The acknowledgement is forgotten (``acknowledged_at`` cleared) so that the next one is the
    one MTTA measures and the incident pages again.
    """
    rules.check_unacknowledge(incident.status, incident.id)
    incident.status = rules.TRIGGERED
    incident.acknowledged_at = None
    incident.acknowledged_by_id = None
    incident.snoozed_until = None
    incident.updated_at = now
    timeline.record(
        session,
        incident_id=incident.id,
        kind="unacknowledged",
        actor=actor,
        now=now,
        message=message or f"Unacknowledged by {actor.label}",
    )
    engine.start(session, incident, now=now)
