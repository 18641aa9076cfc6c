"""Notification use cases: contact methods, personal rules, test messages, verification,
paging a user, and reading deliveries.

Functions take the session and keyword arguments, check permission, change state, enqueue the
sending jobs in the caller's transaction, and never commit. Sending itself is the job handler's
(``jobs.py``): nothing here touches the network.

Decisions a reader might question:

* Contact methods and rules are personal: every principal (observers included, since anyone can
  be put on call) manages their own; admins manage anyone's.
* A page goes only to verified methods. A user without any rule is paged by e-mail to their
  account address at once; the account address counts as verified (it is how they sign in), so
  an e-mail method created with it is verified on creation.
* A verification code is a 6-digit number stored as a digest, valid 15 minutes, 5 guesses. Its
  delivery is the one message an unverified method receives; the body is hidden in listings
  and erased once sent. A wrong guess answers 400 but its count is committed.
* Test messages go only to verified methods, except webhooks: a webhook is verified by a test
  delivery the receiver answers with 2xx. Tests and codes are limited to one a minute per method.
* Deleting a method, or changing its address, cancels its queued deliveries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.identity.models import User
from slar.domain.identity.rules import Principal
from slar.domain.notifications import render, rules
from slar.domain.notifications import repository as repo
from slar.domain.notifications.models import ContactMethod, Delivery, NotificationRule
from slar.domain.notifications.rules import (
    EMAIL,
    PAGE,
    QUEUED,
    SLACK,
    SMS,
    TEST,
    VERIFICATION,
    WEBHOOK,
    CodeCheck,
    RuleSpec,
)
from slar.domain.notifications.schemas import (
    ContactMethodOut,
    ContactMethodPatchIn,
    DeliveryOut,
    DeliveryPage,
    RuleOut,
    RulesOut,
)
from slar.jobs.queue import enqueue_once
from slar.kernel.errors import Conflict, InvalidInput, NotFound
from slar.kernel.ids import new_token

SEND_JOB = "notification.send"
SLACK_JOB = "slack.deliver"
SENT_HERE = (EMAIL, SMS, WEBHOOK)  # the channels of ``notification.send`` (Slack: its worker)
DELIVERY_MAX_ATTEMPTS = 5  # a message older than its retries is no longer worth sending


# --- helpers ---------------------------------------------------------------------------------


def _owner(session: Session, principal: Principal, user_id: int | None) -> User:
    owner_id = principal.user_id if user_id is None else user_id
    rules.require_self_or_admin(principal, owner_id)
    owner = repo.user(session, owner_id)
    if owner is None:
        raise NotFound(f"user {owner_id} not found", code="user.not_found", user_id=owner_id)
    return owner


def _method(
    session: Session, principal: Principal, contact_method_id: int, *, for_update: bool = False
) -> ContactMethod:
    method = repo.contact_method(session, contact_method_id, for_update=for_update)
    if method is None or (method.user_id != principal.user_id and not principal.is_admin):
        # Someone else's method is "not found" to a non-admin: ids reveal nothing.
        raise NotFound(
            f"contact method {contact_method_id} not found",
            code="notification.contact_method_not_found",
            contact_method_id=contact_method_id,
        )
    return method


def method_out(method: ContactMethod) -> ContactMethodOut:
    return ContactMethodOut(
        id=method.id,
        user_id=method.user_id,
        kind=method.kind,
        label=method.label,
        address=method.address,
        verified=method.verified,
        secret=method.secret if method.kind == WEBHOOK else None,
        created_at=method.created_at,
        updated_at=method.updated_at,
    )


def delivery_out(delivery: Delivery, viewer: Principal) -> DeliveryOut:
    """A delivery as ``viewer`` may see it: others' addresses masked, codes never shown."""
    own = viewer.is_admin or viewer.user_id == delivery.user_id
    body = render.REDACTED_CODE if delivery.purpose == VERIFICATION else delivery.body
    subject = "[SLAR] Verification code" if delivery.purpose == VERIFICATION else delivery.subject
    return DeliveryOut(
        id=delivery.id,
        user_id=delivery.user_id,
        incident_id=delivery.incident_id,
        contact_method_id=delivery.contact_method_id,
        channel=delivery.channel,
        address=delivery.address if own else rules.mask_address(delivery.channel, delivery.address),
        purpose=delivery.purpose,
        urgency=delivery.urgency,
        reason=delivery.reason,
        status=delivery.status,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        subject=subject,
        body=body if own else "",
        created_at=delivery.created_at,
        run_at=delivery.run_at,
        sent_at=delivery.sent_at,
    )


