"""Escalation policies, and manual escalation of an incident."""

from __future__ import annotations

from fastapi import APIRouter, status

from slar.api.deps import AuthCtx
from slar.domain.escalation import service
from slar.domain.escalation.schemas import PolicyIn, PolicyOut
from slar.domain.incidents import service as incidents
from slar.domain.incidents.schemas import IncidentOut

router = APIRouter(tags=["escalation"])


@router.get("/escalation-policies", summary="List escalation policies")
def list_policies(ctx: AuthCtx, team_id: int | None = None) -> list[PolicyOut]:
    return service.list_policies(ctx.session, team_id=team_id)


@router.post("/escalation-policies", status_code=status.HTTP_201_CREATED, summary="Create a policy")
def create_policy(body: PolicyIn, ctx: AuthCtx) -> PolicyOut:
    return service.create_policy(ctx.session, body=body, principal=ctx.principal, now=ctx.now)


@router.get("/escalation-policies/{policy_id}", summary="One policy with its levels")
def get_policy(policy_id: int, ctx: AuthCtx) -> PolicyOut:
    return service.get_policy(ctx.session, policy_id=policy_id)


@router.put(
    "/escalation-policies/{policy_id}",
    summary="Replace a policy (open incidents keep the snapshot taken when they triggered)",
)
def replace_policy(policy_id: int, body: PolicyIn, ctx: AuthCtx) -> PolicyOut:
    return service.replace_policy(
        ctx.session, policy_id=policy_id, body=body, principal=ctx.principal, now=ctx.now
    )


@router.delete(
    "/escalation-policies/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a policy no service uses",
)
def delete_policy(policy_id: int, ctx: AuthCtx) -> None:
    service.delete_policy(ctx.session, policy_id=policy_id, principal=ctx.principal)


@router.post("/incidents/{incident_id}/escalate", summary="Page the next escalation level now")
def escalate(incident_id: int, ctx: AuthCtx) -> IncidentOut:
    service.escalate(ctx.session, incident_id=incident_id, principal=ctx.principal, now=ctx.now)
    return incidents.get_incident(ctx.session, incident_id=incident_id)
