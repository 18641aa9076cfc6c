"""Monitors: uptime checks (CRUD, results, statistics), heartbeat monitors (CRUD) and the
health of integrations. Everyone signed in reads; team writers change their services'."""

from __future__ import annotations

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from slar.api.deps import AuthCtx
from slar.domain.monitors import heartbeats, service, sweeps
from slar.domain.monitors.guard import policy_from_settings
from slar.domain.monitors.schemas import (
    RESULTS_LIMIT_MAX,
    CheckIn,
    CheckOut,
    CheckPatchIn,
    CheckResultOut,
    CheckStatsOut,
    HeartbeatIn,
    HeartbeatOut,
    HeartbeatPatchIn,
    IntegrationHealthOut,
)

router = APIRouter(prefix="/monitors", tags=["monitors"])


def _public_url(ctx: AuthCtx) -> str:
    return ctx.state.settings.http.public_url


# --- uptime checks ---------------------------------------------------------------------------


@router.get("/checks", summary="Uptime checks (of one service with service_id)")
def list_checks(ctx: AuthCtx, service_id: int | None = None) -> list[CheckOut]:
    return service.list_checks(ctx.session, principal=ctx.principal, service_id=service_id)


@router.post(
    "/checks",
    status_code=status.HTTP_201_CREATED,
    summary="Create an uptime check (team writer); private targets are refused unless allowed",
)
def create_check(body: CheckIn, ctx: AuthCtx) -> CheckOut:
    return service.create_check(
        ctx.session,
        body=body,
        principal=ctx.principal,
        policy=policy_from_settings(ctx.state.settings),
        now=ctx.now,
    )


@router.get("/checks/{check_id:int}", summary="One uptime check")
def get_check(check_id: int, ctx: AuthCtx) -> CheckOut:
    return service.get_check(ctx.session, check_id=check_id, principal=ctx.principal)


@router.patch("/checks/{check_id:int}", summary="Change an uptime check (team writer)")
def update_check(check_id: int, body: CheckPatchIn, ctx: AuthCtx) -> CheckOut:
    return service.update_check(
        ctx.session,
        check_id=check_id,
        patch=body,
        principal=ctx.principal,
        policy=policy_from_settings(ctx.state.settings),
        now=ctx.now,
    )


@router.delete(
    "/checks/{check_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an uptime check and its results (its incidents stay)",
)
def delete_check(check_id: int, ctx: AuthCtx) -> None:
    service.delete_check(ctx.session, check_id=check_id, principal=ctx.principal)


@router.get("/checks/{check_id:int}/results", summary="Results of a check, newest first")
def check_results(
    check_id: int,
    ctx: AuthCtx,
    since: AwareDatetime | None = None,
    limit: int = Query(100, ge=1, le=RESULTS_LIMIT_MAX),
) -> list[CheckResultOut]:
    return service.check_results(
        ctx.session, check_id=check_id, principal=ctx.principal, since=since, limit=limit
    )


@router.get(
    "/checks/{check_id:int}/stats",
    summary="Uptime over 24 h / 7 d / 30 d and latency percentiles of a check",
)
def check_stats(check_id: int, ctx: AuthCtx) -> CheckStatsOut:
    return service.check_stats(ctx.session, check_id=check_id, principal=ctx.principal, now=ctx.now)


# --- heartbeats ------------------------------------------------------------------------------


@router.get("/heartbeats", summary="Heartbeat monitors (of one service with service_id)")
def list_heartbeats(ctx: AuthCtx, service_id: int | None = None) -> list[HeartbeatOut]:
    return heartbeats.list_heartbeats(
        ctx.session, principal=ctx.principal, public_url=_public_url(ctx), service_id=service_id
    )


@router.post(
    "/heartbeats",
    status_code=status.HTTP_201_CREATED,
    summary="Create a heartbeat monitor (team writer); the answer carries its beat URL",
)
def create_heartbeat(body: HeartbeatIn, ctx: AuthCtx) -> HeartbeatOut:
    return heartbeats.create_heartbeat(
        ctx.session, body=body, principal=ctx.principal, public_url=_public_url(ctx), now=ctx.now
    )


@router.get("/heartbeats/{monitor_id:int}", summary="One heartbeat monitor")
def get_heartbeat(monitor_id: int, ctx: AuthCtx) -> HeartbeatOut:
    return heartbeats.get_heartbeat(
        ctx.session, monitor_id=monitor_id, principal=ctx.principal, public_url=_public_url(ctx)
    )


@router.patch("/heartbeats/{monitor_id:int}", summary="Change a heartbeat monitor (team writer)")
def update_heartbeat(monitor_id: int, body: HeartbeatPatchIn, ctx: AuthCtx) -> HeartbeatOut:
    return heartbeats.update_heartbeat(
        ctx.session,
        monitor_id=monitor_id,
        patch=body,
        principal=ctx.principal,
        public_url=_public_url(ctx),
        now=ctx.now,
    )


@router.post(
    "/heartbeats/{monitor_id:int}/regenerate-key",
    summary="Replace a heartbeat monitor's key; the old URL stops working at once",
)
def regenerate_heartbeat_key(monitor_id: int, ctx: AuthCtx) -> HeartbeatOut:
    return heartbeats.regenerate_heartbeat_key(
        ctx.session,
        monitor_id=monitor_id,
        principal=ctx.principal,
        public_url=_public_url(ctx),
        now=ctx.now,
    )


@router.delete(
    "/heartbeats/{monitor_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a heartbeat monitor (its incidents stay)",
)
def delete_heartbeat(monitor_id: int, ctx: AuthCtx) -> None:
    heartbeats.delete_heartbeat(ctx.session, monitor_id=monitor_id, principal=ctx.principal)


# --- integration health ----------------------------------------------------------------------


@router.get(
    "/integrations",
    summary="Integrations: last heard from, expected traffic period, silent or not",
)
def integration_health(ctx: AuthCtx, service_id: int | None = None) -> list[IntegrationHealthOut]:
    return sweeps.integration_health(
        ctx.session, principal=ctx.principal, service_id=service_id, now=ctx.now
    )
