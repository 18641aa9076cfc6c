"""Integrations (inbound keys) of services and their routing rules.

Management paths use an integer ``{integration_id}`` (``:int`` converter) so they can never be
taken for the ingestion paths ``/integrations/{key}/{format}`` served by ``ingest.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from slar.api.deps import AuthCtx
from slar.domain.catalog import service
from slar.domain.catalog.schemas import (
    IntegrationCreateIn,
    IntegrationOut,
    IntegrationPatchIn,
    RoutingRuleIn,
    RoutingRuleOut,
)

router = APIRouter(tags=["integrations"])


def _public_url(ctx: AuthCtx) -> str:
    return ctx.state.settings.http.public_url


@router.get("/services/{service_id:int}/integrations", summary="Integrations of a service")
def list_integrations(service_id: int, ctx: AuthCtx) -> list[IntegrationOut]:
    return service.list_integrations(
        ctx.session, service_id=service_id, principal=ctx.principal, public_url=_public_url(ctx)
    )


@router.post(
    "/services/{service_id:int}/integrations",
    status_code=status.HTTP_201_CREATED,
    summary="Create an integration; the answer carries its key and sender URL",
)
def create_integration(service_id: int, body: IntegrationCreateIn, ctx: AuthCtx) -> IntegrationOut:
    return service.create_integration(
        ctx.session,
        service_id=service_id,
        name=body.name,
        kind=body.kind,
        principal=ctx.principal,
        public_url=_public_url(ctx),
        now=ctx.now,
        expect_every_seconds=body.expect_every_seconds,
    )


@router.get("/integrations/{integration_id:int}", summary="One integration")
def get_integration(integration_id: int, ctx: AuthCtx) -> IntegrationOut:
    return service.get_integration(
        ctx.session,
        integration_id=integration_id,
        principal=ctx.principal,
        public_url=_public_url(ctx),
    )


@router.patch(
    "/integrations/{integration_id:int}", summary="Rename an integration or move it to a service"
)
def update_integration(
    integration_id: int, body: IntegrationPatchIn, ctx: AuthCtx
) -> IntegrationOut:
    return service.update_integration(
        ctx.session,
        integration_id=integration_id,
        name=body.name,
        service_id=body.service_id,
        expect_every_seconds=body.expect_every_seconds,
        expectation_given="expect_every_seconds" in body.model_fields_set,
        principal=ctx.principal,
        public_url=_public_url(ctx),
    )


@router.delete(
    "/integrations/{integration_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an integration; its key stops working",
)
def delete_integration(integration_id: int, ctx: AuthCtx) -> None:
    service.delete_integration(ctx.session, integration_id=integration_id, principal=ctx.principal)


@router.post(
    "/integrations/{integration_id:int}/regenerate-key",
    summary="Replace the key; the old key stops working at once",
)
def regenerate_key(integration_id: int, ctx: AuthCtx) -> IntegrationOut:
    return service.regenerate_key(
        ctx.session,
        integration_id=integration_id,
        principal=ctx.principal,
        public_url=_public_url(ctx),
        now=ctx.now,
    )


@router.get(
    "/integrations/{integration_id:int}/routing-rules", summary="Routing rules, in match order"
)
def get_routing_rules(integration_id: int, ctx: AuthCtx) -> list[RoutingRuleOut]:
    return service.get_routing_rules(
        ctx.session, integration_id=integration_id, principal=ctx.principal
    )


@router.put(
    "/integrations/{integration_id:int}/routing-rules",
    summary="Replace all routing rules; list order is match order (first match wins)",
)
def replace_routing_rules(
    integration_id: int, body: list[RoutingRuleIn], ctx: AuthCtx
) -> list[RoutingRuleOut]:
    return service.replace_routing_rules(
        ctx.session, integration_id=integration_id, rules=body, principal=ctx.principal
    )
