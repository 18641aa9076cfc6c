"""Notification queries. All SQL of the notifications context lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from slar.db import UTCDateTime
from slar.db.engine import run
from slar.domain.catalog.models import Service
from slar.domain.identity.models import User
from slar.domain.incidents.models import Incident
from slar.domain.notifications.models import ContactMethod, Delivery, NotificationRule
from slar.domain.notifications.render import IncidentFacts
from slar.domain.notifications.rules import CANCELLED, PAGE, QUEUED, RuleFact


def user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


@dataclass(frozen=True, slots=True)
class Recipient:
    """What paging needs of a user. Loading ``User`` itself would also load its memberships
    (``lazy="selectin"``): three times the cost, on the hottest path of the worker."""

    id: int
    name: str
    email: str
    is_active: bool


def users(session: Session, user_ids: Sequence[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    rows = session.scalars(select(User).where(User.id.in_(set(user_ids))))
    return {u.id: u for u in rows}


# --- contact methods -------------------------------------------------------------------------


def contact_method(
    session: Session, contact_method_id: int, *, for_update: bool = False
) -> ContactMethod | None:
    stmt = select(ContactMethod).where(ContactMethod.id == contact_method_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def contact_methods(session: Session, user_id: int) -> list[ContactMethod]:
    stmt = select(ContactMethod).where(ContactMethod.user_id == user_id).order_by(ContactMethod.id)
    return list(session.scalars(stmt))


def count_contact_methods(session: Session, user_id: int) -> int:
    stmt = select(func.count()).select_from(ContactMethod).where(ContactMethod.user_id == user_id)
    return int(session.scalar(stmt) or 0)


def method_by_address(
    session: Session, *, user_id: int, kind: str, address: str
) -> ContactMethod | None:
    return session.scalar(
        select(ContactMethod).where(
            ContactMethod.user_id == user_id,
            ContactMethod.kind == kind,
            ContactMethod.address == address,
        )
    )


def verified_email_methods(session: Session, user_id: int) -> list[ContactMethod]:
    stmt = (
        select(ContactMethod)
        .where(
            ContactMethod.user_id == user_id,
            ContactMethod.kind == "email",
            ContactMethod.verified.is_(True),
        )
        .order_by(ContactMethod.id)
    )
    return list(session.scalars(stmt))


# --- rules -----------------------------------------------------------------------------------


def rules_with_methods(
    session: Session, user_id: int
) -> list[tuple[NotificationRule, ContactMethod]]:
    stmt = (
        select(NotificationRule, ContactMethod)
        .join(ContactMethod, ContactMethod.id == NotificationRule.contact_method_id)
        .where(NotificationRule.user_id == user_id)
        .order_by(NotificationRule.urgency, NotificationRule.delay_minutes, NotificationRule.id)
    )
    return [(rule, method) for rule, method in session.execute(stmt)]


def page_facts(session: Session, user_id: int) -> tuple[Recipient | None, list[RuleFact]]:
    """The user and their rules with their methods, in one statement: read for every page."""
    stmt = (
        select(
            User.id,
            User.name,
            User.email,
            User.is_active,
            NotificationRule.id,
            ContactMethod.id,
            ContactMethod.kind,
            ContactMethod.address,
            ContactMethod.verified,
            NotificationRule.urgency,
            NotificationRule.delay_minutes,
        )
        .select_from(User)
        .outerjoin(NotificationRule, NotificationRule.user_id == User.id)
        .outerjoin(ContactMethod, ContactMethod.id == NotificationRule.contact_method_id)
        .where(User.id == user_id)
        .order_by(NotificationRule.urgency, NotificationRule.delay_minutes, NotificationRule.id)
    )
    recipient: Recipient | None = None
    facts: list[RuleFact] = []
    for row in session.execute(stmt):
        u_id, name, email, active, rule_id, method_id, kind, address, verified, urgency, delay = row
        recipient = Recipient(int(u_id), str(name), str(email), bool(active))
        if rule_id is not None and method_id is not None:
            facts.append(
                RuleFact(
                    rule_id=rule_id,
                    contact_method_id=method_id,
                    kind=kind,
                    address=address,
                    verified=verified,
                    urgency=urgency,
                    delay_minutes=delay,
                )
            )
    return recipient, facts


def queued_page_ids(
    session: Session,
    *,
    incident_id: int,
    key_prefix: str,
    channels: Sequence[str],
    now: datetime,
) -> list[int]:
    stmt = (
        select(Delivery.id)
        .where(
            Delivery.incident_id == incident_id,
            Delivery.purpose == PAGE,
            Delivery.status == QUEUED,
            Delivery.channel.in_(list(channels)),
            Delivery.run_at <= now,
            Delivery.idempotency_key.startswith(key_prefix, autoescape=True),
        )
        .order_by(Delivery.id)
    )
    return list(session.scalars(stmt))


def delete_rules(session: Session, user_id: int) -> None:
    session.execute(delete(NotificationRule).where(NotificationRule.user_id == user_id))


# --- deliveries ------------------------------------------------------------------------------


_INSERT_DELIVERY = text(
    "INSERT INTO deliveries (idempotency_key, user_id, incident_id, contact_method_id, channel,"
    " address, purpose, urgency, reason, status, attempts, last_error, subject, body,"
    " created_at, run_at, sent_at)"
    " VALUES (:idempotency_key, :user_id, :incident_id, :contact_method_id, :channel,"
    " :address, :purpose, :urgency, :reason, :status, :attempts, :last_error, :subject, :body,"
    " :created_at, :run_at, :sent_at)"
    " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
).bindparams(
    bindparam("created_at", type_=UTCDateTime()),
    bindparam("run_at", type_=UTCDateTime()),
    bindparam("sent_at", type_=UTCDateTime()),
)


def insert_delivery(session: Session, values: dict[str, object]) -> int | None:
    """Insert a delivery unless its idempotency key exists; its id, or None. One prebuilt
    statement (a page makes one per message): the unique index arbitrates (``ON CONFLICT DO
    NOTHING``), so a racing writer cannot make a second one and neither needs a savepoint."""
    delivery_id: int | None = run(session, _INSERT_DELIVERY, values).scalar()
    return delivery_id


def last_delivery_at(session: Session, *, contact_method_id: int, purpose: str) -> Delivery | None:
    stmt = (
        select(Delivery)
        .where(Delivery.contact_method_id == contact_method_id, Delivery.purpose == purpose)
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def cancel_queued_for_method(session: Session, contact_method_id: int, *, reason: str) -> int:
    result = session.execute(
        update(Delivery)
        .where(Delivery.contact_method_id == contact_method_id, Delivery.status == QUEUED)
        .values(status="cancelled", last_error=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cancel_queued_pages(session: Session, incident_id: int, *, reason: str) -> int:
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.incident_id == incident_id,
            Delivery.purpose == PAGE,
            Delivery.status == QUEUED,
        )
        .values(status=CANCELLED, last_error=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def incident_deliveries(session: Session, incident_id: int) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.incident_id == incident_id).order_by(Delivery.id)
    return list(session.scalars(stmt))


def user_deliveries(
    session: Session, user_id: int, *, limit: int, offset: int
) -> tuple[list[Delivery], int]:
    where = Delivery.user_id == user_id
    total = session.scalar(select(func.count()).select_from(Delivery).where(where)) or 0
    stmt = select(Delivery).where(where).order_by(Delivery.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt)), int(total)


# --- incidents (read-only facts for rendering and cancelling) ---------------------------------


@dataclass(frozen=True, slots=True)
class SendFacts:
    """Everything sending one delivery needs, read with one statement (the delivery row locked):
    the send job is half of every page, so it reads columns, not ORM objects."""

    id: int
    status: str
    channel: str
    purpose: str
    reason: str
    address: str
    subject: str
    body: str
    user_id: int
    incident_id: int | None
    contact_method_id: int | None
    method_found: bool
    method_verified: bool
    method_secret: str | None
    recipient: Recipient | None
    incident: IncidentFacts | None


def send_facts(session: Session, delivery_id: int) -> SendFacts | None:
    stmt = (
        select(
            Delivery.id,
            Delivery.status,
            Delivery.channel,
            Delivery.purpose,
            Delivery.reason,
            Delivery.address,
            Delivery.subject,
            Delivery.body,
            Delivery.user_id,
            Delivery.incident_id,
            Delivery.contact_method_id,
            ContactMethod.id,
            ContactMethod.verified,
            ContactMethod.secret,
            User.id,
            User.name,
            User.email,
            User.is_active,
            Incident.id,
            Incident.title,
            Incident.description,
            Incident.status,
            Incident.urgency,
            Incident.severity,
            Incident.created_at,
            Service.name,
        )
        .select_from(Delivery)
        .outerjoin(ContactMethod, ContactMethod.id == Delivery.contact_method_id)
        .outerjoin(User, User.id == Delivery.user_id)
        .outerjoin(Incident, Incident.id == Delivery.incident_id)
        .outerjoin(Service, Service.id == Incident.service_id)
        .where(Delivery.id == delivery_id)
        .with_for_update(of=Delivery.__table__)
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    # fmt: off
    (d_id, status, channel, purpose, reason, address, subject, body, user_id, incident_id,
     d_method_id, method_id, verified, secret, u_id, u_name, u_email, u_active,
     i_id, title, description, i_status, urgency, severity, created_at, service_name) = row
    # fmt: on
    return SendFacts(
        id=d_id,
        status=status,
        channel=channel,
        purpose=purpose,
        reason=reason,
        address=address,
        subject=subject,
        body=body,
        user_id=user_id,
        incident_id=incident_id,
        contact_method_id=d_method_id,
        method_found=method_id is not None,
        method_verified=bool(verified),
        method_secret=secret,
        recipient=Recipient(u_id, u_name, u_email, bool(u_active)) if u_id is not None else None,
        incident=IncidentFacts(
            id=i_id,
            title=title,
            description=description,
            status=i_status,
            urgency=urgency,
            severity=severity,
            service_name=service_name or "",
            created_at=created_at,
        )
        if i_id is not None
        else None,
    )


def set_delivery(session: Session, delivery_id: int, **values: object) -> None:
    session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(**values),
        execution_options={"synchronize_session": False},
    )


_MARK_SENT = text(
    "UPDATE deliveries SET attempts = attempts + 1, status = :status, sent_at = :now,"
    " last_error = '', subject = :subject, body = :body WHERE id = :delivery_id RETURNING id"
).bindparams(bindparam("now", type_=UTCDateTime()))


def mark_sent(
    session: Session, delivery_id: int, *, status: str, now: datetime, subject: str, body: str
) -> bool:
    """Count the successful attempt and keep what was sent; False if the delivery is gone."""
    params = {
        "delivery_id": delivery_id,
        "status": status,
        "now": now,
        "subject": subject,
        "body": body,
    }
    return run(session, _MARK_SENT, params).first() is not None


def count_failed_attempt(
    session: Session, delivery_id: int, *, error: str, **values: object
) -> int | None:
    """Count a failed attempt of a queued delivery (and store ``values``); the attempts so far,
    or None if it is no longer queued (cancelled meanwhile, or gone)."""
    attempts: int | None = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == QUEUED)
        .values(attempts=Delivery.attempts + 1, last_error=error, **values)
        .returning(Delivery.attempts),
        execution_options={"synchronize_session": False},
    ).scalar()
    return attempts


def incident_exists(session: Session, incident_id: int) -> bool:
    return session.scalar(select(Incident.id).where(Incident.id == incident_id)) is not None


def delete_rules_of_method(session: Session, contact_method_id: int) -> None:
    session.execute(
        delete(NotificationRule).where(NotificationRule.contact_method_id == contact_method_id)
    )


def deliveries_by_channel_and_status(session: Session) -> dict[tuple[str, str], int]:
    """How many deliveries each (channel, status) pair holds: what the metrics report."""
    rows = session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(
            Delivery.channel, Delivery.status
        )
    )
    return {(channel, status): int(count) for channel, status, count in rows}
