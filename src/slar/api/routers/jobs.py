"""The job queue, for admins: dead jobs (and retrying them), queue depth and lag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from slar.api.deps import AuthCtx
from slar.domain.identity.rules import require_admin
from slar.jobs import admin
from slar.jobs.schemas import (
    DEAD_LIST_LIMIT_DEFAULT,
    DEAD_LIST_LIMIT_MAX,
    DeadJobPage,
    JobOut,
    JobStats,
)

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/dead", summary="Dead jobs, most recently failed first (admin)")
def list_dead(
    ctx: AuthCtx,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=DEAD_LIST_LIMIT_MAX)] = DEAD_LIST_LIMIT_DEFAULT,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DeadJobPage:
    require_admin(ctx.principal)
    return admin.list_dead(ctx.session, kind=kind, limit=limit, offset=offset)


@router.post(
    "/{job_id:int}/retry", summary="Queue a dead job again, due now, attempts reset (admin)"
)
def retry_dead(job_id: int, ctx: AuthCtx) -> JobOut:
    require_admin(ctx.principal)
    return admin.retry_dead(ctx.session, job_id=job_id, now=ctx.now)


@router.get("/stats", summary="Jobs by status and kind, and the oldest due job's lag (admin)")
def stats(ctx: AuthCtx) -> JobStats:
    require_admin(ctx.principal)
    return admin.stats(ctx.session, now=ctx.now)
