"""Schedule use cases: schedules, layers, overrides, who is on call, calendar feeds.

Every principal reads schedules (responders need to know who is on call anywhere); changing
one needs write access to the owning team (``require_team_write``). Functions take the session
and keyword arguments, check permission, change state, flush when ids are needed, and never
commit.

Decisions a reader might question:

* Overrides are for the owning team's writers, like the rest of the schedule. Deleting one
  that is running cuts it short at ``now`` (history of who was on call stays true); a future
  one is deleted; an ended one is history and is kept (409).
* Layer positions are unique per schedule (ties would make "which layer wins" arbitrary); a
  new layer goes on top unless told otherwise. Moving a layer onto a taken position is 409.
* Calendar feeds are public URLs whose secret token is the credential (calendar clients cannot
  send headers). The schedule's feed URL is shown to the team's writers; a user's personal
  feed (their shifts in every schedule) only to that user. Either token can be regenerated,
  which kills the old URL at once. A wrong token is 404, as for integration keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.identity import repository as identity_repo
from slar.domain.identity.models import User
from slar.domain.identity.rules import Principal, can_change_team_objects, require_team_write
from slar.domain.schedules import ical, oncall
from slar.domain.schedules import repository as repo
from slar.domain.schedules.models import (
    Schedule,
    ScheduleLayer,
    ScheduleLayerUser,
    ScheduleOverride,
    UserCalendarToken,
)
from slar.domain.schedules.schemas import (
    MAX_RANGE_DAYS,
    CalendarTokenOut,
    LayerIn,
    LayerOut,
    LayerPatchIn,
    OnCallOut,
    OverrideOut,
    RotationIn,
    ScheduleOut,
    SchedulePatchIn,
    ShiftOut,
    ShiftsOut,
    UserRef,
)
from slar.domain.schedules.specs import (
    restriction_json,
    restrictions_out,
    rotation_out,
    weekday_number,
)
from slar.kernel.errors import Conflict, InvalidInput, NotFound
from slar.kernel.ids import new_token

FEED_HORIZON = timedelta(weeks=8)
"""Calendar feeds list shifts up to this far ahead..."""
FEED_LOOKBACK = timedelta(days=7)
"""...and those that ended less than this long ago."""
_FEED_MARGIN = timedelta(days=28)
"""Shifts are computed from further back so that the oldest listed shift keeps its true start
(and so its UID) from one refresh to the next."""
_ONE_MICROSECOND = timedelta(microseconds=1)


# --- rendering ---------------------------------------------------------------------------------


def layer_out(layer: ScheduleLayer) -> LayerOut:
    return LayerOut(
        id=layer.id,
        name=layer.name,
        position=layer.position,
        users=[m.user_id for m in layer.members],
        rotation=rotation_out(
            layer.rotation_type,
            layer.rotation_length,
            layer.rotation_unit,
            layer.handoff_time,
            layer.handoff_weekday,
        ),
        start=layer.starts_at,
        restrictions=restrictions_out(layer.restrictions or []),
    )


def schedule_feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/api/ical/schedules/{token}.ics"


def user_feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/api/ical/users/{token}.ics"


def schedule_out(schedule: Schedule, *, principal: Principal, public_url: str) -> ScheduleOut:
    show = can_change_team_objects(principal, schedule.team_id)
    return ScheduleOut(
        id=schedule.id,
        team_id=schedule.team_id,
        name=schedule.name,
        description=schedule.description,
        time_zone=schedule.time_zone,
        layers=[layer_out(layer) for layer in sorted(schedule.layers, key=lambda x: -x.position)],
        ical_url=schedule_feed_url(public_url, schedule.ical_token) if show else None,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
    )


def _user_refs(users: dict[int, User], ids: Iterable[int]) -> list[UserRef]:
    return [UserRef(id=u, name=users[u].name, email=users[u].email) for u in ids if u in users]


# --- lookups and checks ------------------------------------------------------------------------


def _schedule(session: Session, schedule_id: int) -> Schedule:
    schedule = repo.schedule_by_id(session, schedule_id)
    if schedule is None:
        raise NotFound(
            f"schedule {schedule_id} not found",
            code="schedule.not_found",
            schedule_id=schedule_id,
        )
    return schedule


def _writable(session: Session, schedule_id: int, principal: Principal) -> Schedule:
    schedule = _schedule(session, schedule_id)
    require_team_write(principal, schedule.team_id)
    return schedule


def _require_team(session: Session, team_id: int) -> None:
    if identity_repo.team_by_id(session, team_id) is None:
        raise NotFound(f"team {team_id} not found", code="team.not_found", team_id=team_id)


def _require_users(session: Session, user_ids: Sequence[int]) -> None:
    missing = sorted(set(user_ids) - set(repo.users_by_ids(session, user_ids)))
    if missing:
        raise InvalidInput(
            f"unknown user ids {missing}", code="schedule.unknown_users", user_ids=missing
        )


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("name must not be blank", code="schedule.invalid_name", field="name")
    return cleaned


def _name_taken(name: str) -> Conflict:
    return Conflict(f"a schedule named {name!r} already exists", code="schedule.name_taken")


def _flush(session: Session, error: Conflict) -> None:
    """Flush, turning a lost race on a unique constraint into the early check's 409."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise error from None


