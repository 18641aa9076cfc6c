"""Runbooks: markdown documents, their full-text search, and folder import."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from slar.api.deps import AuthCtx
from slar.domain.runbooks import rules, service
from slar.domain.runbooks.schemas import (
    RunbookHit,
    RunbookImportIn,
    RunbookImportOut,
    RunbookIn,
    RunbookOut,
    RunbookUpdate,
)

router = APIRouter(prefix="/runbooks", tags=["runbooks"])


@router.get("", summary="List runbooks by title; q keeps those matching the search text")
def list_runbooks(
    ctx: AuthCtx,
    service_id: int | None = None,
    q: Annotated[str | None, Query(max_length=rules.QUERY_MAX)] = None,
) -> list[RunbookOut]:
    return service.list_runbooks(ctx.session, principal=ctx.principal, service_id=service_id, q=q)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a runbook (writer)")
def create_runbook(body: RunbookIn, ctx: AuthCtx) -> RunbookOut:
    return service.create_runbook(
        ctx.session,
        title=body.title,
        body=body.body,
        service_ids=body.service_ids,
        team_id=body.team_id,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.get(
    "/search",
    summary='Full-text search (web-search syntax: words, "phrases", or, -word), best first, '
    "with the matching passage; service_id keeps runbooks linked to that service",
)
def search_runbooks(
    ctx: AuthCtx,
    q: Annotated[str, Query(max_length=rules.QUERY_MAX)],
    service_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=rules.SEARCH_LIMIT_MAX)] = 5,
) -> list[RunbookHit]:
    return service.search_runbooks(
        ctx.session, q=q, service_id=service_id, limit=limit, principal=ctx.principal
    )


@router.post(
    "/import",
    summary="Import markdown files: title from the first '# ' heading, else the file name; "
    "an existing title is updated",
)
def import_runbooks(body: RunbookImportIn, ctx: AuthCtx) -> RunbookImportOut:
    return service.import_runbooks(
        ctx.session,
        files=body.files,
        service_ids=body.service_ids,
        team_id=body.team_id,
        principal=ctx.principal,
        now=ctx.now,
    )


@router.get("/{runbook_id:int}", summary="One runbook")
def get_runbook(runbook_id: int, ctx: AuthCtx) -> RunbookOut:
    return service.get_runbook(ctx.session, runbook_id=runbook_id, principal=ctx.principal)


@router.patch("/{runbook_id:int}", summary="Change a runbook (writer of its team)")
def update_runbook(runbook_id: int, body: RunbookUpdate, ctx: AuthCtx) -> RunbookOut:
    return service.update_runbook(
        ctx.session, runbook_id=runbook_id, patch=body, principal=ctx.principal, now=ctx.now
    )


@router.delete(
    "/{runbook_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a runbook (writer of its team)",
)
def delete_runbook(runbook_id: int, ctx: AuthCtx) -> None:
    service.delete_runbook(ctx.session, runbook_id=runbook_id, principal=ctx.principal)
