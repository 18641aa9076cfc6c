"""Incident use cases for people: open, acknowledge, resolve, reassign, note, snooze, merge,
and the read views (list, detail, timeline, alerts, analytics).

Every action takes the session and keyword arguments, checks that the caller may change the
incident's team's objects, validates the transition (``rules``), changes state through
``lifecycle`` where other paths share the transition, writes the timeline and never commits.
Reads are open to every authenticated principal (observers included).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.alerts import queries as alert_queries
from slar.domain.catalog.models import Service
from slar.domain.escalation import engine
from slar.domain.identity.rules import Principal, require_team_write
from slar.domain.incidents import analytics, lifecycle, rules
from slar.domain.incidents import repository as repo
from slar.domain.incidents.models import Incident
from slar.domain.incidents.rules import Actor
from slar.domain.incidents.schemas import (
    AlertDetailOut,
    AlertOut,
    IncidentAnalyticsOut,
    IncidentEventOut,
    IncidentOut,
    ResponseStats,
    ServiceStats,
    TeamStats,
)
from slar.domain.incidents.timeline import record
from slar.kernel.clock import ensure_utc
from slar.kernel.errors import Conflict, InvalidInput, NotFound

ANALYTICS_DEFAULT_WINDOW = timedelta(days=30)


# --- helpers -------------------------------------------------------------------------------


def _out(incident: Incident, *, service_name: str, team_id: int) -> IncidentOut:
    return IncidentOut(
        id=incident.id,
        number=incident.id,
        title=incident.title,
        description=incident.description,
        status=incident.status,
        urgency=incident.urgency,
        severity=incident.severity,
        service_id=incident.service_id,
        service_name=service_name,
        team_id=team_id,
        assignee_id=incident.assignee_id,
        dedup_key=incident.dedup_key,
        alert_count=incident.alert_count,
        labels=dict(incident.labels or {}),
        links=list(incident.links or []),
        created_at=incident.created_at,
        updated_at=incident.updated_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by_id=incident.acknowledged_by_id,
        resolved_at=incident.resolved_at,
        resolved_by_id=incident.resolved_by_id,
        snoozed_until=incident.snoozed_until,
        merged_into_id=incident.merged_into_id,
        integration_id=incident.integration_id,
    )


def _render(incident: Incident, service: Service) -> IncidentOut:
    return _out(incident, service_name=service.name, team_id=service.team_id)


def _not_found(incident_id: int) -> NotFound:
    return NotFound(
        f"incident {incident_id} not found", code="incident.not_found", incident_id=incident_id
    )


def _service_of(session: Session, incident: Incident) -> Service:
    service = repo.service_by_id(session, incident.service_id)
    if service is None:  # the foreign key forbids it; a clear error beats an AttributeError
        raise NotFound(f"service {incident.service_id} not found", code="service.not_found")
    return service


def actor_of(principal: Principal) -> Actor:
    """The timeline actor for a person (API keys act as their owner). When a tool acts for
    them (``principal.via``), the label says so: ``"Alice (via assistant)"``."""
    if principal.via:
        label = f"{principal.display} (via {principal.via})"
        return Actor(label=label, user_id=principal.user_id, via=principal.via)
    return Actor(label=principal.display, user_id=principal.user_id)


def _acting(
    session: Session, *, incident_id: int, principal: Principal
) -> tuple[Incident, Service, Actor]:
    """Lock the incident, check the caller may change it, and name them for the timeline."""
    incident = repo.incident_by_id(session, incident_id, for_update=True)
    if incident is None:
        raise _not_found(incident_id)
    service = _service_of(session, incident)
    require_team_write(principal, service.team_id)
    return incident, service, actor_of(principal)


def _check_assignee(session: Session, assignee_id: int) -> str:
    user = repo.user_by_id(session, assignee_id)
    if user is None:
        raise InvalidInput(
            f"assignee user {assignee_id} does not exist",
            code="incident.unknown_assignee",
            assignee_id=assignee_id,
        )
    if not user.is_active:
        raise InvalidInput(
            f"assignee user {assignee_id} is deactivated",
            code="incident.assignee_inactive",
            assignee_id=assignee_id,
        )
    return user.name or user.email


def _duplicate(existing_id: int, dedup_key: str) -> Conflict:
    return Conflict(
        f"an open incident with dedup key {dedup_key!r} already exists: #{existing_id}",
        code="incident.duplicate",
        existing_id=existing_id,
    )


# --- actions -------------------------------------------------------------------------------


def create_incident(
    session: Session,
    *,
    actor: Principal,
    service_id: int,
    title: str,
    description: str = "",
    urgency: str | None = None,
    severity: str = "error",
    assignee_id: int | None = None,
    dedup_key: str | None = None,
    labels: dict[str, str] | None = None,
    links: list[dict[str, Any]] | None = None,
    now: datetime,
) -> IncidentOut:
    """Open an incident by hand. A dedup key already open on the service is a 409."""
    service = repo.service_by_id(session, service_id)
    if service is None:
        raise InvalidInput(
            f"service {service_id} does not exist",
            code="incident.unknown_service",
            service_id=service_id,
        )
    require_team_write(actor, service.team_id)
    clean_title = rules.clean_title(title)
    if assignee_id is not None:
        _check_assignee(session, assignee_id)
    if dedup_key is not None:
        existing = repo.open_incident_by_dedup(session, service_id=service_id, dedup_key=dedup_key)
        if existing is not None:
            raise _duplicate(existing.id, dedup_key)
    incident = Incident(
        title=clean_title,
        description=description,
        status=rules.TRIGGERED,
        urgency=urgency or rules.urgency_for(service.urgency, severity),
        severity=severity,
        service_id=service.id,
        assignee_id=assignee_id,
        created_by_id=actor.user_id,
        dedup_key=dedup_key,
        alert_count=0,
        labels=dict(labels or {}),
        links=list(links or []),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # the partial unique index decides a race between two
            session.add(incident)
            session.flush()
    except IntegrityError:
        if dedup_key is None:
            raise
        winner = repo.open_incident_by_dedup(session, service_id=service_id, dedup_key=dedup_key)
        if winner is None:
            raise
        raise _duplicate(winner.id, dedup_key) from None
    who = actor_of(actor)
    lifecycle.apply_opened(
        session,
        incident,
        actor=who,
        now=now,
        message=f"Triggered manually by {who.label}",
        data={"source": "manual"},
    )
    return _render(incident, service)


def acknowledge(
    session: Session, *, incident_id: int, actor: Principal, now: datetime
) -> IncidentOut:
    incident, service, who = _acting(session, incident_id=incident_id, principal=actor)
    lifecycle.apply_acknowledge(session, incident, actor=who, now=now)
    return _render(incident, service)


def unacknowledge(
    session: Session, *, incident_id: int, actor: Principal, now: datetime
) -> IncidentOut:
    """Acknowledged → triggered: the incident pages again."""
    incident, service, who = _acting(session, incident_id=incident_id, principal=actor)
    lifecycle.apply_unacknowledge(session, incident, actor=who, now=now)
    return _render(incident, service)


def resolve(
    session: Session,
    *,
    incident_id: int,
    actor: Principal,
    now: datetime,
    note: str | None = None,
) -> IncidentOut:
    """Resolve, with an optional closing note; the incident's open alerts close with it."""
    incident, service, who = _acting(session, incident_id=incident_id, principal=actor)
    text = rules.clean_note(note) if note and note.strip() else ""
    lifecycle.apply_resolve(
        session,
        incident,
        actor=who,
        now=now,
        message=f"Resolved by {who.label}: {text}" if text else "",
        data={"note": text} if text else None,
    )
    repo.resolve_open_alerts(session, incident_id=incident.id, now=now)
    return _render(incident, service)


