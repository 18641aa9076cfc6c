"""The escalation engine: pages each level of an incident's policy until someone acknowledges.

State lives on the incident (``escalation_level``, ``escalation_loop``, ``next_escalation_at``,
``escalation_generation``). Every change of course — trigger, acknowledge, resolve, reassign,
manual escalation — bumps the generation, and an ``escalation.step`` job carrying an older
generation (or another position) does nothing: a stale job can never page twice. Steps run under
a row lock on the incident, so an acknowledgement racing a step either lands first (the step
sees the new generation) or waits for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.escalation import policy as rules
from slar.domain.escalation import repository as repo
from slar.domain.escalation.policy import PolicySnapshot, Position
from slar.domain.incidents import timeline
from slar.domain.incidents.models import Incident
from slar.domain.incidents.rules import TRIGGERED, Actor
from slar.domain.notifications import jobs as notification_jobs
from slar.domain.notifications.ports import Senders
from slar.domain.notifications.rules import ASSIGNED
from slar.domain.notifications.service import (
    cancel_pages,
    page_user,
    page_user_now,
    queued_page_ids,
)
from slar.jobs.handlers import OutsideWork
from slar.jobs.queue import enqueue, enqueue_once

STEP = "escalation.step"
SNOOZE_EXPIRED = "incident.snooze_expired"
ACK_TIMEOUT = "incident.ack_timeout"
SYSTEM = Actor.system("escalation")


def _fence(incident: Incident, now: datetime) -> int:
    incident.escalation_generation = (incident.escalation_generation or 0) + 1
    incident.next_escalation_at = None
    incident.updated_at = now
    return incident.escalation_generation


def _step_job(
    incident_id: int, generation: int, level: int, loop: int
) -> tuple[dict[str, Any], str]:
    """The payload and dedup key of the ``escalation.step`` job for one position."""
    payload = {"incident_id": incident_id, "generation": generation, "level": level, "loop": loop}
    return payload, f"esc:{incident_id}:{generation}:{level}:{loop}"


def _schedule_step(session: Session, incident: Incident, due: datetime, now: datetime) -> None:
    incident.next_escalation_at = due
    payload, dedup_key = _step_job(
        incident.id,
        incident.escalation_generation,
        incident.escalation_level,
        incident.escalation_loop,
    )
    enqueue_once(session, STEP, payload, now=now, run_at=due, dedup_key=dedup_key)


def _snapshot(incident: Incident) -> PolicySnapshot | None:
    data = incident.escalation_policy_snapshot
    return PolicySnapshot.from_json(data) if data else None


def start(session: Session, incident: Incident, *, now: datetime) -> bool:
    """The incident (re)triggered: snapshot its service's policy the first time, then page the
    first level at once. False when there is no policy to follow (nobody will be paged)."""
    if incident.escalation_policy_snapshot is None:
        snapshot = repo.snapshot_for_service(session, incident.service_id)
        incident.escalation_policy_snapshot = snapshot.to_json() if snapshot else None
    _fence(incident, now)
    incident.escalation_level = 0
    incident.escalation_loop = 0
    if not escalates(_snapshot(incident)):
        return False
    _schedule_step(session, incident, now, now)
    return True


def _cancel_waiting_pages(session: Session, incident: Incident) -> None:
    reason = f"not sent: the incident is {incident.status}"
    cancel_pages(session, incident_id=incident.id, reason=reason)


# --- fast path of ``start`` for an incident that is being created (alert ingestion) -------------
#
# Ingestion inserts a new incident with one statement and cannot afford loading it back as an
# ORM object to call ``start``. These two functions split ``start`` around that insert, with the
# same outcome as ``start`` on a fresh incident (generation 0 -> 1, level 0, loop 0, the first
# step due now, the same job and dedup key); ``tests/integration/alerts`` checks the equivalence.


def escalates(snapshot: PolicySnapshot | None) -> bool:
    """Whether ``start`` on this snapshot pages anyone (its result)."""
    return snapshot is not None and bool(snapshot.levels)


def opening_state(snapshot: PolicySnapshot | None, now: datetime) -> dict[str, Any]:
    """The escalation columns of an incident inserted already started on ``snapshot`` (the
    policy of its service now, or None): what ``start`` would leave on a fresh incident."""
    return {
        "escalation_policy_snapshot": snapshot.to_json() if snapshot else None,
        "escalation_generation": 1,
        "escalation_level": 0,
        "escalation_loop": 0,
        "next_escalation_at": now if escalates(snapshot) else None,
    }


def started(
    session: Session, *, incident_id: int, snapshot: PolicySnapshot | None, now: datetime
) -> bool:
    """Finish ``start`` for an incident inserted with ``opening_state``: schedule its first
    step. False when there is no policy to follow (nobody will be paged)."""
    if not escalates(snapshot):
        return False
    payload, dedup_key = _step_job(incident_id, 1, 0, 0)
    enqueue_once(session, STEP, payload, now=now, run_at=now, dedup_key=dedup_key)
    return True


def stop(session: Session, incident: Incident, *, now: datetime) -> None:
    """Acknowledged or resolved: pending steps become no-ops, waiting pages are cancelled."""
    _fence(incident, now)
    _cancel_waiting_pages(session, incident)


def acknowledged(
    session: Session, incident: Incident, *, ack_timeout_minutes: int | None, now: datetime
) -> None:
    """Stop escalating (waiting pages are cancelled); when the service sets an acknowledgement
    timeout, re-trigger after it."""
    generation = _fence(incident, now)
    _cancel_waiting_pages(session, incident)
    if ack_timeout_minutes:
        enqueue(
            session,
            ACK_TIMEOUT,
            {"incident_id": incident.id, "generation": generation},
            now=now,
            run_at=now + timedelta(minutes=ack_timeout_minutes),
            dedup_key=f"acktimeout:{incident.id}:{generation}",
        )


def snoozed(session: Session, incident: Incident, *, until: datetime, now: datetime) -> None:
    """Re-trigger when the snooze ends (unless something else happened meanwhile)."""
    generation = _fence(incident, now)
    enqueue(
        session,
        SNOOZE_EXPIRED,
        {"incident_id": incident.id, "generation": generation},
        now=now,
        run_at=until,
        dedup_key=f"snooze:{incident.id}:{generation}",
    )


def page_assignee(session: Session, incident: Incident, *, assignee_id: int, now: datetime) -> None:
    """Reassignment pages the new assignee directly, once per reassignment (being assigned
    again later is a new reassignment and pages again)."""
    key = f"incident:{incident.id}:gen:{incident.escalation_generation}:assigned:{assignee_id}"
    page_user(
        session,
        user_id=assignee_id,
        incident_id=incident.id,
        urgency=incident.urgency,
        reason=ASSIGNED,
        key=f"{key}:at:{now.isoformat()}",
        now=now,
    )


def escalate_now(session: Session, incident: Incident, *, actor: Actor, now: datetime) -> bool:
    """Manual escalation: jump to the next level and page it now. False when there is none."""
    snapshot = _snapshot(incident)
    if snapshot is None or not snapshot.levels:
        return False
    pending = Position(incident.escalation_level, incident.escalation_loop)
    nxt = rules.manual_target(snapshot, pending, incident.next_escalation_at, now)
    if nxt is None:
        return False
    _fence(incident, now)
    incident.escalation_level, incident.escalation_loop = nxt.level, nxt.loop
    timeline.record(
        session,
        incident_id=incident.id,
        kind="escalated",
        actor=actor,
        now=now,
        message=f"Escalated to level {nxt.level + 1} by {actor.label}",
        data={"level": nxt.level, "loop": nxt.loop},
    )
    _schedule_step(session, incident, now, now)
    return True


def run_step(
    session: Session,
    payload: dict[str, Any],
    now: datetime,
    *,
    senders: Senders | None = None,
    public_url: str = "",
) -> OutsideWork | None:
    """Job handler of ``escalation.step``: page the level the incident is at, schedule the next.

    With ``senders`` (as ``slar worker`` registers it) the pages' immediate messages are sent
    by this job once it commits (``notification_jobs.send_now``); without, by their own
    ``notification.send`` jobs. A step that runs again after its sending was lost (its worker
    died: the lease expired) finds itself fenced and sends what its first run left queued."""
    incident = repo.incident_for_update(session, int(payload["incident_id"]))
    if incident is None or incident.status != TRIGGERED:
        return None
    keys = _page_key(
        incident.id, payload.get("generation"), payload.get("level"), payload.get("loop")
    )
    position = Position(incident.escalation_level, incident.escalation_loop)
    if (
        incident.escalation_generation != payload.get("generation")
        or position.level != payload.get("level")
        or position.loop != payload.get("loop")
    ):
        # fenced: the incident moved on since this step was scheduled
        return _send_left_over(session, incident.id, keys, now, senders, public_url)
    snapshot = _snapshot(incident)
    if snapshot is None or position.level >= len(snapshot.levels):
        return None
    level = snapshot.levels[position.level]
    users = repo.resolve_targets(session, level.targets, now)
    paged = ", ".join(users.values())
    immediate: list[int] = []
    for user_id in users:
        immediate += page_user_now(
            session,
            user_id=user_id,
            incident_id=incident.id,
            urgency=incident.urgency,
            reason=f"escalation level {position.level + 1}",
            key=f"{keys}{user_id}",
            now=now,
            send_here=senders is not None,
        )
    timeline.append(
        session,
        incident_id=incident.id,
        kind="escalation_step",
        actor=SYSTEM,
        now=now,
        message=(
            f"Level {position.level + 1}"
            + (f" (pass {position.loop + 1})" if position.loop else "")
            + (f": paged {paged}" if users else ": nobody to page at this level")
        ),
        data={"level": position.level, "loop": position.loop, "users": list(users)},
    )
    nxt = rules.after(snapshot, position, now)
    if nxt.position is None or nxt.due_at is None:
        incident.next_escalation_at = None
        timeline.append(
            session,
            incident_id=incident.id,
            kind="escalation_exhausted",
            actor=SYSTEM,
            now=now,
            message="Escalation policy exhausted: no further pages until someone acts",
        )
    else:
        incident.escalation_level, incident.escalation_loop = nxt.position.level, nxt.position.loop
        _schedule_step(session, incident, nxt.due_at, now)
    if senders is None:
        return None
    if not immediate:  # nothing new: this step ran before (and its sending may be lost)
        return _send_left_over(session, incident.id, keys, now, senders, public_url)
    return notification_jobs.send_now(
        session, immediate, now, senders=senders, public_url=public_url
    )


def _page_key(incident_id: int, generation: object, level: object, loop: object) -> str:
    """The prefix of the idempotency keys of one step's pages (the user id follows)."""
    return f"incident:{incident_id}:gen:{generation}:level:{level}:loop:{loop}:user:"


def _send_left_over(
    session: Session,
    incident_id: int,
    keys: str,
    now: datetime,
    senders: Senders | None,
    public_url: str,
) -> OutsideWork | None:
    if senders is None:
        return None
    left = queued_page_ids(session, incident_id=incident_id, key=keys, now=now)
    if not left:
        return None
    return notification_jobs.send_now(session, left, now, senders=senders, public_url=public_url)
