"""Job handlers of the incidents context: timers that re-trigger an acknowledged incident.

Both carry the escalation generation current when they were set: anything that happened to the
incident since (another acknowledgement, a resolve, a new snooze) bumped it, and the job does
nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.incidents import lifecycle
from slar.domain.incidents.models import Incident
from slar.domain.incidents.rules import ACKNOWLEDGED, Actor


def _still_waiting(session: Session, payload: dict[str, Any]) -> Incident | None:
    incident = session.get(
        Incident, int(payload["incident_id"]), with_for_update=True, populate_existing=True
    )
    if incident is None or incident.status != ACKNOWLEDGED:
        return None
    if incident.escalation_generation != payload.get("generation"):
        return None
    return incident


def snooze_expired(session: Session, payload: dict[str, Any], now: datetime) -> None:
    """``incident.snooze_expired``: the snooze is over; page again from the first level."""
    incident = _still_waiting(session, payload)
    if incident is not None:
        lifecycle.apply_unacknowledge(
            session,
            incident,
            actor=Actor.system("snooze"),
            now=now,
            message="Snooze ended: triggered again",
        )


def ack_timeout(session: Session, payload: dict[str, Any], now: datetime) -> None:
    """``incident.ack_timeout``: acknowledged too long without a resolve; page again."""
    incident = _still_waiting(session, payload)
    if incident is not None:
        lifecycle.apply_unacknowledge(
            session,
            incident,
            actor=Actor.system("acknowledgement timeout"),
            now=now,
            message="Acknowledgement timed out: triggered again",
        )
