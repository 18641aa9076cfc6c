"""Monitors: uptime checks and heartbeats with their state, uptime and response times."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.web.forms import FormError
from slar.web.ui import Ui, signed_in
from slar.web.views.charts import latency_chart

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


@router.get("/monitors")
async def monitors_page(ui: UiDep) -> Response:
    checks, heartbeats, services = await asyncio.gather(
        ui.call(calls.list_checks()),
        ui.call(calls.list_heartbeats()),
        ui.call(calls.list_services()),
    )
    stats = await asyncio.gather(*(ui.call(calls.check_stats(c.id)) for c in checks))
    return ui.render(
        "pages/monitors.html",
        checks=list(zip(checks, stats, strict=True)),
        heartbeats=heartbeats,
        services=services,
        service_names={s.id: s.name for s in services},
    )


@router.get("/monitors/checks/{check_id:int}")
async def check_page(ui: UiDep, check_id: int) -> Response:
    check, stats, results = await asyncio.gather(
        ui.call(calls.get_check(check_id)),
        ui.call(calls.check_stats(check_id)),
        ui.call(calls.check_results(check_id, limit=200)),
    )
    chart = latency_chart(
        [(r.started_at, r.ok, r.latency_ms) for r in results],
        label=f"Response time of {check.name}, last {len(results)} checks",
    )
    return ui.render(
        "pages/check.html", check=check, stats=stats, results=results[:20], chart=chart
    )


@router.post("/monitors/checks")
async def create_check(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        fields: dict[str, Any] = {
            "interval_seconds": form.number("interval_seconds", label="interval")
        }
        if form.get("keyword"):
            fields["keyword"] = form.get("keyword")
        check = await ui.call(
            calls.create_check(
                form.number("service_id", label="service"),
                form.get("name"),
                form.get("kind") or "http",
                form.get("target"),
                **fields,
            )
        )
    except (ApiError, FormError) as exc:
        return ui.refused(exc, "/monitors")
    ui.flash(f"Check {check.name} created: its first run is due now.", "success")
    return ui.redirect(f"/monitors/checks/{check.id}")


@router.post("/monitors/heartbeats")
async def create_heartbeat(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        call = calls.create_heartbeat(
            form.number("service_id", label="service"),
            form.get("name"),
            form.number("interval_seconds", label="interval"),
            form.number("grace_seconds", label="grace") if form.get("grace_seconds") else 0,
        )
    except FormError as exc:
        return ui.refused(exc, "/monitors")
    return await ui.act(call, done="Heartbeat created: send beats to its URL.", then="/monitors")