def _fresh_schedule_token(session: Session) -> str:
    while True:  # 256 random bits: a repeat is practically impossible, but cheap to rule out
        token = new_token()
        if repo.schedule_by_ical_token(session, token) is None:
            return token


# --- schedules ---------------------------------------------------------------------------------


def list_schedules(
    session: Session, *, principal: Principal, team_id: int | None, public_url: str
) -> list[ScheduleOut]:
    return [
        schedule_out(s, principal=principal, public_url=public_url)
        for s in repo.list_schedules(session, team_id=team_id)
    ]


def get_schedule(
    session: Session, *, schedule_id: int, principal: Principal, public_url: str
) -> ScheduleOut:
    return schedule_out(_schedule(session, schedule_id), principal=principal, public_url=public_url)


def create_schedule(
    session: Session,
    *,
    team_id: int,
    name: str,
    description: str = "",
    time_zone: str,
    layers: Sequence[LayerIn] = (),
    principal: Principal,
    now: datetime,
    public_url: str,
) -> ScheduleOut:
    """A schedule, optionally with its first layers (positions default to list order)."""
    require_team_write(principal, team_id)
    _require_team(session, team_id)
    name = _clean_name(name)
    if repo.schedule_by_name(session, name) is not None:
        raise _name_taken(name)
    schedule = Schedule(
        team_id=team_id,
        name=name,
        description=description,
        time_zone=time_zone,
        ical_token=_fresh_schedule_token(session),
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    _flush(session, _name_taken(name))
    positions = [layer.position for layer in layers if layer.position is not None]
    if len(positions) != len(set(positions)):
        raise Conflict("two layers share a position", code="schedule.position_taken")
    next_position = max(positions, default=-1) + 1
    for layer in layers:
        position = layer.position
        if position is None:
            position, next_position = next_position, next_position + 1
        _add_layer(session, schedule, layer, position=position, now=now)
    session.flush()
    session.refresh(schedule)
    return schedule_out(schedule, principal=principal, public_url=public_url)


def update_schedule(
    session: Session,
    *,
    schedule_id: int,
    patch: SchedulePatchIn,
    principal: Principal,
    now: datetime,
    public_url: str,
) -> ScheduleOut:
    schedule = _writable(session, schedule_id, principal)
    if patch.team_id is not None and patch.team_id != schedule.team_id:
        require_team_write(principal, patch.team_id)
        _require_team(session, patch.team_id)
        schedule.team_id = patch.team_id
    if patch.name is not None:
        name = _clean_name(patch.name)
        if name != schedule.name:
            if repo.schedule_by_name(session, name) is not None:
                raise _name_taken(name)
            schedule.name = name
    if patch.description is not None:
        schedule.description = patch.description
    if patch.time_zone is not None:
        schedule.time_zone = patch.time_zone
    schedule.updated_at = now
    _flush(session, _name_taken(schedule.name))
    return schedule_out(schedule, principal=principal, public_url=public_url)


def delete_schedule(session: Session, *, schedule_id: int, principal: Principal) -> None:
    """Delete a schedule with its layers and overrides; refused while an escalation policy
    pages it (the level would silently page nobody)."""
    schedule = _writable(session, schedule_id, principal)
    policies = repo.policies_targeting(session, schedule_id)
    if policies:
        raise Conflict(
            f"schedule {schedule_id} is a target of escalation policies {policies}; "
            "remove it from them first",
            code="schedule.in_use",
            schedule_id=schedule_id,
            policy_ids=policies,
        )
    session.delete(schedule)
    _flush(
        session,
        Conflict(
            f"schedule {schedule_id} is still referenced and cannot be deleted",
            code="schedule.in_use",
            schedule_id=schedule_id,
        ),
    )


# --- layers ------------------------------------------------------------------------------------


def _set_rotation(layer: ScheduleLayer, rotation: RotationIn) -> None:
    layer.rotation_type = rotation.type
    layer.rotation_length = rotation.length
    layer.rotation_unit = rotation.unit
    layer.handoff_time = rotation.handoff_time
    layer.handoff_weekday = weekday_number(rotation.handoff_weekday)


def _set_users(layer: ScheduleLayer, users: Sequence[int]) -> None:
    """Replace the turns in place: re-inserting (layer, ordinal) keys before the old rows are
    deleted would collide on the primary key within one flush."""
    current = list(layer.members)
    for ordinal, user_id in enumerate(users):
        if ordinal < len(current):
            current[ordinal].user_id = user_id
        else:
            layer.members.append(ScheduleLayerUser(ordinal=ordinal, user_id=user_id))
    for extra in current[len(users) :]:
        layer.members.remove(extra)


def _position_taken(position: int) -> Conflict:
    return Conflict(
        f"another layer already has position {position}",
        code="schedule.position_taken",
        position=position,
    )


def _add_layer(
    session: Session, schedule: Schedule, body: LayerIn, *, position: int, now: datetime
) -> ScheduleLayer:
    _require_users(session, body.users)
    layer = ScheduleLayer(
        schedule_id=schedule.id,
        name=_clean_name(body.name),
        position=position,
        starts_at=body.start,
        restrictions=restriction_json(body.restrictions),
        created_at=now,
    )
    _set_rotation(layer, body.rotation)
    _set_users(layer, body.users)
    session.add(layer)
    _flush(session, _position_taken(position))
    return layer


def add_layer(
    session: Session, *, schedule_id: int, layer: LayerIn, principal: Principal, now: datetime
) -> LayerOut:
    schedule = _writable(session, schedule_id, principal)
    position = layer.position
    if position is None:
        top = repo.top_position(session, schedule_id)
        position = 0 if top is None else top + 1
    elif repo.position_taken(session, schedule_id, position):
        raise _position_taken(position)
    created = _add_layer(session, schedule, layer, position=position, now=now)
    schedule.updated_at = now
    return layer_out(created)


def _layer(session: Session, schedule_id: int, layer_id: int) -> ScheduleLayer:
    layer = repo.layer_by_id(session, schedule_id, layer_id)
    if layer is None:
        raise NotFound(
            f"layer {layer_id} of schedule {schedule_id} not found",
            code="schedule.layer_not_found",
            layer_id=layer_id,
        )
    return layer


def update_layer(
    session: Session,
    *,
    schedule_id: int,
    layer_id: int,
    patch: LayerPatchIn,
    principal: Principal,
    now: datetime,
) -> LayerOut:
    """Change the fields present in ``patch``; lists are replaced as a whole."""
    schedule = _writable(session, schedule_id, principal)
    layer = _layer(session, schedule_id, layer_id)
    if patch.name is not None:
        layer.name = _clean_name(patch.name)
    if patch.position is not None and patch.position != layer.position:
        if repo.position_taken(session, schedule_id, patch.position, except_layer=layer_id):
            raise _position_taken(patch.position)
        layer.position = patch.position
    if patch.users is not None:
        _require_users(session, patch.users)
        _set_users(layer, patch.users)
    if patch.rotation is not None:
        _set_rotation(layer, patch.rotation)
    if patch.start is not None:
        layer.starts_at = patch.start
    if patch.restrictions is not None:
        layer.restrictions = restriction_json(patch.restrictions)
    schedule.updated_at = now
    _flush(session, _position_taken(layer.position))
    return layer_out(layer)


def delete_layer(
    session: Session, *, schedule_id: int, layer_id: int, principal: Principal, now: datetime
) -> None:
    schedule = _writable(session, schedule_id, principal)
    session.delete(_layer(session, schedule_id, layer_id))
    schedule.updated_at = now
    session.flush()


# --- overrides ---------------------------------------------------------------------------------


def list_overrides(
    session: Session,
    *,
    schedule_id: int,
    principal: Principal,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> list[OverrideOut]:
    """Overrides meeting ``[start, end)``; by default those not yet ended."""
    _schedule(session, schedule_id)
    found = repo.overrides_of(session, schedule_id, ending_after=start or now, starting_before=end)
    return [_override_out(o) for o in found]


def _override_out(override: ScheduleOverride) -> OverrideOut:
    return OverrideOut(
        id=override.id,
        schedule_id=override.schedule_id,
        user_id=override.user_id,
        start=override.starts_at,
        end=override.ends_at,
        created_by_id=override.created_by_id,
        created_at=override.created_at,
    )


def create_override(
    session: Session,
    *,
    schedule_id: int,
    user_id: int,
    start: datetime,
    end: datetime,
    principal: Principal,
    now: datetime,
) -> OverrideOut:
    """``user_id`` is on call over ``[start, end)``; a later override wins where they meet."""
    if end <= start:
        raise InvalidInput("end must be after start", code="schedule.invalid_range")
    schedule = _writable(session, schedule_id, principal)
    _require_users(session, [user_id])
    override = ScheduleOverride(
        schedule_id=schedule_id,
        user_id=user_id,
        starts_at=start,
        ends_at=end,
        created_by_id=principal.user_id,
        created_at=now,
    )
    session.add(override)
    schedule.updated_at = now
    session.flush()
    return _override_out(override)


def delete_override(
    session: Session, *, schedule_id: int, override_id: int, principal: Principal, now: datetime
) -> None:
    """Delete a future override; cut a running one short at ``now``; keep an ended one."""
    schedule = _writable(session, schedule_id, principal)
    override = repo.override_by_id(session, schedule_id, override_id)
    if override is None:
        raise NotFound(
            f"override {override_id} of schedule {schedule_id} not found",
            code="schedule.override_not_found",
            override_id=override_id,
        )
    if override.ends_at <= now:
        raise Conflict(
            f"override {override_id} has ended; it is kept as history",
            code="schedule.override_ended",
            override_id=override_id,
        )
    if override.starts_at < now:
        override.ends_at = now
    else:
        session.delete(override)
    schedule.updated_at = now
    session.flush()


# --- who is on call ----------------------------------------------------------------------------


def _spec_at(session: Session, schedule_id: int, at: datetime) -> oncall.ScheduleSpec:
    spec = repo.schedule_spec(session, schedule_id, overlapping=(at, at + _ONE_MICROSECOND))
    if spec is None:
        raise NotFound(
            f"schedule {schedule_id} not found",
            code="schedule.not_found",
            schedule_id=schedule_id,
        )
    return spec


def oncall_for(
    session: Session, *, schedule_id: int, at: datetime, principal: Principal
) -> OnCallOut:
    spec = _spec_at(session, schedule_id, at)
    ids = oncall.oncall_at(spec, at)
    users = repo.users_by_ids(session, ids)
    return OnCallOut(
        schedule_id=spec.id, schedule_name=spec.name, at=at, users=_user_refs(users, ids)
    )


def oncall_everywhere(session: Session, *, at: datetime, principal: Principal) -> list[OnCallOut]:
    """Who is on call at ``at`` in every schedule (schedules with nobody included, to show
    the gap), ordered by schedule name."""
    ids = repo.all_schedule_ids(session)
    specs = repo.schedule_specs(session, ids, overlapping=(at, at + _ONE_MICROSECOND))
    on_call = {sid: oncall.oncall_at(spec, at) for sid, spec in specs.items()}
    users = repo.users_by_ids(session, {u for found in on_call.values() for u in found})
    ordered = sorted(specs.values(), key=lambda s: (s.name.lower(), s.id))
    return [
        OnCallOut(
            schedule_id=s.id, schedule_name=s.name, at=at, users=_user_refs(users, on_call[s.id])
        )
        for s in ordered
    ]


def schedule_shifts(
    session: Session, *, schedule_id: int, start: datetime, end: datetime, principal: Principal
) -> ShiftsOut:
    """Final shifts in ``[start, end)``, at most ``MAX_RANGE_DAYS`` long."""
    if end <= start:
        raise InvalidInput("end must be after start", code="schedule.invalid_range")
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput(
            f"the range may span at most {MAX_RANGE_DAYS} days; ask for it in pieces",
            code="schedule.range_too_large",
            max_days=MAX_RANGE_DAYS,
        )
    spec = repo.schedule_spec(session, schedule_id, overlapping=(start, end))
    if spec is None:
        raise NotFound(
            f"schedule {schedule_id} not found",
            code="schedule.not_found",
            schedule_id=schedule_id,
        )
    found = oncall.shifts(spec, start, end)
    users = repo.users_by_ids(session, {s.user_id for s in found})
    return ShiftsOut(
        schedule_id=spec.id,
        time_zone=spec.time_zone,
        start=start,
        end=end,
        shifts=[
            ShiftOut(user=ref, start=s.start, end=s.end)
            for s in found
            for ref in _user_refs(users, [s.user_id])
        ],
    )


# --- calendar feeds ----------------------------------------------------------------------------


def regenerate_schedule_feed(
    session: Session, *, schedule_id: int, principal: Principal, now: datetime, public_url: str
) -> CalendarTokenOut:
    """A new secret for the schedule's feed; the old URL stops working at once."""
    schedule = _writable(session, schedule_id, principal)
    schedule.ical_token = _fresh_schedule_token(session)
    schedule.updated_at = now
    session.flush()
    return CalendarTokenOut(
        token=schedule.ical_token, url=schedule_feed_url(public_url, schedule.ical_token)
    )


def my_feed(session: Session, *, principal: Principal, public_url: str) -> CalendarTokenOut:
    """The caller's personal feed, if they made one."""
    current = repo.calendar_token_of(session, principal.user_id)
    if current is None:
        raise NotFound(
            "you have no calendar feed yet; POST /oncall/ical-token makes one",
            code="schedule.no_calendar_feed",
        )
    return CalendarTokenOut(token=current.token, url=user_feed_url(public_url, current.token))


def regenerate_my_feed(
    session: Session, *, principal: Principal, now: datetime, public_url: str
) -> CalendarTokenOut:
    """Make (or replace) the caller's personal feed secret."""
    token = new_token()
    while repo.calendar_token_owner(session, token) is not None:
        token = new_token()
    current = repo.calendar_token_of(session, principal.user_id)
    if current is None:
        session.add(UserCalendarToken(user_id=principal.user_id, token=token, created_at=now))
    else:
        current.token, current.created_at = token, now
    session.flush()
    return CalendarTokenOut(token=token, url=user_feed_url(public_url, token))


def _feed_window(now: datetime) -> tuple[datetime, datetime]:
    return now - FEED_LOOKBACK - _FEED_MARGIN, now + FEED_HORIZON


def _shift_uid(schedule_id: int, shift: oncall.Shift) -> str:
    return f"shift-{schedule_id}-{shift.user_id}-{ical.utc_stamp(shift.start)}@slar"


def schedule_feed(session: Session, *, token: str, now: datetime) -> str:
    """The ``text/calendar`` feed of the schedule whose secret is ``token``."""
    schedule = repo.schedule_by_ical_token(session, token)
    if schedule is None:
        raise NotFound("unknown calendar feed", code="schedule.feed_not_found")
    start, end = _feed_window(now)
    spec = repo.schedule_spec(session, schedule.id, overlapping=(start, end))
    assert spec is not None
    found = [s for s in oncall.shifts(spec, start, end) if s.end > now - FEED_LOOKBACK]
    users = repo.users_by_ids(session, {s.user_id for s in found})
    events = [
        ical.CalendarEvent(
            uid=_shift_uid(spec.id, s),
            start=s.start,
            end=s.end,
            summary=f"On call: {users[s.user_id].name}",
            description=f"{users[s.user_id].name} ({users[s.user_id].email}) is on call "
            f"for {spec.name}.",
        )
        for s in found
        if s.user_id in users
    ]
    return ical.render_calendar(name=f"{spec.name} on call", events=events, stamp=now)


def user_feed(session: Session, *, token: str, now: datetime) -> str:
    """The ``text/calendar`` feed of one user's shifts in every schedule."""
    user_id = repo.calendar_token_owner(session, token)
    if user_id is None:
        raise NotFound("unknown calendar feed", code="schedule.feed_not_found")
    start, end = _feed_window(now)
    specs = repo.schedule_specs(
        session, repo.schedule_ids_involving(session, user_id), overlapping=(start, end)
    )
    events = [
        ical.CalendarEvent(
            uid=_shift_uid(spec.id, s),
            start=s.start,
            end=s.end,
            summary=f"On call: {spec.name}",
            description=f"You are on call for {spec.name}.",
        )
        for spec in specs.values()
        for s in oncall.shifts(spec, start, end)
        if s.user_id == user_id and s.end > now - FEED_LOOKBACK
    ]
    events.sort(key=lambda e: (e.start, e.uid))
    user = repo.users_by_ids(session, [user_id]).get(user_id)
    name = user.name if user is not None else f"user {user_id}"
    return ical.render_calendar(name=f"{name} on call", events=events, stamp=now)
