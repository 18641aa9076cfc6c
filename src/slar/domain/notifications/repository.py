"""Notification queries. All SQL of the notifications context lives here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.catalog.models import Service
from slar.domain.identity.models import User
from slar.domain.incidents.models import Incident
from slar.domain.notifications.models import ContactMethod, Delivery, NotificationRule
from slar.domain.notifications.rules import CANCELLED, PAGE, QUEUED, RuleFact


def user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


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


def rule_facts(session: Session, user_id: int) -> list[RuleFact]:
    return [
        RuleFact(
            rule_id=rule.id,
            contact_method_id=method.id,
            kind=method.kind,
            address=method.address,
            verified=method.verified,
            urgency=rule.urgency,
            delay_minutes=rule.delay_minutes,
        )
        for rule, method in rules_with_methods(session, user_id)
    ]


def delete_rules(session: Session, user_id: int) -> None:
    session.execute(delete(NotificationRule).where(NotificationRule.user_id == user_id))


# --- deliveries ------------------------------------------------------------------------------


def delivery(session: Session, delivery_id: int, *, for_update: bool = False) -> Delivery | None:
    stmt = select(Delivery).where(Delivery.id == delivery_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def delivery_id_by_key(session: Session, key: str) -> int | None:
    return session.scalar(select(Delivery.id).where(Delivery.idempotency_key == key))


def insert_delivery(session: Session, row: Delivery) -> bool:
    """Insert ``row`` unless its idempotency key exists (checked, then enforced by the unique
    index inside a savepoint so a racing writer cannot make a second one). True if inserted."""
    if delivery_id_by_key(session, row.idempotency_key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


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
class IncidentRow:
    incident: Incident
    service_name: str


def incident_with_service(session: Session, incident_id: int) -> IncidentRow | None:
    stmt = (
        select(Incident, Service.name)
        .join(Service, Service.id == Incident.service_id)
        .where(Incident.id == incident_id)
    )
    row = session.execute(stmt).first()
    return IncidentRow(incident=row[0], service_name=row[1]) if row else None


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