def create_delivery(
    session: Session,
    *,
    key: str,
    user_id: int,
    channel: str,
    address: str,
    purpose: str,
    now: datetime,
    run_at: datetime | None = None,
    incident_id: int | None = None,
    contact_method_id: int | None = None,
    urgency: str | None = None,
    reason: str = "",
    rendered: render.Rendered | None = None,
) -> Delivery | None:
    """Record one message and enqueue its sending; ``None`` if ``key`` was used already.

    Slack deliveries are enqueued as ``slack.deliver`` for the Slack worker; the others as
    ``notification.send``. A page is rendered when it is sent (the incident may have changed);
    every other purpose is rendered now (``rendered``).
    """
    delivery_id = _insert_delivery(
        session,
        key=key,
        user_id=user_id,
        channel=channel,
        address=address,
        purpose=purpose,
        now=now,
        run_at=run_at,
        incident_id=incident_id,
        contact_method_id=contact_method_id,
        urgency=urgency,
        reason=reason,
        rendered=rendered,
    )
    return None if delivery_id is None else session.get(Delivery, delivery_id)


def _insert_delivery(
    session: Session,
    *,
    key: str,
    user_id: int,
    channel: str,
    address: str,
    purpose: str,
    now: datetime,
    run_at: datetime | None,
    incident_id: int | None,
    contact_method_id: int | None,
    urgency: str | None,
    reason: str,
    rendered: render.Rendered | None = None,
    enqueue_send: bool = True,
) -> int | None:
    """``create_delivery`` without loading the row back: two statements, the paging hot path.
    Without ``enqueue_send`` the caller sends the delivery itself (see ``page_user_now``)."""
    due = run_at or now
    delivery_id = repo.insert_delivery(
        session,
        {
            "idempotency_key": key,
            "user_id": user_id,
            "incident_id": incident_id,
            "contact_method_id": contact_method_id,
            "channel": channel,
            "address": address,
            "purpose": purpose,
            "urgency": urgency,
            "reason": reason[:500],
            "status": QUEUED,
            "attempts": 0,
            "last_error": "",
            "subject": rendered.subject if rendered else "",
            "body": rendered.body_for(channel) if rendered else "",
            "created_at": now,
            "run_at": due,
            "sent_at": None,
        },
    )
    if delivery_id is None or not enqueue_send:
        return delivery_id
    kind = SLACK_JOB if channel == SLACK else SEND_JOB
    enqueue_send_job(session, delivery_id, now=now, run_at=due, kind=kind)
    return delivery_id


def enqueue_send_job(
    session: Session, delivery_id: int, *, now: datetime, run_at: datetime, kind: str = SEND_JOB
) -> None:
    """The job that sends a delivery (retried with backoff up to ``DELIVERY_MAX_ATTEMPTS``)."""
    enqueue_once(
        session,
        kind,
        {"delivery_id": delivery_id},
        now=now,
        run_at=run_at,
        dedup_key=send_job_key(delivery_id),
        max_attempts=DELIVERY_MAX_ATTEMPTS,
    )


def _one_time_key(purpose: str, method_id: int, now: datetime) -> str:
    return f"{purpose}:method:{method_id}:{now.isoformat()}:{new_token()[:12]}"


# --- paging (called by the escalation engine) ------------------------------------------------


def send_job_key(delivery_id: int) -> str:
    """The dedup key of a delivery's send job."""
    return f"delivery:{delivery_id}"


