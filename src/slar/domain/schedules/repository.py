"""Schedule queries. All SQL of the schedules context lives here.

``schedule_spec``/``schedule_specs`` are what other contexts call (the escalation engine, when
a level targets a schedule): they read plain columns in a fixed number of queries, whatever
the number of schedules (no N+1), and return the pure ``oncall`` values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from slar.domain.escalation.models import EscalationLevel, EscalationTarget
from slar.domain.identity.models import User
from slar.domain.schedules.models import (
    Schedule,
    ScheduleLayer,
    ScheduleLayerUser,
    ScheduleOverride,
    UserCalendarToken,
)
from slar.domain.schedules.oncall import LayerSpec, OverrideSpec, ScheduleSpec
from slar.domain.schedules.specs import layer_spec

# --- specs for the computation -----------------------------------------------------------------


def schedule_spec(
    session: Session, schedule_id: int, *, overlapping: tuple[datetime, datetime] | None = None
) -> ScheduleSpec | None:
    """The schedule as ``oncall`` needs it, or ``None`` when it does not exist.

    ``overlapping`` loads only the overrides meeting that range (all of them by default).
    """
    return schedule_specs(session, [schedule_id], overlapping=overlapping).get(schedule_id)


def schedule_specs(
    session: Session,
    ids: Iterable[int],
    *,
    overlapping: tuple[datetime, datetime] | None = None,
) -> dict[int, ScheduleSpec]:
    """Specs of the existing schedules among ``ids``, in four queries."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    heads = session.execute(
        select(Schedule.id, Schedule.name, Schedule.time_zone).where(Schedule.id.in_(wanted))
    ).all()
    if not heads:
        return {}
    found = [row.id for row in heads]
    layer_rows = session.execute(
        select(
            ScheduleLayer.id,
            ScheduleLayer.schedule_id,
            ScheduleLayer.name,
            ScheduleLayer.position,
            ScheduleLayer.rotation_type,
            ScheduleLayer.rotation_length,
            ScheduleLayer.rotation_unit,
            ScheduleLayer.handoff_time,
            ScheduleLayer.handoff_weekday,
            ScheduleLayer.starts_at,
            ScheduleLayer.restrictions,
        ).where(ScheduleLayer.schedule_id.in_(found))
    ).all()
    members: dict[int, list[int]] = {}
    member_rows = session.execute(
        select(ScheduleLayerUser.layer_id, ScheduleLayerUser.user_id)
        .join(ScheduleLayer, ScheduleLayer.id == ScheduleLayerUser.layer_id)
        .where(ScheduleLayer.schedule_id.in_(found))
        .order_by(ScheduleLayerUser.layer_id, ScheduleLayerUser.ordinal)
    )
    for layer_id, user_id in member_rows:
        members.setdefault(layer_id, []).append(user_id)
    override_stmt = select(
        ScheduleOverride.id,
        ScheduleOverride.schedule_id,
        ScheduleOverride.user_id,
        ScheduleOverride.starts_at,
        ScheduleOverride.ends_at,
    ).where(ScheduleOverride.schedule_id.in_(found))
    if overlapping is not None:
        override_stmt = override_stmt.where(
            ScheduleOverride.ends_at > overlapping[0], ScheduleOverride.starts_at < overlapping[1]
        )
    overrides: dict[int, list[OverrideSpec]] = {}
    for override in session.execute(override_stmt.order_by(ScheduleOverride.id)):
        overrides.setdefault(override.schedule_id, []).append(
            OverrideSpec(
                id=override.id,
                user_id=override.user_id,
                start=override.starts_at,
                end=override.ends_at,
            )
        )
    layers: dict[int, list[LayerSpec]] = {}
    for row in layer_rows:
        layers.setdefault(row.schedule_id, []).append(
            layer_spec(
                layer_id=row.id,
                name=row.name,
                position=row.position,
                users=members.get(row.id, ()),
                rotation_type=row.rotation_type,
                length=row.rotation_length,
                unit=row.rotation_unit,
                handoff_time=row.handoff_time,
                handoff_weekday=row.handoff_weekday,
                start=row.starts_at,
                restrictions=row.restrictions or [],
            )
        )
    return {
        row.id: ScheduleSpec(
            id=row.id,
            name=row.name,
            time_zone=row.time_zone,
            layers=tuple(layers.get(row.id, ())),
            overrides=tuple(overrides.get(row.id, ())),
        )
        for row in heads
    }


def all_schedule_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Schedule.id).order_by(Schedule.id)))


