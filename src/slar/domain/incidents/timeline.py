"""Writing timeline entries: the one way every context records what happened to an incident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.incidents import repository
from slar.domain.incidents.models import IncidentEvent
from slar.domain.incidents.rules import Actor


def _with_via(actor: Actor, data: dict[str, Any] | None) -> dict[str, Any]:
    return {**(data or {}), "via": actor.via} if actor.via else (data or {})


def record(
    session: Session,
    *,
    incident_id: int,
    kind: str,
    actor: Actor,
    now: datetime,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> IncidentEvent:
    """Append one entry to an incident's timeline (in the caller's transaction).

    An entry written for a user through a tool (``actor.via``) carries ``data.via`` so that
    readers can tell what the assistant did from what the person did themselves.
    """
    data = _with_via(actor, data)
    event = IncidentEvent(
        incident_id=incident_id,
        at=now,
        kind=kind,
        actor_user_id=actor.user_id,
        actor=actor.label,
        message=message,
        data=data,
    )
    session.add(event)
    return event


def append(
    session: Session,
    *,
    incident_id: int,
    kind: str,
    actor: Actor,
    now: datetime,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """``record`` as one prebuilt statement, without the row back: for the entries written on
    every alert and every page (ingestion, escalation steps, deliveries), where the ORM's
    unit of work costs more than the insert."""
    repository.insert_event(
        session,
        {
            "incident_id": incident_id,
            "at": now,
            "kind": kind,
            "actor_user_id": actor.user_id,
            "actor": actor.label,
            "message": message,
            "data": _with_via(actor, data),
        },
    )