def page_user(
    session: Session,
    *,
    user_id: int,
    incident_id: int,
    urgency: str,
    reason: str,
    key: str,
    now: datetime,
) -> int:
    """Make the deliveries of one page of ``user_id`` by their personal rules (see
    ``rules.plan_page``); each is due ``delay_minutes`` after ``now``. Idempotent per ``key``:
    calling again with the same key creates nothing. Returns how many deliveries were made.
    An inactive or unknown user is not paged."""
    made = _page(
        session,
        user_id=user_id,
        incident_id=incident_id,
        urgency=urgency,
        reason=reason,
        key=key,
        now=now,
        defer_immediate=False,
    )
    return len(made)


def page_user_now(
    session: Session,
    *,
    user_id: int,
    incident_id: int,
    urgency: str,
    reason: str,
    key: str,
    now: datetime,
    send_here: bool = True,
) -> list[int]:
    """``page_user`` for a job that sends the page's immediate messages itself once its
    transaction commits (``jobs.send_now``): the ids of those deliveries (no delay, a channel
    this worker sends), which get no send job of their own. Halves the jobs of a page storm;
    the other deliveries are made exactly as ``page_user`` makes them. The caller must find
    and send them again if its sending is lost (``queued_page_ids``). Without ``send_here``
    this is ``page_user``: every delivery gets its send job, and no id is returned."""
    made = _page(
        session,
        user_id=user_id,
        incident_id=incident_id,
        urgency=urgency,
        reason=reason,
        key=key,
        now=now,
        defer_immediate=send_here,
    )
    return [delivery_id for delivery_id, immediate in made if immediate]


def queued_page_ids(session: Session, *, incident_id: int, key: str, now: datetime) -> list[int]:
    """The due, still queued messages of the pages made under ``key`` (a prefix of their
    idempotency keys) on the channels sent here: what a lost ``page_user_now`` sending left."""
    return repo.queued_page_ids(
        session, incident_id=incident_id, key_prefix=key, channels=SENT_HERE, now=now
    )


def _page(
    session: Session,
    *,
    user_id: int,
    incident_id: int,
    urgency: str,
    reason: str,
    key: str,
    now: datetime,
    defer_immediate: bool,
) -> list[tuple[int, bool]]:
    target, rule_facts = repo.page_facts(session, user_id)
    if target is None or not target.is_active:
        return []
    plan = rules.plan_page(rule_facts, urgency=urgency, key=key, account_email=target.email)
    made: list[tuple[int, bool]] = []
    for planned in plan:
        immediate = defer_immediate and planned.delay_minutes == 0 and planned.channel in SENT_HERE
        delivery_id = _insert_delivery(
            session,
            key=planned.idempotency_key,
            user_id=user_id,
            channel=planned.channel,
            address=planned.address,
            purpose=PAGE,
            now=now,
            run_at=now + timedelta(minutes=planned.delay_minutes),
            incident_id=incident_id,
            contact_method_id=planned.contact_method_id,
            urgency=urgency,
            reason=reason,
            enqueue_send=not immediate,
        )
        if delivery_id is not None:
            made.append((delivery_id, immediate))
    return made


def cancel_pages(session: Session, *, incident_id: int, reason: str) -> int:
    """Cancel the incident's pages still waiting for their rule's delay (it was acknowledged
    or resolved): a page of one round must not go out after the incident triggers again.
    Returns how many were cancelled."""
    return repo.cancel_queued_pages(session, incident_id, reason=reason)


# --- contact methods -------------------------------------------------------------------------


def list_contact_methods(
    session: Session, *, principal: Principal, user_id: int | None = None
) -> list[ContactMethodOut]:
    owner = _owner(session, principal, user_id)
    return [method_out(m) for m in repo.contact_methods(session, owner.id)]


def _check_unique(session: Session, *, user_id: int, kind: str, address: str) -> None:
    if repo.method_by_address(session, user_id=user_id, kind=kind, address=address):
        raise Conflict(
            f"this user already has the {kind} contact method {address!r}",
            code="notification.duplicate_method",
        )


def _flush_unique(session: Session, kind: str, address: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"this user already has the {kind} contact method {address!r}",
            code="notification.duplicate_method",
        ) from None


