"""Maintenance windows: while one is open, a service's alerts are stored but page nobody."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import AwareDatetime

from slar.api.deps import AuthCtx
from slar.domain.catalog import service
from slar.domain.catalog.schemas import MaintenanceWindowIn, MaintenanceWindowOut

router = APIRouter(tags=["maintenance"])


@router.get(
    "/services/{service_id:int}/maintenance-windows",
    summary="Maintenance windows of a service (newest first); active_at keeps those open then",
)
def list_windows(
    service_id: int, ctx: AuthCtx, active_at: AwareDatetime | None = None
) -> list[MaintenanceWindowOut]:
    return service.list_maintenance_windows(
        ctx.session, service_id=service_id, principal=ctx.principal, active_at=active_at
    )


@router.post(
    "/services/{service_id:int}/maintenance-windows",
    status_code=status.HTTP_201_CREATED,
    summary="Schedule a maintenance window (team writer)",
)
def create_window(service_id: int, body: MaintenanceWindowIn, ctx: AuthCtx) -> MaintenanceWindowOut:
    return service.create_maintenance_window(
        ctx.session,
        service_id=service_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        description=body.description,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.delete(
    "/maintenance-windows/{window_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End a window: cut short if running (history kept), deleted if in the future",
)
def end_window(window_id: int, ctx: AuthCtx) -> None:
    service.end_maintenance_window(
        ctx.session, window_id=window_id, principal=ctx.principal, now=ctx.now
    )
