"""Teams and users: the directory, team membership, and (admins) new accounts."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from slar.client import calls
from slar.client.core import ApiError
from slar.web.forms import FormError
from slar.web.ui import Ui, signed_in

router = APIRouter()
UiDep = Annotated[Ui, Depends(signed_in)]


@router.get("/teams")
async def teams_page(ui: UiDep) -> Response:
    teams, users = await asyncio.gather(ui.call(calls.list_teams()), ui.call(calls.list_users()))
    return ui.render("pages/teams.html", teams=teams, users=users)


@router.post("/teams")
async def create_team(ui: UiDep) -> Response:
    form = await ui.form()
    try:
        team = await ui.call(calls.create_team(form.get("name"), form.get("description")))
    except ApiError as exc:
        return ui.refused(exc, "/teams")
    ui.flash(f"Team {team.name} created.", "success")
    return ui.redirect(f"/teams/{team.id}")


@router.get("/teams/{team_id:int}")
async def team_page(ui: UiDep, team_id: int) -> Response:
    team, users = await asyncio.gather(
        ui.call(calls.get_team(team_id)), ui.call(calls.list_users())
    )
    return ui.render("pages/team.html", team=team, users=users)


@router.post("/teams/{team_id:int}/members")
async def set_member(ui: UiDep, team_id: int) -> Response:
    form = await ui.form()
    here = f"/teams/{team_id}"
    try:
        user_id = form.number("user_id", label="user")
    except FormError as exc:
        return ui.refused(exc, here)
    if form.get("remove"):
        return await ui.act(
            calls.remove_member(team_id, user_id), done="Member removed.", then=here
        )
    role = form.get("role") or "member"
    return await ui.act(calls.set_member(team_id, user_id, role), done="Member saved.", then=here)


@router.post("/users")
async def create_user(ui: UiDep) -> Response:
    form = await ui.form()
    return await ui.act(
        calls.create_user(
            form.get("email"),
            form.get("name"),
            form.get("role") or "responder",
            form.get("password") or None,
        ),
        done=f"User {form.get('email')} created.",
        then="/teams#users",
    )
