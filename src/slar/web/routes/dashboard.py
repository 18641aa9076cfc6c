"""The dashboard: my open incidents, all open ones by urgency, who is on call, MTTA/MTTR."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.domain.identity.schemas import UserOut
from slar.domain.incidents.schemas import IncidentAnalyticsOut, IncidentPage
from slar.web.ui import Ui, renderer, signed_in
from slar.web.views import charts
from slar.web.views.incidents import OPEN, STATUSES, by_urgency

ALL_STATUSES = list(STATUSES)

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


async def _stats(
    ui: Ui, now: datetime
) -> tuple[IncidentAnalyticsOut, IncidentAnalyticsOut, IncidentPage, list[UserOut]]:
    """Response times over 7 and 30 days, the month's incidents (for the charts), the users."""
    return await asyncio.gather(
        ui.call(calls.incident_analytics(since=now - timedelta(days=7), until=now)),
        ui.call(calls.incident_analytics(since=now - timedelta(days=30), until=now)),
        ui.call(
            calls.list_incidents(status=ALL_STATUSES, since=now - timedelta(days=30), limit=200)
        ),
        ui.call(calls.list_users()),
    )


@router.get("/")
async def dashboard(ui: UiDep) -> Response:
    now = renderer(ui.request).now()
    (mine, everyone, oncall), (week, month, recent, users) = await asyncio.gather(
        asyncio.gather(
            ui.call(calls.list_incidents(status=OPEN, assignee_id=ui.viewer.me.id, limit=20)),
            ui.call(calls.list_incidents(status=OPEN, limit=100)),
            ui.call(calls.oncall_everywhere()),
        ),
        _stats(ui, now),
    )
    series = {
        (days, measure): charts.sparkline(
            charts.daily_means(recent.items, now=now, days=days, measure=measure),
            label=f"{'MTTA' if measure == 'ack' else 'MTTR'} per day, last {days} days",
        )
        for days in (7, 30)
        for measure in ("ack", "resolve")
    }
    return ui.render(
        "pages/dashboard.html",
        mine=mine,
        groups=by_urgency(everyone.items),
        open_total=everyone.total,
        oncall=oncall,
        stats={7: week.overall, 30: month.overall},
        series=series,
        activity=sorted(recent.items, key=lambda i: i.updated_at, reverse=True)[:10],
        names={u.id: u.name or u.email for u in users},
    )
