"""Runbooks: search, read, write (markdown shown as written; links to services)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.domain.runbooks.schemas import RunbookHit
from slar.web.ui import Ui, signed_in

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


@router.get("/runbooks")
async def runbooks_page(ui: UiDep, q: str | None = None) -> Response:
    query = (q or "").strip()[:200]
    runbooks, services, teams = await asyncio.gather(
        ui.call(calls.list_runbooks()), ui.call(calls.list_services()), ui.call(calls.list_teams())
    )
    hits: list[RunbookHit] | None = None
    if query:
        hits = await ui.call(calls.search_runbooks(query, limit=20))
    return ui.render(
        "pages/runbooks.html",
        runbooks=runbooks,
        hits=hits,
        q=query,
        services=services,
        teams=teams,
        service_names={s.id: s.name for s in services},
    )


@router.get("/runbooks/{runbook_id:int}")
async def runbook_page(ui: UiDep, runbook_id: int) -> Response:
    runbook, services = await asyncio.gather(
        ui.call(calls.get_runbook(runbook_id)), ui.call(calls.list_services())
    )
    return ui.render("pages/runbook.html", runbook=runbook, services=services)


@router.post("/runbooks")
async def create_runbook(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        runbook = await ui.call(
            calls.create_runbook(
                form.get("title"),
                form.get("body"),
                form.ints("service_ids"),
                form.optional_int("team_id", label="team"),
            )
        )
    except ApiError as exc:
        return ui.refused(exc, "/runbooks")
    ui.flash(f"Runbook {runbook.title} saved.", "success")
    return ui.redirect(f"/runbooks/{runbook.id}")


@router.post("/runbooks/{runbook_id:int}")
async def update_runbook(ui: UiDep, runbook_id: int) -> Response:
    form = await ui.form()
    here = f"/runbooks/{runbook_id}"
    call = calls.update_runbook(
        runbook_id,
        title=form.get("title"),
        body=form.get("body"),
        service_ids=form.ints("service_ids"),
    )
    return await ui.act(call, done="Runbook saved.", then=here)
