"""Schedules: layers, overrides, who is on call, shifts, and secret calendar feeds.

Everyone reads schedules; the owning team's writers change them. The two ``/ical/...`` feeds
take no principal: calendar clients cannot send headers, so the secret token in the URL is the
credential (like integration keys); a wrong token is 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from slar.api.deps import AuthCtx, PublicTx
from slar.domain.schedules import service
from slar.domain.schedules.schemas import (
    CalendarTokenOut,
    Instant,
    LayerIn,
    LayerOut,
    LayerPatchIn,
    OnCallOut,
    OverrideIn,
    OverrideOut,
    ScheduleCreateIn,
    ScheduleOut,
    SchedulePatchIn,
    ShiftsOut,
)

router = APIRouter(tags=["schedules"])

CALENDAR = "text/calendar; charset=utf-8"
_CALENDAR_RESPONSE = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar (RFC 5545) feed"},
    404: {"description": "Unknown feed token"},
}


def _public_url(ctx: AuthCtx) -> str:
    return ctx.state.settings.http.public_url


# --- schedules ---------------------------------------------------------------------------------


@router.get("/schedules", summary="List schedules (with layers), optionally of one team")
def list_schedules(ctx: AuthCtx, team_id: int | None = None) -> list[ScheduleOut]:
    return service.list_schedules(
        ctx.session, principal=ctx.principal, team_id=team_id, public_url=_public_url(ctx)
    )


@router.post(
    "/schedules",
    status_code=status.HTTP_201_CREATED,
    summary="Create a schedule, optionally with layers (team writer)",
)
def create_schedule(body: ScheduleCreateIn, ctx: AuthCtx) -> ScheduleOut:
    return service.create_schedule(
        ctx.session,
        team_id=body.team_id,
        name=body.name,
        description=body.description,
        time_zone=body.time_zone,
        layers=body.layers,
        principal=ctx.principal,
        now=ctx.now,
        public_url=_public_url(ctx),
    )


@router.get("/schedules/{schedule_id}", summary="One schedule with its layers")
def get_schedule(schedule_id: int, ctx: AuthCtx) -> ScheduleOut:
    return service.get_schedule(
        ctx.session, schedule_id=schedule_id, principal=ctx.principal, public_url=_public_url(ctx)
    )


@router.patch("/schedules/{schedule_id}", summary="Rename, describe, move or re-zone a schedule")
def update_schedule(schedule_id: int, body: SchedulePatchIn, ctx: AuthCtx) -> ScheduleOut:
    return service.update_schedule(
        ctx.session,
        schedule_id=schedule_id,
        patch=body,
        principal=ctx.principal,
        now=ctx.now,
        public_url=_public_url(ctx),
    )


@router.delete(
    "/schedules/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a schedule with its layers and overrides (team writer)",
)
def delete_schedule(schedule_id: int, ctx: AuthCtx) -> None:
    service.delete_schedule(ctx.session, schedule_id=schedule_id, principal=ctx.principal)


# --- layers ------------------------------------------------------------------------------------


@router.post(
    "/schedules/{schedule_id}/layers",
    status_code=status.HTTP_201_CREATED,
    summary="Add a layer (on top unless a position is given)",
)
def add_layer(schedule_id: int, body: LayerIn, ctx: AuthCtx) -> LayerOut:
    return service.add_layer(
        ctx.session, schedule_id=schedule_id, layer=body, principal=ctx.principal, now=ctx.now
    )


@router.patch(
    "/schedules/{schedule_id}/layers/{layer_id}",
    summary="Change a layer; users, rotation and restrictions are replaced whole",
)
def update_layer(schedule_id: int, layer_id: int, body: LayerPatchIn, ctx: AuthCtx) -> LayerOut:
    return service.update_layer(
        ctx.session,
        schedule_id=schedule_id,
        layer_id=layer_id,
        patch=body,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.delete(
    "/schedules/{schedule_id}/layers/{layer_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a layer",
)
def delete_layer(schedule_id: int, layer_id: int, ctx: AuthCtx) -> None:
    service.delete_layer(
        ctx.session,
        schedule_id=schedule_id,
        layer_id=layer_id,
        principal=ctx.principal,
        now=ctx.now,
    )


# --- overrides ---------------------------------------------------------------------------------


@router.get(
    "/schedules/{schedule_id}/overrides",
    summary="Overrides meeting [start, end); by default those not yet ended",
)
def list_overrides(
    schedule_id: int, ctx: AuthCtx, start: Instant | None = None, end: Instant | None = None
) -> list[OverrideOut]:
    return service.list_overrides(
        ctx.session,
        schedule_id=schedule_id,
        principal=ctx.principal,
        start=start,
        end=end,
        now=ctx.now,
    )


@router.post(
    "/schedules/{schedule_id}/overrides",
    status_code=status.HTTP_201_CREATED,
    summary="Put a user on call over [start, end), above every layer",
)
def create_override(schedule_id: int, body: OverrideIn, ctx: AuthCtx) -> OverrideOut:
    return service.create_override(
        ctx.session,
        schedule_id=schedule_id,
        user_id=body.user_id,
        start=body.start,
        end=body.end,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.delete(
    "/schedules/{schedule_id}/overrides/{override_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a future override, or cut a running one short now",
)
def delete_override(schedule_id: int, override_id: int, ctx: AuthCtx) -> None:
    service.delete_override(
        ctx.session,
        schedule_id=schedule_id,
        override_id=override_id,
        principal=ctx.principal,
        now=ctx.now,
    )


# --- who is on call ----------------------------------------------------------------------------


@router.get("/schedules/{schedule_id}/oncall", summary="Who is on call at `at` (default: now)")
def oncall(schedule_id: int, ctx: AuthCtx, at: Instant | None = None) -> OnCallOut:
    return service.oncall_for(
        ctx.session, schedule_id=schedule_id, at=at or ctx.now, principal=ctx.principal
    )


@router.get(
    "/schedules/{schedule_id}/shifts",
    summary="Final shifts in [start, end) (layers, restrictions, overrides; at most 366 days)",
)
def shifts(schedule_id: int, start: Instant, end: Instant, ctx: AuthCtx) -> ShiftsOut:
    return service.schedule_shifts(
        ctx.session, schedule_id=schedule_id, start=start, end=end, principal=ctx.principal
    )


@router.get("/oncall", summary="Who is on call in every schedule at `at` (default: now)")
def oncall_everywhere(ctx: AuthCtx, at: Instant | None = None) -> list[OnCallOut]:
    return service.oncall_everywhere(ctx.session, at=at or ctx.now, principal=ctx.principal)


# --- calendar feeds ----------------------------------------------------------------------------


@router.post(
    "/schedules/{schedule_id}/ical-token",
    summary="New secret calendar feed URL for a schedule (the old one stops working)",
)
def regenerate_schedule_feed(schedule_id: int, ctx: AuthCtx) -> CalendarTokenOut:
    return service.regenerate_schedule_feed(
        ctx.session,
        schedule_id=schedule_id,
        principal=ctx.principal,
        now=ctx.now,
        public_url=_public_url(ctx),
    )


@router.get("/oncall/ical-token", summary="The caller's personal calendar feed URL")
def my_feed(ctx: AuthCtx) -> CalendarTokenOut:
    return service.my_feed(ctx.session, principal=ctx.principal, public_url=_public_url(ctx))


@router.post(
    "/oncall/ical-token",
    summary="Make or replace the caller's personal calendar feed URL (all their shifts)",
)
def regenerate_my_feed(ctx: AuthCtx) -> CalendarTokenOut:
    return service.regenerate_my_feed(
        ctx.session, principal=ctx.principal, now=ctx.now, public_url=_public_url(ctx)
    )


@router.get(
    "/ical/schedules/{token}.ics",
    response_class=Response,
    responses=_CALENDAR_RESPONSE,  # type: ignore[arg-type]
    summary="A schedule's shifts as iCalendar (public: the token is the credential)",
)
def schedule_calendar(token: str, tx: PublicTx) -> Response:
    text = service.schedule_feed(tx.session, token=token, now=tx.now)
    return Response(text, media_type=CALENDAR)


@router.get(
    "/ical/users/{token}.ics",
    response_class=Response,
    responses=_CALENDAR_RESPONSE,  # type: ignore[arg-type]
    summary="A user's shifts in every schedule as iCalendar (public: the token is the credential)",
)
def user_calendar(token: str, tx: PublicTx) -> Response:
    text = service.user_feed(tx.session, token=token, now=tx.now)
    return Response(text, media_type=CALENDAR)
