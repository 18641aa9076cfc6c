"""Schedules: list and create, the layer editor, overrides, and a two-week timeline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.web.forms import Form, FormError
from slar.web.ui import Ui, renderer, signed_in
from slar.web.views.timeline import timeline

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]
DAYS = 14
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def _instant(form: Form, name: str, label: str) -> datetime:
    """A ``datetime-local`` field, read as UTC (the form says so)."""
    try:
        return datetime.fromisoformat(form.get(name)).replace(tzinfo=UTC)
    except ValueError:
        raise FormError(f"{label}: a date and time is required") from None


def _layer(form: Form) -> dict[str, Any]:
    kind = form.get("rotation") or "weekly"
    rotation: dict[str, Any] = {"type": kind, "length": form.number("length", label="turn length")}
    if kind in {"daily", "weekly"}:
        rotation["handoff_time"] = form.get("handoff_time") or "09:00"
    if kind == "weekly":
        rotation["handoff_weekday"] = form.get("handoff_weekday") or "monday"
    return {
        "name": form.get("layer_name") or "Primary",
        "users": form.ints("users"),
        "rotation": rotation,
        "start": _instant(form, "start", "rotation start").isoformat(),
    }


@router.get("/schedules")
async def schedule_list(ui: UiDep) -> Response:
    schedules, teams, users, oncall = await asyncio.gather(
        ui.call(calls.list_schedules()),
        ui.call(calls.list_teams()),
        ui.call(calls.list_users()),
        ui.call(calls.oncall_everywhere()),
    )
    return ui.render(
        "pages/schedules.html",
        schedules=schedules,
        teams=teams,
        users=users,
        oncall={o.schedule_id: o for o in oncall},
        zones=ZONES,
        today=renderer(ui.request).now().strftime("%Y-%m-%dT09:00"),
    )


@router.post("/schedules")
async def create_schedule(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        body = {
            "team_id": form.number("team_id", label="team"),
            "name": form.get("name"),
            "description": form.get("description"),
            "time_zone": form.get("time_zone") or "UTC",
            "layers": [_layer(form)] if form.getlist("users") else [],
        }
        schedule = await ui.call(calls.create_schedule(body))
    except (ApiError, FormError) as exc:
        return ui.refused(exc, "/schedules")
    ui.flash(f"Schedule {schedule.name} created.", "success")
    return ui.redirect(f"/schedules/{schedule.id}")


@router.get("/schedules/{schedule_id:int}")
async def schedule_detail(ui: UiDep, schedule_id: int) -> Response:
    now = renderer(ui.request).now()
    start = now.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=DAYS)
    schedule, shifts, overrides, users, current = await asyncio.gather(
        ui.call(calls.get_schedule(schedule_id)),
        ui.call(calls.shifts(schedule_id, start, end)),
        ui.call(calls.list_overrides(schedule_id)),
        ui.call(calls.list_users()),
        ui.call(calls.oncall(schedule_id)),
    )
    return ui.render(
        "pages/schedule.html",
        schedule=schedule,
        chart=timeline(shifts, now=now),
        shifts=shifts,
        overrides=overrides,
        users=users,
        names={u.id: u.name or u.email for u in users},
        current=current,
        today=now.strftime("%Y-%m-%dT09:00"),
    )


@router.post("/schedules/{schedule_id:int}/layers")
async def add_layer(ui: UiDep, schedule_id: int) -> Response:
    here = f"/schedules/{schedule_id}"
    form = await ui.form()
    try:
        layer = _layer(form)
    except FormError as exc:
        return ui.refused(exc, here)
    return await ui.act(calls.add_layer(schedule_id, layer), done="Layer added.", then=here)


@router.post("/schedules/{schedule_id:int}/layers/{layer_id:int}/delete")
async def delete_layer(ui: UiDep, schedule_id: int, layer_id: int) -> Response:
    here = f"/schedules/{schedule_id}"
    return await ui.act(calls.delete_layer(schedule_id, layer_id), done="Layer removed.", then=here)


@router.post("/schedules/{schedule_id:int}/overrides")
async def create_override(ui: UiDep, schedule_id: int) -> Response:
    here = f"/schedules/{schedule_id}"
    form = await ui.form()
    try:
        call = calls.create_override(
            schedule_id,
            form.number("user_id", label="user"),
            _instant(form, "start", "override start"),
            _instant(form, "end", "override end"),
        )
    except FormError as exc:
        return ui.refused(exc, here)
    return await ui.act(call, done="Override added.", then=here)


@router.post("/schedules/{schedule_id:int}/overrides/{override_id:int}/delete")
async def delete_override(ui: UiDep, schedule_id: int, override_id: int) -> Response:
    here = f"/schedules/{schedule_id}"
    call = calls.delete_override(schedule_id, override_id)
    return await ui.act(call, done="Override removed.", then=here)
