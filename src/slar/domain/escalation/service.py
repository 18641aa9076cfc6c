"""Escalation policy use cases (CRUD) and manual escalation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slar.domain.catalog.models import Service
from slar.domain.escalation import engine
from slar.domain.escalation import repository as repo
from slar.domain.escalation.models import EscalationLevel, EscalationPolicy, EscalationTarget
from slar.domain.escalation.schemas import LevelOut, PolicyIn, PolicyOut, TargetOut
from slar.domain.identity.rules import Principal, require_team_write
from slar.domain.incidents.rules import TRIGGERED, require_open
from slar.domain.incidents.service import actor_of
from slar.kernel.errors import Conflict, InvalidInput, NotFound


def _render(session: Session, policy: EscalationPolicy) -> PolicyOut:
    wanted: dict[str, set[int]] = {"user": set(), "schedule": set(), "team": set()}
    for level in policy.levels:
        for target in level.targets:
            wanted[target.kind].add(target.target_id)
    names = {kind: repo.target_names(session, kind, ids) for kind, ids in wanted.items()}
    return PolicyOut(
        id=policy.id,
        team_id=policy.team_id,
        name=policy.name,
        description=policy.description,
        repeat_count=policy.repeat_count,
        levels=[
            LevelOut(
                position=level.position,
                delay_minutes=level.delay_minutes,
                targets=[
                    TargetOut(
                        kind=t.kind,
                        id=t.target_id,
                        name=names[t.kind].get(t.target_id, f"missing {t.kind} {t.target_id}"),
                    )
                    for t in level.targets
                ],
            )
            for level in policy.levels
        ],
        service_ids=repo.services_using(session, policy.id),
        created_at=policy.created_at,
        updated_at=policy.updated_at,
    )


def _policy(session: Session, policy_id: int) -> EscalationPolicy:
    policy = repo.policy_by_id(session, policy_id)
    if policy is None:
        raise NotFound(f"escalation policy {policy_id} not found", code="escalation.not_found")
    return policy


def _check_targets(session: Session, body: PolicyIn) -> None:
    if not repo.target_exists(session, "team", body.team_id):
        raise InvalidInput(f"team {body.team_id} does not exist", code="escalation.unknown_team")
    for index, level in enumerate(body.levels):
        for target in level.targets:
            if not repo.target_exists(session, target.kind, target.id):
                raise InvalidInput(
                    f"levels[{index}]: {target.kind} {target.id} does not exist",
                    code="escalation.unknown_target",
                    field=f"levels[{index}].targets",
                )


def _apply(policy: EscalationPolicy, body: PolicyIn) -> None:
    policy.team_id = body.team_id
    policy.name = body.name.strip()
    policy.description = body.description
    policy.repeat_count = body.repeat_count
    policy.levels.clear()
    for position, level in enumerate(body.levels):
        unique = list(dict.fromkeys((t.kind, t.id) for t in level.targets))
        policy.levels.append(
            EscalationLevel(
                position=position,
                delay_minutes=level.delay_minutes,
                targets=[EscalationTarget(kind=k, target_id=i) for k, i in unique],
            )
        )


def _check_name(session: Session, name: str, policy_id: int | None) -> None:
    existing = repo.policy_by_name(session, name.strip())
    if existing is not None and existing.id != policy_id:
        raise Conflict(f"an escalation policy named {name!r} exists", code="escalation.name_taken")


def list_policies(session: Session, *, team_id: int | None = None) -> list[PolicyOut]:
    return [_render(session, p) for p in repo.list_policies(session, team_id=team_id)]


def get_policy(session: Session, *, policy_id: int) -> PolicyOut:
    return _render(session, _policy(session, policy_id))


def create_policy(
    session: Session, *, body: PolicyIn, principal: Principal, now: datetime
) -> PolicyOut:
    require_team_write(principal, body.team_id)
    _check_targets(session, body)
    _check_name(session, body.name, None)
    policy = EscalationPolicy(created_at=now, updated_at=now)
    _apply(policy, body)
    session.add(policy)
    session.flush()
    return _render(session, policy)


def replace_policy(
    session: Session, *, policy_id: int, body: PolicyIn, principal: Principal, now: datetime
) -> PolicyOut:
    """Replace a policy's levels and settings. Open incidents keep the snapshot they took."""
    policy = _policy(session, policy_id)
    require_team_write(principal, policy.team_id)
    require_team_write(principal, body.team_id)
    _check_targets(session, body)
    _check_name(session, body.name, policy.id)
    policy.levels.clear()
    session.flush()  # old levels go before new ones take their positions
    _apply(policy, body)
    policy.updated_at = now
    session.flush()
    return _render(session, policy)


def delete_policy(session: Session, *, policy_id: int, principal: Principal) -> None:
    policy = _policy(session, policy_id)
    require_team_write(principal, policy.team_id)
    users = repo.services_using(session, policy.id)
    if users:
        raise Conflict(
            f"escalation policy {policy.id} is used by services {users}; move them first",
            code="escalation.in_use",
            service_ids=users,
        )
    session.delete(policy)


def escalate(session: Session, *, incident_id: int, principal: Principal, now: datetime) -> int:
    """Manual escalation of a triggered incident to its policy's next level; returns the level."""
    incident = repo.incident_for_update(session, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found", code="incident.not_found")
    service = session.get(Service, incident.service_id)
    assert service is not None  # the foreign key guarantees it
    require_team_write(principal, service.team_id)
    require_open(incident.status, incident.id, "escalated")
    if incident.status != TRIGGERED:
        raise Conflict(
            f"incident {incident.id} is acknowledged; unacknowledge it to escalate",
            code="incident.not_triggered",
        )
    if not engine.escalate_now(session, incident, actor=actor_of(principal), now=now):
        raise Conflict(
            f"incident {incident.id} has no further escalation level",
            code="escalation.no_next_level",
        )
    return incident.escalation_level
