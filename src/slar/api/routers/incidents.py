"""Incidents: list, open, act on (acknowledge, resolve, reassign, note, snooze, merge), and
read their timeline and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from slar.api.deps import AuthCtx
from slar.domain.incidents import rules, service, similar, similarity
from slar.domain.incidents.schemas import (
    AlertOut,
    IncidentCreateIn,
    IncidentEventOut,
    IncidentOut,
    IncidentPage,
    MergeIn,
    NoteIn,
    ReassignIn,
    ResolveIn,
    SnoozeIn,
    Urgency,
)

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.get("", summary="List incidents, newest first, with filters")
def list_incidents(
    ctx: AuthCtx,
    status_: Annotated[
        list[str] | None,
        Query(
            alias="status",
            description="triggered, acknowledged, resolved or open; repeat or comma-separate",
        ),
    ] = None,
    service_id: int | None = None,
    team_id: int | None = None,
    urgency: Urgency | None = None,
    assignee_id: int | None = None,
    since: Annotated[datetime | None, Query(description="created at or after")] = None,
    until: Annotated[datetime | None, Query(description="created before")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="text in title/description, or #<id>")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=rules.LIST_LIMIT_MAX)] = rules.LIST_LIMIT_DEFAULT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> IncidentPage:
    items, total = service.list_incidents(
        ctx.session,
        principal=ctx.principal,
        status=status_,
        service_id=service_id,
        team_id=team_id,
        urgency=urgency,
        assignee_id=assignee_id,
        since=since,
        until=until,
        q=q,
        limit=limit,
        offset=offset,
    )
    return IncidentPage(items=items, total=total, limit=limit, offset=offset)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Open an incident by hand")
def create_incident(body: IncidentCreateIn, ctx: AuthCtx) -> IncidentOut:
    return service.create_incident(
        ctx.session,
        actor=ctx.principal,
        service_id=body.service_id,
        title=body.title,
        description=body.description,
        urgency=body.urgency,
        severity=body.severity,
        assignee_id=body.assignee_id,
        dedup_key=body.dedup_key,
        labels=body.labels,
        links=[link.model_dump() for link in body.links],
        now=ctx.now,
    )


@router.get("/{incident_id}", summary="One incident")
def get_incident(incident_id: int, ctx: AuthCtx) -> IncidentOut:
    return service.get_incident(ctx.session, incident_id=incident_id)


@router.post("/{incident_id}/acknowledge", summary="Acknowledge: stop paging")
def acknowledge(incident_id: int, ctx: AuthCtx) -> IncidentOut:
    return service.acknowledge(
        ctx.session, incident_id=incident_id, actor=ctx.principal, now=ctx.now
    )


@router.post("/{incident_id}/unacknowledge", summary="Back to triggered: page again")
def unacknowledge(incident_id: int, ctx: AuthCtx) -> IncidentOut:
    return service.unacknowledge(
        ctx.session, incident_id=incident_id, actor=ctx.principal, now=ctx.now
    )


@router.post("/{incident_id}/resolve", summary="Resolve, with an optional closing note")
def resolve(
    incident_id: int, ctx: AuthCtx, body: Annotated[ResolveIn | None, Body()] = None
) -> IncidentOut:
    return service.resolve(
        ctx.session,
        incident_id=incident_id,
        actor=ctx.principal,
        now=ctx.now,
        note=body.note if body else None,
    )


@router.post("/{incident_id}/reassign", summary="Assign to a user (null unassigns)")
def reassign(incident_id: int, body: ReassignIn, ctx: AuthCtx) -> IncidentOut:
    return service.reassign(
        ctx.session,
        incident_id=incident_id,
        assignee_id=body.assignee_id,
        actor=ctx.principal,
        now=ctx.now,
    )


@router.post(
    "/{incident_id}/notes", status_code=status.HTTP_201_CREATED, summary="Add a timeline note"
)
def add_note(incident_id: int, body: NoteIn, ctx: AuthCtx) -> IncidentEventOut:
    return service.add_note(
        ctx.session, incident_id=incident_id, text=body.text, actor=ctx.principal, now=ctx.now
    )


@router.post("/{incident_id}/snooze", summary="Acknowledge for a while, then page again")
def snooze(incident_id: int, body: SnoozeIn, ctx: AuthCtx) -> IncidentOut:
    return service.snooze(
        ctx.session,
        incident_id=incident_id,
        minutes=body.minutes,
        actor=ctx.principal,
        now=ctx.now,
    )


@router.post("/{incident_id}/merge", summary="Merge this incident into another")
def merge(incident_id: int, body: MergeIn, ctx: AuthCtx) -> IncidentOut:
    return service.merge(
        ctx.session, source_id=incident_id, into_id=body.into_id, actor=ctx.principal, now=ctx.now
    )


@router.get("/{incident_id}/timeline", summary="The incident's timeline, oldest first")
def timeline(incident_id: int, ctx: AuthCtx) -> list[IncidentEventOut]:
    return service.timeline(ctx.session, incident_id=incident_id)


@router.get("/{incident_id}/alerts", summary="The alerts grouped into the incident")
def alerts(incident_id: int, ctx: AuthCtx) -> list[AlertOut]:
    return service.incident_alerts(ctx.session, incident_id=incident_id)


@router.get(
    "/{incident_id}/similar",
    summary="Incidents of the same service most like this one (title words, shared labels)",
)
def similar_incidents(
    incident_id: int,
    ctx: AuthCtx,
    limit: Annotated[int, Query(ge=1, le=similarity.LIMIT_MAX)] = 5,
) -> list[IncidentOut]:
    return similar.similar_incidents(
        ctx.session, incident_id=incident_id, principal=ctx.principal, limit=limit
    )
