"""The ``notification.send`` job handler: send one delivery through its channel.

The handler runs in the job's transaction: it reads the delivery (with its method, recipient and
incident, in one statement: half of every page is this job), cancels a page whose incident
is no longer ``triggered`` (acknowledged or resolved while a delayed rule waited), renders the
message, and returns ``OutsideWork``: the runner commits, sends with no transaction open, then
records the outcome in a second transaction.

* Success: the delivery becomes ``sent`` (``delivered`` for webhooks, whose 2xx answer is the
  receiver's own confirmation) and a page writes "Paged <name> by <channel>" on the timeline.
  A successful test delivery to a webhook verifies that webhook.
* Failure: ``attempts`` and ``last_error`` are stored and the job is retried with backoff; the
  delivery stays ``queued`` until its last attempt (``DELIVERY_MAX_ATTEMPTS``) or a permanent
  refusal (``DeliveryRejected``: invalid number, recipient refused), then ends ``failed``.
* A channel that is not configured fails the delivery at once (no retry can help).

Register with the senders bound (``functools.partial(send_notification, senders=...,
public_url=...)``) under ``SEND_JOB``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.incidents import timeline
from slar.domain.incidents.rules import ACKNOWLEDGED, TRIGGERED, Actor
from slar.domain.notifications import render
from slar.domain.notifications import repository as repo
from slar.domain.notifications.ports import (
    EmailMessage,
    Message,
    Senders,
    SmsMessage,
    WebhookMessage,
)
from slar.domain.notifications.rules import (
    ASSIGNED,
    CANCELLED,
    DELIVERED,
    EMAIL,
    FAILED,
    PAGE,
    QUEUED,
    SENT,
    SMS,
    TEST,
    VERIFICATION,
    WEBHOOK,
)
from slar.domain.notifications.service import (
    DELIVERY_MAX_ATTEMPTS,
    SEND_JOB,
    enqueue_send_job,
)
from slar.jobs.handlers import OutsideWork, PermanentFailure

__all__ = ["SEND_JOB", "send_notification", "send_now"]

ERROR_MAX = 2000
RETRY_AFTER = timedelta(seconds=10)  # a page the sending job could not send: its first retry


def send_notification(
    session: Session,
    payload: dict[str, Any],
    now: datetime,
    *,
    senders: Senders,
    public_url: str,
) -> OutsideWork | None:
    delivery_id = payload.get("delivery_id")
    if not isinstance(delivery_id, int):
        raise PermanentFailure(f"payload has no integer delivery_id: {payload!r}")
    facts = repo.send_facts(session, delivery_id)
    if facts is None or facts.status != QUEUED:
        return None  # deleted with its user or incident, or already done (a retried job)
    if facts.channel not in (EMAIL, SMS, WEBHOOK):
        raise PermanentFailure(f"delivery {facts.id} is for {facts.channel}, not sent here")
    unusable = not facts.method_found or (facts.purpose == PAGE and not facts.method_verified)
    if facts.contact_method_id is not None and unusable:
        _cancel(session, facts.id, "the contact method is gone or no longer verified")
        return None
    subject, text = facts.subject, facts.body
    kept: dict[str, str] = {}  # what is written with the outcome: the page as rendered now
    if facts.purpose == PAGE:
        rendered = _render_page(session, facts, public_url)
        if rendered is None:
            return None
        subject, text = rendered
        kept = {"subject": subject, "body": text}
    message = _message(facts, subject, text)
    missing = senders.missing(message)
    if missing is not None:
        repo.set_delivery(
            session, facts.id, status=FAILED, last_error=missing, **kept, **_forgotten(facts)
        )
        return None
    name = facts.recipient.name if facts.recipient else f"user {facts.user_id}"
    return OutsideWork(
        run=partial(senders.send, message),
        record=partial(_record_sent, facts, name, kept),
        on_error=partial(_record_failure, facts, name, kept),
    )


def _cancel(session: Session, delivery_id: int, reason: str) -> None:
    repo.set_delivery(session, delivery_id, status=CANCELLED, last_error=reason)


def _render_page(
    session: Session, facts: repo.SendFacts, public_url: str
) -> tuple[str, str] | None:
    """Render a page now and keep what was sent; cancel it (None) if its incident is no longer
    triggered."""
    incident = facts.incident
    wanted = (TRIGGERED, ACKNOWLEDGED) if facts.reason == ASSIGNED else (TRIGGERED,)
    if incident is None or incident.status not in wanted:
        status = incident.status if incident else "gone"
        _cancel(session, facts.id, f"not sent: the incident is {status}")
        return None
    rendered = render.page(
        incident,
        recipient=facts.recipient.name if facts.recipient else "",
        reason=facts.reason,
        public_url=public_url,
    )
    return rendered.subject, rendered.body_for(facts.channel)


def _message(facts: repo.SendFacts, subject: str, text: str) -> Message:
    if facts.channel == EMAIL:
        return EmailMessage(to=facts.address, subject=subject, text=text)
    if facts.channel == SMS:
        return SmsMessage(to=facts.address, body=text)
    user = facts.recipient
    body: dict[str, Any] = json.loads(text) if text else {}
    body.update(
        delivery_id=facts.id,
        purpose=facts.purpose,
        user={"id": facts.user_id, "name": user.name, "email": user.email}
        if user
        else {"id": facts.user_id},
    )
    return WebhookMessage(url=facts.address, body=body, secret=facts.method_secret)


def _forgotten(facts: repo.SendFacts) -> dict[str, str]:
    """A verification code is not kept once its message is out of our hands."""
    if facts.purpose != VERIFICATION:
        return {}
    return {"body": render.REDACTED_CODE, "subject": "[SLAR] Verification code"}


def _record_sent(
    facts: repo.SendFacts,
    name: str,
    kept: dict[str, str],
    session: Session,
    _result: object,
    now: datetime,
) -> None:
    status = DELIVERED if facts.channel == WEBHOOK else SENT
    shown = {"subject": facts.subject, "body": facts.body, **kept, **_forgotten(facts)}
    if not repo.mark_sent(session, facts.id, status=status, now=now, **shown):
        return
    if facts.purpose == PAGE and facts.incident_id is not None:
        timeline.append(
            session,
            incident_id=facts.incident_id,
            kind="notified",
            actor=Actor.system(),
            now=now,
            message=f"Paged {name} by {render.channel_label(facts.channel)}",
            data={"delivery_id": facts.id, "user_id": facts.user_id, "channel": facts.channel},
        )
    if facts.channel == WEBHOOK and facts.purpose == TEST and facts.contact_method_id:
        method = repo.contact_method(session, facts.contact_method_id, for_update=True)
        if method is not None and method.address == facts.address and not method.verified:
            method.verified = True
            method.updated_at = now


def _record_failure(
    facts: repo.SendFacts,
    name: str,
    kept: dict[str, str],
    session: Session,
    error: Exception,
    now: datetime,
) -> bool:
    """Count the failed attempt; True while the delivery is worth retrying."""
    last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    attempts = repo.count_failed_attempt(session, facts.id, error=last_error, **kept)
    if attempts is None:
        return False
    if not isinstance(error, PermanentFailure) and attempts < DELIVERY_MAX_ATTEMPTS:
        return True  # retried with backoff
    repo.set_delivery(session, facts.id, status=FAILED, **_forgotten(facts))
    if facts.purpose == PAGE and facts.incident_id is not None:
        timeline.append(
            session,
            incident_id=facts.incident_id,
            kind="notification_failed",
            actor=Actor.system(),
            now=now,
            message=(
                f"Could not page {name} by {render.channel_label(facts.channel)}: "
                f"{last_error[:300]}"
            ),
            data={"delivery_id": facts.id, "user_id": facts.user_id},
        )
    return False


# --- sending from the job that made the deliveries ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Failed:
    error: Exception


def send_now(
    session: Session,
    delivery_ids: Sequence[int],
    now: datetime,
    *,
    senders: Senders,
    public_url: str,
) -> OutsideWork | None:
    """Send deliveries made without a send job (``service.page_user_now``) as the current
    job's outside work: a page storm then costs one job per page, not two. Each delivery is
    prepared exactly as ``send_notification`` prepares it. A message that fails is counted and
    handed to a send job of its own, which retries it with backoff. If this sending is lost
    (the worker died), the job that made the deliveries runs again and, fenced, sends what is
    still queued (``service.queued_page_ids``)."""
    prepared = [
        (delivery_id, work)
        for delivery_id in delivery_ids
        if (
            work := send_notification(
                session, {"delivery_id": delivery_id}, now, senders=senders, public_url=public_url
            )
        )
        is not None
    ]
    if not prepared:
        return None

    def run() -> list[object]:
        results: list[object] = []
        for _, work in prepared:
            try:
                results.append(work.run())
            except Exception as exc:  # one bad address must not stop the others
                results.append(_Failed(exc))
        return results

    def record(session: Session, results: object, now: datetime) -> None:
        assert isinstance(results, list)
        for (delivery_id, work), result in zip(prepared, results, strict=True):
            if not isinstance(result, _Failed):
                work.record(session, result, now)
            elif work.on_error is not None and work.on_error(session, result.error, now):
                enqueue_send_job(session, delivery_id, now=now, run_at=now + RETRY_AFTER)

    return OutsideWork(run=run, record=record)
