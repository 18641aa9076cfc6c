"""Escalation queries: policies, snapshots, incident locks, and resolving targets to users."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from slar.domain.catalog.models import Service
from slar.domain.escalation.models import EscalationPolicy
from slar.domain.escalation.policy import Level, PolicySnapshot, Target
from slar.domain.identity.models import Team, TeamMembership, User
from slar.domain.incidents.models import Incident
from slar.domain.schedules import oncall
from slar.domain.schedules.models import Schedule
from slar.domain.schedules.repository import schedule_specs


def policy_by_id(session: Session, policy_id: int) -> EscalationPolicy | None:
    return session.get(EscalationPolicy, policy_id)


def policy_by_name(session: Session, name: str) -> EscalationPolicy | None:
    return session.scalar(select(EscalationPolicy).where(EscalationPolicy.name == name))


def list_policies(session: Session, *, team_id: int | None) -> list[EscalationPolicy]:
    stmt = select(EscalationPolicy).order_by(EscalationPolicy.name)
    if team_id is not None:
        stmt = stmt.where(EscalationPolicy.team_id == team_id)
    return list(session.scalars(stmt))


def services_using(session: Session, policy_id: int) -> list[int]:
    return list(
        session.scalars(select(Service.id).where(Service.escalation_policy_id == policy_id))
    )


def snapshot_of(policy: EscalationPolicy) -> PolicySnapshot:
    return PolicySnapshot(
        policy_id=policy.id,
        name=policy.name,
        repeat_count=policy.repeat_count,
        levels=tuple(
            Level(
                delay_minutes=level.delay_minutes,
                targets=tuple(Target(t.kind, t.target_id) for t in level.targets),
            )
            for level in policy.levels
        ),
    )


def snapshot_for_service(session: Session, service_id: int) -> PolicySnapshot | None:
    service = session.get(Service, service_id)  # usually in the identity map already
    if service is None or service.escalation_policy_id is None:
        return None
    policy = session.get(EscalationPolicy, service.escalation_policy_id)
    return snapshot_of(policy) if policy is not None else None


# The policy snapshot built by the database, as JSON text, for embedding in a query that reads
# a service (``{policy_id}``: the SQL expression of its policy id). ``snapshot_from_json_text``
# turns it into the same ``PolicySnapshot`` as ``snapshot_of``: levels by position, targets by
# id. Alert ingestion reads it with the service on every request, so a new incident is started
# on the policy as it is at that moment without loading the policy's rows one by one.
SNAPSHOT_JSON_SQL = {
    "postgresql": """(
        SELECT CAST(json_build_object(
            'policy_id', p.id, 'name', p.name, 'repeat_count', p.repeat_count,
            'levels', COALESCE((
                SELECT json_agg(json_build_object(
                    'delay_minutes', l.delay_minutes,
                    'targets', COALESCE((
                        SELECT json_agg(json_build_object('kind', t.kind, 'id', t.target_id)
                                        ORDER BY t.id)
                        FROM escalation_targets t WHERE t.level_id = l.id), '[]'::json)
                ) ORDER BY l.position)
                FROM escalation_levels l WHERE l.policy_id = p.id), '[]'::json)
        ) AS TEXT)
        FROM escalation_policies p WHERE p.id = {policy_id})""",
    "sqlite": """(
        SELECT json_object(
            'policy_id', p.id, 'name', p.name, 'repeat_count', p.repeat_count,
            'levels', json((
                SELECT json_group_array(json(lv)) FROM (
                    SELECT json_object(
                        'delay_minutes', l.delay_minutes,
                        'targets', json((
                            SELECT json_group_array(json(tg)) FROM (
                                SELECT json_object('kind', t.kind, 'id', t.target_id) AS tg
                                FROM escalation_targets t WHERE t.level_id = l.id
                                ORDER BY t.id)))) AS lv
                    FROM escalation_levels l WHERE l.policy_id = p.id
                    ORDER BY l.position))))
        FROM escalation_policies p WHERE p.id = {policy_id})""",
}


@lru_cache(maxsize=256)
def snapshot_from_json_text(raw: str | None) -> PolicySnapshot | None:
    """The snapshot ``SNAPSHOT_JSON_SQL`` produced (memoised by its text: a policy that
    changes produces another text, so the memo never serves an outdated policy)."""
    return PolicySnapshot.from_json(json.loads(raw)) if raw else None


def incident_for_update(session: Session, incident_id: int) -> Incident | None:
    """The incident, row-locked (PostgreSQL) so a step and an acknowledgement serialise."""
    return session.get(Incident, incident_id, with_for_update=True, populate_existing=True)


def resolve_targets(session: Session, targets: Sequence[Target], at: datetime) -> dict[int, str]:
    """Active users to page for ``targets`` at ``at``, in target order, each once, with their
    names (for the timeline).

    A schedule resolves to whoever is on call at that instant (overrides included); a team to
    every member.
    """
    schedule_ids = [t.id for t in targets if t.kind == "schedule"]
    specs = schedule_specs(session, schedule_ids) if schedule_ids else {}
    team_ids = [t.id for t in targets if t.kind == "team"]
    members: dict[int, list[int]] = {}
    if team_ids:
        rows = session.execute(
            select(TeamMembership.team_id, TeamMembership.user_id)
            .where(TeamMembership.team_id.in_(team_ids))
            .order_by(TeamMembership.team_id, TeamMembership.user_id)
        )
        for team_id, user_id in rows:
            members.setdefault(team_id, []).append(user_id)
    ordered: list[int] = []
    for target in targets:
        if target.kind == "user":
            ordered.append(target.id)
        elif target.kind == "schedule" and target.id in specs:
            ordered.extend(oncall.oncall_at(specs[target.id], at))
        elif target.kind == "team":
            ordered.extend(members.get(target.id, []))
    unique = list(dict.fromkeys(ordered))
    if not unique:
        return {}
    rows = session.execute(
        select(User.id, User.name).where(User.id.in_(unique), User.is_active.is_(True))
    )
    names = {int(user_id): str(name) for user_id, name in rows}
    return {u: names[u] for u in unique if u in names}


_TARGET_TABLES: dict[str, type[User] | type[Schedule] | type[Team]] = {
    "user": User,
    "schedule": Schedule,
    "team": Team,
}


def target_exists(session: Session, kind: str, target_id: int) -> bool:
    return session.get(_TARGET_TABLES[kind], target_id) is not None


def target_names(session: Session, kind: str, ids: set[int]) -> dict[int, str]:
    """Display names of the users, schedules or teams with ``ids``."""
    if not ids:
        return {}
    model = _TARGET_TABLES[kind]
    rows = session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return {int(i): str(n) for i, n in rows}
