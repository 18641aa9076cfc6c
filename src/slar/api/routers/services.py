"""Services: what teams run and get paged for. Everyone reads; team writers change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from slar.api.deps import AuthCtx
from slar.domain.catalog import service
from slar.domain.catalog.schemas import ServiceCreateIn, ServiceOut, ServicePatchIn

router = APIRouter(prefix="/services", tags=["services"])


@router.get("", summary="List services, optionally of one team or matching a text")
def list_services(
    ctx: AuthCtx,
    team_id: int | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ServiceOut]:
    return service.list_services(ctx.session, principal=ctx.principal, team_id=team_id, query=q)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a service (team writer)")
def create_service(body: ServiceCreateIn, ctx: AuthCtx) -> ServiceOut:
    return service.create_service(
        ctx.session, **body.model_dump(), principal=ctx.principal, now=ctx.now
    )


@router.get("/{service_id}", summary="One service")
def get_service(service_id: int, ctx: AuthCtx) -> ServiceOut:
    return service.get_service(ctx.session, service_id=service_id, principal=ctx.principal)


@router.patch("/{service_id}", summary="Change a service (team writer; both teams to move it)")
def update_service(service_id: int, body: ServicePatchIn, ctx: AuthCtx) -> ServiceOut:
    return service.update_service(
        ctx.session, service_id=service_id, patch=body, principal=ctx.principal
    )


@router.delete(
    "/{service_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a service that never had an incident, with its integrations",
)
def delete_service(service_id: int, ctx: AuthCtx) -> None:
    service.delete_service(ctx.session, service_id=service_id, principal=ctx.principal)
