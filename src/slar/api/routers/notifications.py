"""Notifications: your contact methods (create, verify, test), your notification rules, and
the deliveries made to you or for an incident. Admins may act for any user (``user_id``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from slar.api.deps import AuthCtx
from slar.api.errors import error_body
from slar.domain.notifications import service
from slar.domain.notifications.rules import RuleSpec
from slar.domain.notifications.schemas import (
    ContactMethodIn,
    ContactMethodOut,
    ContactMethodPatchIn,
    DeliveryOut,
    DeliveryPage,
    RulesIn,
    RulesOut,
    VerifyIn,
)

router = APIRouter(tags=["notifications"])

UserParam = Annotated[
    int | None, Query(description="whose settings (admins only); default: the caller")
]


@router.get("/notifications/contact-methods", summary="List contact methods")
def list_contact_methods(ctx: AuthCtx, user_id: UserParam = None) -> list[ContactMethodOut]:
    return service.list_contact_methods(ctx.session, principal=ctx.principal, user_id=user_id)


@router.post(
    "/notifications/contact-methods",
    status_code=status.HTTP_201_CREATED,
    summary="Add a contact method (e-mail, SMS, Slack or webhook)",
)
def create_contact_method(body: ContactMethodIn, ctx: AuthCtx) -> ContactMethodOut:
    return service.create_contact_method(
        ctx.session, principal=ctx.principal, **body.model_dump(), now=ctx.now
    )


@router.patch(
    "/notifications/contact-methods/{contact_method_id}",
    summary="Change a method's label or address (re-verify), or rotate a webhook secret",
)
def update_contact_method(
    contact_method_id: int, body: ContactMethodPatchIn, ctx: AuthCtx
) -> ContactMethodOut:
    return service.update_contact_method(
        ctx.session,
        principal=ctx.principal,
        contact_method_id=contact_method_id,
        patch=body,
        now=ctx.now,
    )


@router.delete(
    "/notifications/contact-methods/{contact_method_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a method, its rules and its queued deliveries",
)
def delete_contact_method(contact_method_id: int, ctx: AuthCtx) -> None:
    service.delete_contact_method(
        ctx.session, principal=ctx.principal, contact_method_id=contact_method_id, now=ctx.now
    )


@router.post(
    "/notifications/contact-methods/{contact_method_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a test message now (verifies a webhook that answers 2xx)",
)
def send_test(contact_method_id: int, ctx: AuthCtx) -> DeliveryOut:
    return service.send_test(
        ctx.session, principal=ctx.principal, contact_method_id=contact_method_id, now=ctx.now
    )


@router.post(
    "/notifications/contact-methods/{contact_method_id}/send-code",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a 6-digit verification code (e-mail and SMS methods)",
)
def send_code(contact_method_id: int, ctx: AuthCtx) -> DeliveryOut:
    return service.send_code(
        ctx.session, principal=ctx.principal, contact_method_id=contact_method_id, now=ctx.now
    )


@router.post(
    "/notifications/contact-methods/{contact_method_id}/verify",
    response_model=ContactMethodOut,
    responses={400: {"description": "wrong code (the attempt is counted)"}},
    summary="Verify a method with the code it received (5 attempts per code)",
)
def verify(contact_method_id: int, body: VerifyIn, ctx: AuthCtx) -> Any:
    method, check = service.verify_code(
        ctx.session,
        principal=ctx.principal,
        contact_method_id=contact_method_id,
        code=body.code,
        now=ctx.now,
    )
    if check.verified:
        return method
    # Answered without raising so that the counted attempt commits.
    return JSONResponse(
        error_body(
            "notification.wrong_code",
            f"wrong verification code; {check.attempts_left} attempts left",
            attempts_left=check.attempts_left,
        ),
        status_code=400,
    )


@router.get("/notifications/rules", summary="Your notification rules")
def get_rules(ctx: AuthCtx, user_id: UserParam = None) -> RulesOut:
    return service.get_rules(ctx.session, principal=ctx.principal, user_id=user_id)


@router.put("/notifications/rules", summary="Replace your notification rules (empty: default)")
def replace_rules(body: RulesIn, ctx: AuthCtx, user_id: UserParam = None) -> RulesOut:
    return service.replace_rules(
        ctx.session,
        principal=ctx.principal,
        rules_in=[RuleSpec(r.contact_method_id, r.urgency, r.delay_minutes) for r in body.rules],
        user_id=user_id,
        now=ctx.now,
    )


@router.get("/notifications/deliveries", summary="Messages sent to you, newest first")
def list_deliveries(
    ctx: AuthCtx,
    user_id: UserParam = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeliveryPage:
    return service.list_deliveries(
        ctx.session, principal=ctx.principal, user_id=user_id, limit=limit, offset=offset
    )


@router.get(
    "/incidents/{incident_id}/deliveries",
    summary="Every message made for an incident (others' addresses masked)",
)
def incident_deliveries(incident_id: int, ctx: AuthCtx) -> list[DeliveryOut]:
    return service.incident_deliveries(
        ctx.session, principal=ctx.principal, incident_id=incident_id
    )
