"""Alerts (read-only): a filtered list and one alert with its raw payload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from slar.api.deps import AuthCtx
from slar.domain.incidents import rules, service
from slar.domain.incidents.schemas import AlertDetailOut, AlertPage

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("", summary="List alerts, newest first")
def list_alerts(
    ctx: AuthCtx,
    incident_id: int | None = None,
    service_id: int | None = None,
    status_: Annotated[
        list[str] | None,
        Query(alias="status", description="triggered, acknowledged, resolved or open"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=rules.LIST_LIMIT_MAX)] = rules.LIST_LIMIT_DEFAULT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertPage:
    items, total = service.list_alerts(
        ctx.session,
        incident_id=incident_id,
        service_id=service_id,
        status=status_,
        limit=limit,
        offset=offset,
    )
    return AlertPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{alert_id}", summary="One alert, with the payload it arrived with")
def get_alert(alert_id: int, ctx: AuthCtx) -> AlertDetailOut:
    return service.get_alert(ctx.session, alert_id=alert_id)
