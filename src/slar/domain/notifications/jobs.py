"""The ``notification.send`` job handler: send one delivery through its channel.

The handler runs in the job's transaction: it loads the delivery, cancels a page whose incident
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
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.incidents import timeline
from slar.domain.incidents.rules import ACKNOWLEDGED, TRIGGERED, Actor
from slar.domain.notifications import render
from slar.domain.notifications import repository as repo
from slar.domain.notifications.models import Delivery
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
from slar.domain.notifications.service import DELIVERY_MAX_ATTEMPTS, SEND_JOB
from slar.jobs.handlers import OutsideWork, PermanentFailure

__all__ = ["SEND_JOB", "send_notification"]

ERROR_MAX = 2000


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
    delivery = repo.delivery(session, delivery_id, for_update=True)
    if delivery is None or delivery.status != QUEUED:
        return None  # deleted with its user or incident, or already done (a retried job)
    if delivery.channel not in (EMAIL, SMS, WEBHOOK):
        raise PermanentFailure(f"delivery {delivery.id} is for {delivery.channel}, not sent here")
    secret: str | None = None
    if delivery.contact_method_id is not None:
        method = repo.contact_method(session, delivery.contact_method_id)
        if method is None or (delivery.purpose == PAGE and not method.verified):
            _cancel(delivery, "the contact method is gone or no longer verified")
            return None
        secret = method.secret
    recipient = repo.recipient(session, delivery.user_id)
    if delivery.purpose == PAGE and not _render_page(session, delivery, recipient, public_url):
        return None
    message = _message(delivery, recipient, secret)
    missing = senders.missing(message)
    if missing is not None:
        delivery.status = FAILED
        delivery.last_error = missing
        _forget_code(delivery)
        return None
    return OutsideWork(
        run=partial(senders.send, message),
        record=partial(_record_sent, delivery.id, _name(recipient, delivery.user_id)),
        on_error=partial(_record_failure, delivery.id, _name(recipient, delivery.user_id)),
    )


def _cancel(delivery: Delivery, reason: str) -> None:
    delivery.status = CANCELLED
    delivery.last_error = reason


def _name(recipient: repo.Recipient | None, user_id: int) -> str:
    return recipient.name if recipient else f"user {user_id}"


def _render_page(
    session: Session, delivery: Delivery, recipient: repo.Recipient | None, public_url: str
) -> bool:
    """Render a page now; cancel it (False) if its incident is no longer triggered."""
    row = repo.incident_with_service(session, delivery.incident_id or 0)
    wanted = (TRIGGERED, ACKNOWLEDGED) if delivery.reason == ASSIGNED else (TRIGGERED,)
    if row is None or row.incident.status not in wanted:
        status = row.incident.status if row else "gone"
        _cancel(delivery, f"not sent: the incident is {status}")
        return False
    incident = row.incident
    rendered = render.page(
        render.IncidentFacts(
            id=incident.id,
            title=incident.title,
            description=incident.description,
            status=incident.status,
            urgency=incident.urgency,
            severity=incident.severity,
            service_name=row.service_name,
            created_at=incident.created_at,
        ),
        recipient=recipient.name if recipient else "",
        reason=delivery.reason,
        public_url=public_url,
    )
    delivery.subject = rendered.subject
    delivery.body = rendered.body_for(delivery.channel)
    return True


def _message(delivery: Delivery, user: repo.Recipient | None, secret: str | None) -> Message:
    if delivery.channel == EMAIL:
        return EmailMessage(to=delivery.address, subject=delivery.subject, text=delivery.body)
    if delivery.channel == SMS:
        return SmsMessage(to=delivery.address, body=delivery.body)
    body: dict[str, Any] = json.loads(delivery.body) if delivery.body else {}
    body.update(
        delivery_id=delivery.id,
        purpose=delivery.purpose,
        user={"id": delivery.user_id, "name": user.name if user else "", "email": user.email}
        if user
        else {"id": delivery.user_id},
    )
    return WebhookMessage(url=delivery.address, body=body, secret=secret)


def _forget_code(delivery: Delivery) -> None:
    if delivery.purpose == VERIFICATION:
        delivery.body = render.REDACTED_CODE
        delivery.subject = "[SLAR] Verification code"


def _record_sent(
    delivery_id: int, name: str, session: Session, _result: object, now: datetime
) -> None:
    delivery = repo.delivery(session, delivery_id, for_update=True)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.status = DELIVERED if delivery.channel == WEBHOOK else SENT
    delivery.sent_at = now
    delivery.last_error = ""
    _forget_code(delivery)
    if delivery.purpose == PAGE and delivery.incident_id is not None:
        timeline.record(
            session,
            incident_id=delivery.incident_id,
            kind="notified",
            actor=Actor.system(),
            now=now,
            message=f"Paged {name} by {render.channel_label(delivery.channel)}",
            data={
                "delivery_id": delivery.id,
                "user_id": delivery.user_id,
                "channel": delivery.channel,
            },
        )
    if delivery.channel == WEBHOOK and delivery.purpose == TEST and delivery.contact_method_id:
        method = repo.contact_method(session, delivery.contact_method_id, for_update=True)
        if method is not None and method.address == delivery.address and not method.verified:
            method.verified = True
            method.updated_at = now


def _record_failure(
    delivery_id: int, name: str, session: Session, error: Exception, now: datetime
) -> None:
    delivery = repo.delivery(session, delivery_id, for_update=True)
    if delivery is None or delivery.status != QUEUED:
        return
    delivery.attempts += 1
    delivery.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    if not isinstance(error, PermanentFailure) and delivery.attempts < DELIVERY_MAX_ATTEMPTS:
        return  # the job retries with backoff
    delivery.status = FAILED
    _forget_code(delivery)
    if delivery.purpose == PAGE and delivery.incident_id is not None:
        timeline.record(
            session,
            incident_id=delivery.incident_id,
            kind="notification_failed",
            actor=Actor.system(),
            now=now,
            message=(
                f"Could not page {name} by {render.channel_label(delivery.channel)}: "
                f"{delivery.last_error[:300]}"
            ),
            data={"delivery_id": delivery.id, "user_id": delivery.user_id},
        )