def reassign(
    session: Session,
    *,
    incident_id: int,
    assignee_id: int | None,
    actor: Principal,
    now: datetime,
) -> IncidentOut:
    """Give the incident to an active user (``None`` unassigns). Unchanged is a no-op."""
    incident, service, who = _acting(session, incident_id=incident_id, principal=actor)
    rules.check_reassign(incident.status, incident.id)
    name = _check_assignee(session, assignee_id) if assignee_id is not None else ""
    if incident.assignee_id == assignee_id:
        return _render(incident, service)
    previous = incident.assignee_id
    incident.assignee_id = assignee_id
    incident.updated_at = now
    record(
        session,
        incident_id=incident.id,
        kind="reassigned",
        actor=who,
        now=now,
        message=f"Assigned to {name} by {who.label}" if name else f"Unassigned by {who.label}",
        data={"from": previous, "to": assignee_id},
    )
    if assignee_id is not None:
        engine.page_assignee(session, incident, assignee_id=assignee_id, now=now)
    return _render(incident, service)


def add_note(
    session: Session, *, incident_id: int, text: str, actor: Principal, now: datetime
) -> IncidentEventOut:
    """Append a note to the timeline; allowed on resolved incidents (post-mortem remarks)."""
    body = rules.clean_note(text)
    incident, _service, who = _acting(session, incident_id=incident_id, principal=actor)
    incident.updated_at = now
    event = record(session, incident_id=incident.id, kind="note", actor=who, now=now, message=body)
    session.flush()
    return IncidentEventOut.model_validate(event)


