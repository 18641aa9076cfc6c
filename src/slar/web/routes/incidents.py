"""Incidents: the self-refreshing list, the detail page, and the responder's actions."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import HTMLResponse, Response

from slar.client import calls
from slar.client.core import ApiError
from slar.domain.incidents.schemas import IncidentPage
from slar.web.forms import FormError
from slar.web.ui import Ui, renderer, signed_in
from slar.web.views.incidents import Filters

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]
PAGE = 50
SIMPLE_ACTIONS = {
    "acknowledge": "Acknowledged.",
    "unacknowledge": "Back to triggered.",
    "resolve": "Resolved.",
}


def _filters(
    status: Annotated[list[str] | None, Query()] = None,
    urgency: str | None = None,
    service_id: str | None = None,
    q: str | None = None,
    offset: int = 0,
) -> Filters:
    return Filters.parse(status, urgency, service_id, q, offset)


FiltersDep = Annotated[Filters, Depends(_filters)]


async def _page(ui: Ui, filters: Filters) -> IncidentPage:
    return await ui.call(
        calls.list_incidents(
            status=filters.status,
            urgency=filters.urgency,
            service_id=filters.service_id,
            q=filters.q,
            limit=PAGE,
            offset=filters.offset,
        )
    )


@router.get("/incidents")
async def incident_list(ui: UiDep, filters: FiltersDep) -> Response:
    page, services, users = await asyncio.gather(
        _page(ui, filters), ui.call(calls.list_services()), ui.call(calls.list_users())
    )
    return ui.render(
        "pages/incidents.html",
        page=page,
        filters=filters,
        services=services,
        names={u.id: u.name or u.email for u in users},
        page_size=PAGE,
    )


@router.get("/incidents/rows")
async def incident_rows(ui: UiDep, filters: FiltersDep) -> Response:
    """The list's table body alone: what the page's script fetches to refresh itself."""
    page, users = await asyncio.gather(_page(ui, filters), ui.call(calls.list_users()))
    html = renderer(ui.request).html(
        "partials/incident_rows.html",
        incidents=page.items,
        names={u.id: u.name or u.email for u in users},
    )
    return HTMLResponse(html)


@router.post("/incidents")
async def create_incident(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        incident = await ui.call(
            calls.create_incident(
                form.number("service_id", label="service"),
                form.get("title"),
                description=form.get("description"),
                **({"urgency": form.get("urgency")} if form.get("urgency") else {}),
            )
        )
    except (ApiError, FormError) as exc:
        return ui.refused(exc, "/incidents")
    ui.flash(f"Incident #{incident.number} opened.", "success")
    return ui.redirect(f"/incidents/{incident.id}")


@router.get("/incidents/{incident_id:int}")
async def incident_detail(ui: UiDep, incident_id: int) -> Response:
    incident, alerts, events, users = await asyncio.gather(
        ui.call(calls.get_incident(incident_id)),
        ui.call(calls.incident_alerts(incident_id)),
        ui.call(calls.timeline(incident_id)),
        ui.call(calls.list_users()),
    )
    return ui.render(
        "pages/incident.html",
        incident=incident,
        alerts=alerts,
        events=sorted(events, key=lambda e: (e.at, e.id), reverse=True),
        users=users,
        names={u.id: u.name or u.email for u in users},
    )


@router.post("/incidents/{incident_id:int}/{action}")
async def incident_action(ui: UiDep, incident_id: int, action: str) -> Response:
    here = f"/incidents/{incident_id}"
    form = await ui.form()
    try:
        if action in SIMPLE_ACTIONS:
            body = {"note": form.get("note")} if action == "resolve" and form.get("note") else None
            return await ui.act(
                calls.incident_action(incident_id, action, body),
                done=SIMPLE_ACTIONS[action],
                then=here,
            )
        if action == "reassign":
            assignee = form.optional_int("assignee_id", label="assignee")
            call = calls.incident_action(incident_id, "reassign", {"assignee_id": assignee})
            return await ui.act(call, done="Reassigned.", then=here)
        if action == "snooze":
            minutes = form.number("minutes", label="snooze minutes")
            call = calls.incident_action(incident_id, "snooze", {"minutes": minutes})
            return await ui.act(call, done=f"Snoozed for {minutes} minutes.", then=here)
        if action == "escalate":
            return await ui.act(calls.escalate(incident_id), done="Escalated.", then=here)
        if action == "note":
            return await ui.act(
                calls.add_note(incident_id, form.get("text")), done="Note added.", then=here
            )
    except FormError as exc:
        return ui.refused(exc, here)
    return ui.render("pages/error.html", 404, title="Not found", message="No such action.")
