"""Teams and their membership: admins create and delete teams; a team's managers rename it
and manage who belongs to it."""

from __future__ import annotations

from fastapi import APIRouter, status

from slar.api.deps import AuthCtx
from slar.domain.identity import service
from slar.domain.identity.schemas import (
    TeamCreateIn,
    TeamDetailOut,
    TeamMemberIn,
    TeamMemberOut,
    TeamOut,
    TeamPatchIn,
)

router = APIRouter(prefix="/teams", tags=["teams"])


@router.get("", summary="List teams with their member counts")
def list_teams(ctx: AuthCtx) -> list[TeamOut]:
    return service.list_teams(ctx.session, principal=ctx.principal)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a team (admin)")
def create_team(body: TeamCreateIn, ctx: AuthCtx) -> TeamDetailOut:
    return service.create_team(
        ctx.session,
        name=body.name,
        description=body.description,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.get("/{team_id}", summary="One team with its members")
def get_team(team_id: int, ctx: AuthCtx) -> TeamDetailOut:
    return service.get_team(ctx.session, team_id=team_id, principal=ctx.principal)


@router.patch("/{team_id}", summary="Rename or describe a team (admin or team manager)")
def update_team(team_id: int, body: TeamPatchIn, ctx: AuthCtx) -> TeamDetailOut:
    return service.update_team(
        ctx.session,
        team_id=team_id,
        name=body.name,
        description=body.description,
        principal=ctx.principal,
    )


@router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a team that owns no service (admin)",
)
def delete_team(team_id: int, ctx: AuthCtx) -> None:
    service.delete_team(ctx.session, team_id=team_id, principal=ctx.principal)


@router.put(
    "/{team_id}/members/{user_id}",
    summary="Add a member or change their team role (admin or team manager)",
)
def set_member(team_id: int, user_id: int, body: TeamMemberIn, ctx: AuthCtx) -> TeamMemberOut:
    return service.set_membership(
        ctx.session, team_id=team_id, user_id=user_id, role=body.role, principal=ctx.principal
    )


@router.delete(
    "/{team_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member (admin or team manager)",
)
def remove_member(team_id: int, user_id: int, ctx: AuthCtx) -> None:
    service.remove_membership(
        ctx.session, team_id=team_id, user_id=user_id, principal=ctx.principal
    )