def snooze(
    session: Session, *, incident_id: int, minutes: int, actor: Principal, now: datetime
) -> IncidentOut:
    """Silence an open incident for ``minutes``: it becomes (or stays) acknowledged until then.

    A triggered incident is acknowledged first (the same transition as a plain acknowledge, so
    escalation stops). The worker re-triggers it when ``snoozed_until`` passes.
    """
    rules.check_snooze_minutes(minutes)
    incident, service, who = _acting(session, incident_id=incident_id, principal=actor)
    rules.check_snooze(incident.status, incident.id)
    if incident.status == rules.TRIGGERED:
        lifecycle.apply_acknowledge(session, incident, actor=who, now=now)
    until = now + timedelta(minutes=minutes)
    lifecycle.apply_snooze(session, incident, until=until, now=now)
    record(
        session,
        incident_id=incident.id,
        kind="snoozed",
        actor=who,
        now=now,
        message=f"Snoozed by {who.label} for {minutes} min (until {until:%Y-%m-%d %H:%M} UTC)",
        data={"minutes": minutes, "until": until.isoformat()},
    )
    return _render(incident, service)


def merge(
    session: Session, *, source_id: int, into_id: int, actor: Principal, now: datetime
) -> IncidentOut:
    """Fold ``source_id`` into ``into_id``: alerts move, counts add up, the source resolves."""
    rules.check_not_self_merge(source_id, into_id)
    locked = repo.incidents_for_update(session, [source_id, into_id])
    source = locked.get(source_id)
    if source is None:
        raise _not_found(source_id)
    target = locked.get(into_id)
    if target is None:
        raise NotFound(
            f"merge target incident {into_id} not found",
            code="incident.not_found",
            incident_id=into_id,
        )
    source_service = _service_of(session, source)
    target_service = _service_of(session, target)
    require_team_write(actor, source_service.team_id)
    require_team_write(actor, target_service.team_id)
    rules.check_merge(
        source_id=source.id,
        source_status=source.status,
        target_id=target.id,
        target_status=target.status,
    )
    who = actor_of(actor)
    moved = repo.move_alerts(session, source_id=source.id, into_id=target.id)
    carried = source.alert_count
    target.alert_count += carried
    target.updated_at = now
    source.alert_count = 0
    source.merged_into_id = target.id
    data = {"source_id": source.id, "into_id": target.id, "alerts_moved": moved}
    lifecycle.apply_resolve(
        session,
        source,
        actor=who,
        now=now,
        message=f"Merged into #{target.id} by {who.label}",
        data=data,
    )
    record(
        session,
        incident_id=target.id,
        kind="merged",
        actor=who,
        now=now,
        message=f"#{source.id} merged into this incident by {who.label} ({moved} alerts moved)",
        data=data,
    )
    return _render(target, target_service)


# --- reads ---------------------------------------------------------------------------------