def schedule_ids_involving(session: Session, user_id: int) -> list[int]:
    """Schedules where ``user_id`` holds a layer turn or an override."""
    in_layers = (
        select(ScheduleLayer.schedule_id)
        .join(ScheduleLayerUser, ScheduleLayerUser.layer_id == ScheduleLayer.id)
        .where(ScheduleLayerUser.user_id == user_id)
    )
    in_overrides = select(ScheduleOverride.schedule_id).where(ScheduleOverride.user_id == user_id)
    return sorted(set(session.scalars(union(in_layers, in_overrides))))


# --- schedules and layers ----------------------------------------------------------------------


def _with_layers() -> list[LoaderOption]:
    return [selectinload(Schedule.layers).selectinload(ScheduleLayer.members)]


def schedule_by_id(session: Session, schedule_id: int) -> Schedule | None:
    return session.get(Schedule, schedule_id, options=_with_layers())


def schedule_by_name(session: Session, name: str) -> Schedule | None:
    return session.scalar(select(Schedule).where(Schedule.name == name))


def schedule_by_ical_token(session: Session, token: str) -> Schedule | None:
    return session.scalar(select(Schedule).where(Schedule.ical_token == token))


def list_schedules(session: Session, *, team_id: int | None) -> list[Schedule]:
    stmt = select(Schedule).options(*_with_layers())
    if team_id is not None:
        stmt = stmt.where(Schedule.team_id == team_id)
    return list(session.scalars(stmt.order_by(func.lower(Schedule.name), Schedule.id)))


def schedule_names(session: Session, ids: Collection[int]) -> dict[int, tuple[str, int]]:
    """``{id: (name, team_id)}`` of the given schedules."""
    if not ids:
        return {}
    rows = session.execute(
        select(Schedule.id, Schedule.name, Schedule.team_id).where(Schedule.id.in_(list(ids)))
    )
    return {row.id: (row.name, row.team_id) for row in rows}


def layer_by_id(session: Session, schedule_id: int, layer_id: int) -> ScheduleLayer | None:
    layer = session.get(ScheduleLayer, layer_id)
    return layer if layer is not None and layer.schedule_id == schedule_id else None


def position_taken(
    session: Session, schedule_id: int, position: int, *, except_layer: int | None = None
) -> bool:
    stmt = select(ScheduleLayer.id).where(
        ScheduleLayer.schedule_id == schedule_id, ScheduleLayer.position == position
    )
    if except_layer is not None:
        stmt = stmt.where(ScheduleLayer.id != except_layer)
    return session.scalar(stmt) is not None


def top_position(session: Session, schedule_id: int) -> int | None:
    return session.scalar(
        select(func.max(ScheduleLayer.position)).where(ScheduleLayer.schedule_id == schedule_id)
    )


# --- overrides ---------------------------------------------------------------------------------


def overrides_of(
    session: Session, schedule_id: int, *, ending_after: datetime, starting_before: datetime | None
) -> list[ScheduleOverride]:
    stmt = select(ScheduleOverride).where(
        ScheduleOverride.schedule_id == schedule_id, ScheduleOverride.ends_at > ending_after
    )
    if starting_before is not None:
        stmt = stmt.where(ScheduleOverride.starts_at < starting_before)
    return list(session.scalars(stmt.order_by(ScheduleOverride.starts_at, ScheduleOverride.id)))


def override_by_id(session: Session, schedule_id: int, override_id: int) -> ScheduleOverride | None:
    override = session.get(ScheduleOverride, override_id)
    return override if override is not None and override.schedule_id == schedule_id else None


# --- users -------------------------------------------------------------------------------------


def users_by_ids(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def calendar_token_of(session: Session, user_id: int) -> UserCalendarToken | None:
    return session.get(UserCalendarToken, user_id)


def calendar_token_owner(session: Session, token: str) -> int | None:
    return session.scalar(select(UserCalendarToken.user_id).where(UserCalendarToken.token == token))


def policies_targeting(session: Session, schedule_id: int) -> list[int]:
    """Ids of the escalation policies with a level that pages this schedule."""
    stmt = (
        select(EscalationLevel.policy_id)
        .join(EscalationTarget, EscalationTarget.level_id == EscalationLevel.id)
        .where(EscalationTarget.kind == "schedule", EscalationTarget.target_id == schedule_id)
        .distinct()
        .order_by(EscalationLevel.policy_id)
    )
    return list(session.scalars(stmt))
