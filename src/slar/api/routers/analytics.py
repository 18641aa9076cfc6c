"""Analytics: incident counts, MTTA and MTTR per service and team."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from slar.api.deps import AuthCtx
from slar.domain.incidents import service
from slar.domain.incidents.schemas import IncidentAnalyticsOut

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/incidents", summary="Counts, MTTA and MTTR of incidents created in a window")
def incident_analytics(
    ctx: AuthCtx,
    since: Annotated[datetime | None, Query(description="default: until minus 30 days")] = None,
    until: Annotated[datetime | None, Query(description="default: now")] = None,
) -> IncidentAnalyticsOut:
    return service.incident_analytics(ctx.session, since=since, until=until, now=ctx.now)