def get_incident(session: Session, *, incident_id: int) -> IncidentOut:
    row = repo.row_by_id(session, incident_id)
    if row is None:
        raise _not_found(incident_id)
    return _out(row.incident, service_name=row.service_name, team_id=row.team_id)


def list_incidents(
    session: Session,
    *,
    principal: Principal,
    status: list[str] | None = None,
    service_id: int | None = None,
    team_id: int | None = None,
    urgency: str | None = None,
    assignee_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str | None = None,
    limit: int = rules.LIST_LIMIT_DEFAULT,
    offset: int = 0,
) -> tuple[list[IncidentOut], int]:
    """A page of incidents (newest first, ties by id) and the total matching the filters.

    Every principal reads every incident (observers included), so ``principal`` narrows
    nothing today; it is taken so that scoping can be added without changing callers.
    """
    del principal
    rules.check_page(limit, offset)
    if urgency is not None and urgency not in ("high", "low"):
        raise InvalidInput(
            f"unknown urgency {urgency!r}; use high or low", code="incident.invalid_filter"
        )
    filters = repo.IncidentFilters(
        statuses=rules.expand_statuses(status),
        service_id=service_id,
        team_id=team_id,
        urgency=urgency,
        assignee_id=assignee_id,
        since=ensure_utc(since) if since else None,
        until=ensure_utc(until) if until else None,
        q=q.strip() if q and q.strip() else None,
    )
    rows, total = repo.search(session, filters, limit=limit, offset=offset)
    items = [_out(r.incident, service_name=r.service_name, team_id=r.team_id) for r in rows]
    return items, total


def timeline(session: Session, *, incident_id: int) -> list[IncidentEventOut]:
    """The incident's timeline, oldest first."""
    if repo.incident_by_id(session, incident_id) is None:
        raise _not_found(incident_id)
    return [IncidentEventOut.model_validate(e) for e in repo.events(session, incident_id)]


def incident_alerts(session: Session, *, incident_id: int) -> list[AlertOut]:
    """The alerts grouped into the incident, oldest first."""
    if repo.incident_by_id(session, incident_id) is None:
        raise _not_found(incident_id)
    return [
        AlertOut.model_validate(a) for a in alert_queries.alerts_for_incident(session, incident_id)
    ]


def get_alert(session: Session, *, alert_id: int) -> AlertDetailOut:
    alert = alert_queries.alert_by_id(session, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found", code="alert.not_found", alert_id=alert_id)
    return AlertDetailOut.model_validate(alert)


def list_alerts(
    session: Session,
    *,
    incident_id: int | None = None,
    service_id: int | None = None,
    status: list[str] | None = None,
    limit: int = rules.LIST_LIMIT_DEFAULT,
    offset: int = 0,
) -> tuple[list[AlertOut], int]:
    rules.check_page(limit, offset)
    items, total = alert_queries.search_alerts(
        session,
        incident_id=incident_id,
        service_id=service_id,
        statuses=rules.expand_statuses(status),
        limit=limit,
        offset=offset,
    )
    return [AlertOut.model_validate(a) for a in items], total


def incident_analytics(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime,
) -> IncidentAnalyticsOut:
    """Counts, MTTA and MTTR over incidents created in ``[since, until)`` (default: 30 days)."""
    end = ensure_utc(until) if until else now
    start = ensure_utc(since) if since else end - ANALYTICS_DEFAULT_WINDOW
    if start >= end:
        raise InvalidInput(
            f"since ({start.isoformat()}) must be before until ({end.isoformat()})",
            code="analytics.invalid_range",
        )
    summary = analytics.summarize(repo.analytics_rows(session, since=start, until=end))

    return IncidentAnalyticsOut(
        since=start,
        until=end,
        overall=ResponseStats(**asdict(summary.overall)),
        services=[
            ServiceStats(
                service_id=s.service_id,
                service_name=s.service_name,
                team_id=s.team_id,
                **asdict(s.stats),
            )
            for s in summary.services
        ],
        teams=[
            TeamStats(team_id=t.team_id, team_name=t.team_name, **asdict(t.stats))
            for t in summary.teams
        ],
    )
