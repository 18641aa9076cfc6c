"""Heartbeat monitors (dead-man's switches): use cases and the beat itself.

A monitor is ``new`` until its first beat (a job that has never run yet is not an outage).
Each beat sets ``due_by = beat + interval + grace``; the ``monitor.heartbeats`` tick turns a
monitor past ``due_by`` ``down`` and raises the incident ``monitor:heartbeat:<id>`` on its
service; the next beat makes it ``up`` and resolves that incident.

The key is the credential of ``/heartbeats/{key}`` (like an integration key): shown only to
callers who may change the monitor; an unknown key is a 404.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slar.domain.alerts.conditions import clear_condition
from slar.domain.identity.rules import Principal, can_change_team_objects, require_team_write
from slar.domain.monitors import repository as repo
from slar.domain.monitors.models import HeartbeatMonitor
from slar.domain.monitors.rules import DOWN, NEW, UP, heartbeat_deadline
from slar.domain.monitors.schemas import BeatOut, HeartbeatIn, HeartbeatOut, HeartbeatPatchIn
from slar.domain.monitors.service import service_of
from slar.kernel.errors import InvalidInput, NotFound
from slar.kernel.ids import new_integration_key

SOURCE = "heartbeat monitor"


def dedup_key(monitor_id: int) -> str:
    return f"monitor:heartbeat:{monitor_id}"


def heartbeat_url(public_url: str, key: str) -> str:
    return f"{public_url.rstrip('/')}/api/heartbeats/{key}"


def _out(
    session: Session, monitor: HeartbeatMonitor, principal: Principal, public_url: str
) -> HeartbeatOut:
    team_id = service_of(session, monitor.service_id).team_id
    show = can_change_team_objects(principal, team_id)
    return HeartbeatOut(
        id=monitor.id,
        service_id=monitor.service_id,
        name=monitor.name,
        key=monitor.key if show else None,
        url=heartbeat_url(public_url, monitor.key) if show else None,
        interval_seconds=monitor.interval_seconds,
        grace_seconds=monitor.grace_seconds,
        enabled=monitor.enabled,
        state=monitor.state,
        last_beat_at=monitor.last_beat_at,
        due_by=monitor.due_by,
        incident_id=monitor.incident_id,
        created_at=monitor.created_at,
        updated_at=monitor.updated_at,
    )


def _monitor(session: Session, monitor_id: int, *, for_update: bool = False) -> HeartbeatMonitor:
    monitor = repo.heartbeat_by_id(session, monitor_id, for_update=for_update)
    if monitor is None:
        raise NotFound(
            f"heartbeat monitor {monitor_id} not found",
            code="monitor.heartbeat_not_found",
            monitor_id=monitor_id,
        )
    return monitor


def _fresh_key(session: Session) -> str:
    while True:
        key = new_integration_key()
        if not repo.heartbeat_key_in_use(session, key):
            return key


def _name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("name must not be blank", code="monitor.invalid_name", field="name")
    return cleaned


def list_heartbeats(
    session: Session, *, principal: Principal, public_url: str, service_id: int | None = None
) -> list[HeartbeatOut]:
    return [
        _out(session, m, principal, public_url)
        for m in repo.list_heartbeats(session, service_id=service_id)
    ]


def get_heartbeat(
    session: Session, *, monitor_id: int, principal: Principal, public_url: str
) -> HeartbeatOut:
    return _out(session, _monitor(session, monitor_id), principal, public_url)


def create_heartbeat(
    session: Session, *, body: HeartbeatIn, principal: Principal, public_url: str, now: datetime
) -> HeartbeatOut:
    service = service_of(session, body.service_id)
    require_team_write(principal, service.team_id)
    monitor = HeartbeatMonitor(
        service_id=service.id,
        name=_name(body.name),
        key=_fresh_key(session),
        interval_seconds=body.interval_seconds,
        grace_seconds=body.grace_seconds,
        enabled=body.enabled,
        state=NEW,
        created_at=now,
        updated_at=now,
    )
    session.add(monitor)
    session.flush()
    return _out(session, monitor, principal, public_url)


def update_heartbeat(
    session: Session,
    *,
    monitor_id: int,
    patch: HeartbeatPatchIn,
    principal: Principal,
    public_url: str,
    now: datetime,
) -> HeartbeatOut:
    """Change the fields present in ``patch``; a new interval or grace moves the deadline of
    the last beat accordingly."""
    monitor = _monitor(session, monitor_id, for_update=True)
    require_team_write(principal, service_of(session, monitor.service_id).team_id)
    if patch.service_id is not None and patch.service_id != monitor.service_id:
        require_team_write(principal, service_of(session, patch.service_id).team_id)
        monitor.service_id = patch.service_id
    if patch.name is not None:
        monitor.name = _name(patch.name)
    if patch.interval_seconds is not None:
        monitor.interval_seconds = patch.interval_seconds
    if patch.grace_seconds is not None:
        monitor.grace_seconds = patch.grace_seconds
    if patch.enabled is not None:
        monitor.enabled = patch.enabled
    if monitor.last_beat_at is not None:
        monitor.due_by = heartbeat_deadline(
            monitor.last_beat_at, monitor.interval_seconds, monitor.grace_seconds
        )
    monitor.updated_at = now
    session.flush()
    return _out(session, monitor, principal, public_url)


def regenerate_heartbeat_key(
    session: Session, *, monitor_id: int, principal: Principal, public_url: str, now: datetime
) -> HeartbeatOut:
    monitor = _monitor(session, monitor_id, for_update=True)
    require_team_write(principal, service_of(session, monitor.service_id).team_id)
    monitor.key = _fresh_key(session)
    monitor.updated_at = now
    session.flush()
    return _out(session, monitor, principal, public_url)


def delete_heartbeat(session: Session, *, monitor_id: int, principal: Principal) -> None:
    monitor = _monitor(session, monitor_id)
    require_team_write(principal, service_of(session, monitor.service_id).team_id)
    session.delete(monitor)
    session.flush()


def beat(session: Session, *, key: str, now: datetime) -> BeatOut:
    """Record a beat (public: the key is the credential). A monitor that was ``down`` comes
    back ``up`` and its incident resolves. A disabled monitor records the beat too."""
    monitor = repo.heartbeat_by_key(session, key)
    if monitor is None:
        raise NotFound("no heartbeat monitor has this key", code="monitor.heartbeat_not_found")
    was_down = monitor.state == DOWN or monitor.incident_id is not None
    monitor.last_beat_at = now
    monitor.due_by = heartbeat_deadline(now, monitor.interval_seconds, monitor.grace_seconds)
    monitor.state = UP
    monitor.updated_at = now
    if was_down:
        clear_condition(
            session,
            service_id=monitor.service_id,
            dedup_key=dedup_key(monitor.id),
            incident_id=monitor.incident_id,
            source=f"{SOURCE} {monitor.name}",
            message=f"Heartbeat {monitor.name!r} received again: resolved",
            now=now,
        )
        monitor.incident_id = None
    return BeatOut(monitor_id=monitor.id, state=UP, due_by=monitor.due_by)
