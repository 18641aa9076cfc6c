"""Users: the directory (any principal reads it), creation and changes (admins; self-service
for one's own name, timezone and password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from slar.api.deps import AuthCtx
from slar.domain.identity import service
from slar.domain.identity.schemas import UserCreateIn, UserOut, UserPatchIn

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", summary="List users, optionally filtered by email or name")
def list_users(
    ctx: AuthCtx,
    q: Annotated[
        str | None, Query(max_length=200, description="substring of email or name")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[UserOut]:
    users = service.list_users(
        ctx.session, principal=ctx.principal, query=q, limit=limit, offset=offset
    )
    return [UserOut.model_validate(u) for u in users]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a user (admin)")
def create_user(body: UserCreateIn, ctx: AuthCtx) -> UserOut:
    user = service.create_user(
        ctx.session,
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        principal=ctx.principal,
        now=ctx.now,
    )
    return UserOut.model_validate(user)


@router.get("/{user_id}", summary="One user")
def get_user(user_id: int, ctx: AuthCtx) -> UserOut:
    return UserOut.model_validate(
        service.get_user(ctx.session, user_id=user_id, principal=ctx.principal)
    )


@router.patch("/{user_id}", summary="Change a user (admin) or one's own profile and password")
def update_user(user_id: int, body: UserPatchIn, ctx: AuthCtx) -> UserOut:
    user = service.update_user(
        ctx.session,
        user_id=user_id,
        changes=service.UserChanges(**body.model_dump(exclude_unset=True)),
        principal=ctx.principal,
        now=ctx.now,
    )
    return UserOut.model_validate(user)