def _verified_on_creation(principal: Principal, owner: User, kind: str, address: str) -> bool:
    if kind == SLACK:
        return principal.is_admin  # otherwise the Slack worker verifies the member id
    return kind == EMAIL and address.lower() == owner.email.lower()


def create_contact_method(
    session: Session,
    *,
    principal: Principal,
    kind: str,
    address: str,
    label: str = "",
    user_id: int | None = None,
    now: datetime,
) -> ContactMethodOut:
    owner = _owner(session, principal, user_id)
    address = rules.clean_address(kind, address)
    label = rules.clean_label(label, kind=kind)
    if repo.count_contact_methods(session, owner.id) >= rules.MAX_METHODS:
        raise Conflict(
            f"a user can have at most {rules.MAX_METHODS} contact methods",
            code="notification.too_many_methods",
        )
    _check_unique(session, user_id=owner.id, kind=kind, address=address)
    method = ContactMethod(
        user_id=owner.id,
        kind=kind,
        label=label,
        address=address,
        secret=new_token() if kind == WEBHOOK else None,
        verified=_verified_on_creation(principal, owner, kind, address),
        verification_digest=None,
        verification_expires_at=None,
        verification_attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(method)
    _flush_unique(session, kind, address)
    return method_out(method)


def update_contact_method(
    session: Session,
    *,
    principal: Principal,
    contact_method_id: int,
    patch: ContactMethodPatchIn,
    now: datetime,
) -> ContactMethodOut:
    method = _method(session, principal, contact_method_id, for_update=True)
    if patch.label is not None:
        method.label = rules.clean_label(patch.label, kind=method.kind)
    if patch.address is not None:
        address = rules.clean_address(method.kind, patch.address)
        if address != method.address:
            _check_unique(session, user_id=method.user_id, kind=method.kind, address=address)
            owner = _owner(session, principal, method.user_id)
            repo.cancel_queued_for_method(session, method.id, reason="the address changed")
            method.address = address
            method.verified = _verified_on_creation(principal, owner, method.kind, address)
            method.verification_digest = None
            method.verification_expires_at = None
            method.verification_attempts = 0
    if patch.rotate_secret:
        if method.kind != WEBHOOK:
            raise InvalidInput(
                "only webhook contact methods have a signing secret",
                code="notification.no_secret",
            )
        method.secret = new_token()
    method.updated_at = now
    _flush_unique(session, method.kind, method.address)
    return method_out(method)


def delete_contact_method(
    session: Session, *, principal: Principal, contact_method_id: int, now: datetime
) -> None:
    """Delete a method with its rules; its queued deliveries are cancelled."""
    method = _method(session, principal, contact_method_id, for_update=True)
    repo.cancel_queued_for_method(session, method.id, reason="the contact method was deleted")
    repo.delete_rules_of_method(session, method.id)
    session.delete(method)
    session.flush()


# --- test messages and verification ----------------------------------------------------------


def send_test(
    session: Session, *, principal: Principal, contact_method_id: int, now: datetime
) -> DeliveryOut:
    """Queue a test message to a method now (webhooks: the test that verifies them)."""
    method = _method(session, principal, contact_method_id, for_update=True)
    if not method.verified and method.kind != WEBHOOK:
        raise Conflict(
            f"contact method {method.id} is not verified; verify it before testing it",
            code="notification.not_verified",
        )
    last = repo.last_delivery_at(session, contact_method_id=method.id, purpose=TEST)
    rules.check_cooldown(last.created_at if last else None, now, what="test message")
    owner = _owner(session, principal, method.user_id)
    row = create_delivery(
        session,
        key=_one_time_key(TEST, method.id, now),
        user_id=method.user_id,
        channel=method.kind,
        address=method.address,
        purpose=TEST,
        now=now,
        contact_method_id=method.id,
        rendered=render.test_message(
            recipient=owner.name, channel=render.channel_label(method.kind), label=method.label
        ),
    )
    assert row is not None  # the key is fresh
    return delivery_out(row, principal)


def send_code(
    session: Session, *, principal: Principal, contact_method_id: int, now: datetime
) -> DeliveryOut:
    """Send a fresh verification code (e-mail and SMS methods); the previous one stops working."""
    method = _method(session, principal, contact_method_id, for_update=True)
    rules.check_can_send_code(method.kind, method.verified)
    last = repo.last_delivery_at(session, contact_method_id=method.id, purpose=VERIFICATION)
    rules.check_cooldown(last.created_at if last else None, now, what="verification code")
    code = rules.new_code()
    method.verification_digest = rules.code_digest(method.id, code)
    method.verification_expires_at = now + rules.CODE_TTL
    method.verification_attempts = 0
    method.updated_at = now
    row = create_delivery(
        session,
        key=_one_time_key(VERIFICATION, method.id, now),
        user_id=method.user_id,
        channel=method.kind,
        address=method.address,
        purpose=VERIFICATION,
        now=now,
        contact_method_id=method.id,
        rendered=render.verification(code),
    )
    assert row is not None
    return delivery_out(row, principal)


def verify_code(
    session: Session, *, principal: Principal, contact_method_id: int, code: str, now: datetime
) -> tuple[ContactMethodOut, CodeCheck]:
    """Check a code. A wrong one counts an attempt (the caller commits it and answers 400)."""
    method = _method(session, principal, contact_method_id, for_update=True)
    if method.verified:
        raise Conflict("this contact method is already verified", code="notification.verified")
    check = rules.check_code(
        contact_method_id=method.id,
        code=code,
        digest=method.verification_digest,
        expires_at=method.verification_expires_at,
        attempts=method.verification_attempts,
        now=now,
    )
    if check.verified:
        method.verified = True
        method.verification_digest = None
        method.verification_expires_at = None
        method.verification_attempts = 0
    else:
        method.verification_attempts += 1
    method.updated_at = now
    session.flush()
    return method_out(method), check


# --- personal rules --------------------------------------------------------------------------


def get_rules(session: Session, *, principal: Principal, user_id: int | None = None) -> RulesOut:
    owner = _owner(session, principal, user_id)
    rows = repo.rules_with_methods(session, owner.id)
    return RulesOut(
        user_id=owner.id,
        rules=[
            RuleOut(
                id=rule.id,
                contact_method_id=method.id,
                kind=method.kind,
                label=method.label,
                verified=method.verified,
                urgency=rule.urgency,
                delay_minutes=rule.delay_minutes,
            )
            for rule, method in rows
        ],
        using_default=not rows,
    )


def replace_rules(
    session: Session,
    *,
    principal: Principal,
    rules_in: Sequence[RuleSpec],
    user_id: int | None = None,
    now: datetime,
) -> RulesOut:
    """Replace the whole rule list of a user (an empty list restores the default)."""
    owner = _owner(session, principal, user_id)
    rules.check_rule_list(rules_in, [m.id for m in repo.contact_methods(session, owner.id)])
    repo.delete_rules(session, owner.id)
    session.add_all(
        NotificationRule(
            user_id=owner.id,
            contact_method_id=r.contact_method_id,
            urgency=r.urgency,
            delay_minutes=r.delay_minutes,
            created_at=now,
        )
        for r in rules_in
    )
    session.flush()
    return get_rules(session, principal=principal, user_id=owner.id)


# --- deliveries ------------------------------------------------------------------------------


def incident_deliveries(
    session: Session, *, principal: Principal, incident_id: int
) -> list[DeliveryOut]:
    if not repo.incident_exists(session, incident_id):
        raise NotFound(
            f"incident {incident_id} not found",
            code="incident.not_found",
            incident_id=incident_id,
        )
    return [delivery_out(d, principal) for d in repo.incident_deliveries(session, incident_id)]


def list_deliveries(
    session: Session,
    *,
    principal: Principal,
    user_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> DeliveryPage:
    owner = _owner(session, principal, user_id)
    items, total = repo.user_deliveries(session, owner.id, limit=limit, offset=offset)
    return DeliveryPage(
        items=[delivery_out(d, principal) for d in items], total=total, limit=limit, offset=offset
    )
