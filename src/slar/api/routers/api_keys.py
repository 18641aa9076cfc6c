"""API keys: long-lived credentials acting as their owner. The secret is shown once, at
creation; only its digest is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from slar.api.deps import AuthCtx
from slar.domain.identity import service
from slar.domain.identity.schemas import ApiKeyCreatedOut, ApiKeyCreateIn, ApiKeyOut

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.get("", summary="The caller's API keys (an admin may ask for another user's)")
def list_api_keys(
    ctx: AuthCtx, user_id: Annotated[int | None, Query(description="admin only")] = None
) -> list[ApiKeyOut]:
    keys = service.list_api_keys(ctx.session, principal=ctx.principal, user_id=user_id)
    return [ApiKeyOut.model_validate(k) for k in keys]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key for the caller; the key is shown only in this response",
)
def create_api_key(body: ApiKeyCreateIn, ctx: AuthCtx) -> ApiKeyCreatedOut:
    created = service.create_api_key(
        ctx.session,
        name=body.name,
        expires_at=body.expires_at,
        principal=ctx.principal,
        now=ctx.now,
    )
    out = ApiKeyOut.model_validate(created.key).model_dump()
    return ApiKeyCreatedOut(**out, key=created.secret)


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key (its owner or an admin)",
)
def revoke_api_key(key_id: int, ctx: AuthCtx) -> None:
    service.revoke_api_key(ctx.session, key_id=key_id, principal=ctx.principal, now=ctx.now)
