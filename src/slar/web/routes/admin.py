"""Admin: dead jobs (with retry), queue figures, and integration health (last alert seen)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.web.ui import Ui, signed_in

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


@router.get("/admin")
async def admin_page(ui: UiDep) -> Response:
    if not ui.viewer.is_admin:
        return ui.render("pages/error.html", 403, title="Not allowed", message="Admins only.")
    dead, stats, services, health = await asyncio.gather(
        ui.call(calls.dead_jobs(limit=100)),
        ui.call(calls.job_stats()),
        ui.call(calls.list_services()),
        ui.call(calls.integration_health()),
    )
    return ui.render(
        "pages/admin.html",
        dead=dead,
        stats=stats,
        health=health,
        service_names={s.id: s.name for s in services},
    )


@router.post("/admin/jobs/{job_id:int}/retry")
async def retry(ui: UiDep, job_id: int) -> Response:
    return await ui.act(calls.retry_job(job_id), done=f"Job {job_id} queued again.", then="/admin")
