"""Escalation policies: list, and an editor of levels (delay + who to page)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.web.forms import Form, FormError
from slar.web.ui import Ui, signed_in

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]
MAX_FORM_LEVELS = 6


def _policy_body(form: Form) -> dict[str, Any]:
    """Levels from rows ``level-N-delay`` / ``level-N-targets`` (``user:3``); empty rows skipped."""
    levels = []
    for n in range(MAX_FORM_LEVELS):
        targets = []
        for value in form.getlist(f"level-{n}-targets"):
            kind, _, ident = value.partition(":")
            if kind not in {"user", "schedule", "team"} or not ident.isdigit():
                raise FormError(f"level {n + 1}: unknown target {value!r}")
            targets.append({"kind": kind, "id": int(ident)})
        if targets:
            delay = form.number(f"level-{n}-delay", label=f"level {n + 1} delay")
            levels.append({"delay_minutes": delay, "targets": targets})
    if not levels:
        raise FormError("levels: pick at least one person, schedule or team to page")
    return {
        "team_id": form.number("team_id", label="team"),
        "name": form.get("name"),
        "description": form.get("description"),
        "repeat_count": form.number("repeat_count", label="repeats"),
        "levels": levels,
    }


async def _choices(ui: Ui) -> dict[str, Any]:
    teams, users, schedules = await asyncio.gather(
        ui.call(calls.list_teams()), ui.call(calls.list_users()), ui.call(calls.list_schedules())
    )
    return {"teams": teams, "users": users, "schedules": schedules, "max_levels": MAX_FORM_LEVELS}


@router.get("/escalation-policies")
async def policy_list(ui: UiDep) -> Response:
    policies, choices = await asyncio.gather(
        ui.call(calls.list_escalation_policies()), _choices(ui)
    )
    return ui.render("pages/policies.html", policies=policies, policy=None, **choices)


@router.post("/escalation-policies")
async def create_policy(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        policy = await ui.call(calls.create_escalation_policy(_policy_body(form)))
    except (ApiError, FormError) as exc:
        return ui.refused(exc, "/escalation-policies")
    ui.flash(f"Escalation policy {policy.name} created.", "success")
    return ui.redirect(f"/escalation-policies/{policy.id}")


@router.get("/escalation-policies/{policy_id:int}")
async def policy_detail(ui: UiDep, policy_id: int) -> Response:
    policy, choices = await asyncio.gather(
        ui.call(calls.get_escalation_policy(policy_id)), _choices(ui)
    )
    return ui.render("pages/policy.html", policy=policy, **choices)


@router.post("/escalation-policies/{policy_id:int}")
async def replace_policy(ui: UiDep, policy_id: int) -> Response:
    here = f"/escalation-policies/{policy_id}"
    form = await ui.form()
    try:
        body = _policy_body(form)
    except FormError as exc:
        return ui.refused(exc, here)
    return await ui.act(
        calls.replace_escalation_policy(policy_id, body), done="Policy saved.", then=here
    )
