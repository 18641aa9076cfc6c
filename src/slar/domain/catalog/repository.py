"""Catalog queries. All SQL of the catalog context lives here.

The first functions are the ones alert ingestion calls on every event (look up the key, route,
check maintenance, note the integration was seen); keep them to one or two cheap queries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from slar.domain.catalog.models import Integration, MaintenanceWindow, RoutingRule, Service
from slar.domain.catalog.rules import RoutingRuleSpec, condition_from_json
from slar.domain.incidents.models import Incident

TOUCH_INTERVAL = timedelta(seconds=30)
"""``last_seen_at`` is written at most this often per integration (hot ingestion)."""


# --- used by ingestion -----------------------------------------------------------------------


def integration_by_key(session: Session, key: str) -> Integration | None:
    """The integration whose current key is ``key``, with its routing rules loaded."""
    return session.scalar(
        select(Integration)
        .where(Integration.key == key)
        .options(selectinload(Integration.routing_rules))
    )


def specs_from_models(rules: Iterable[RoutingRule]) -> tuple[RoutingRuleSpec, ...]:
    return tuple(
        RoutingRuleSpec(
            position=rule.position,
            conditions=tuple(condition_from_json(c) for c in rule.conditions or []),
            service_id=rule.service_id,
        )
        for rule in sorted(rules, key=lambda r: r.position)
    )


def routing_specs(integration: Integration) -> tuple[RoutingRuleSpec, ...]:
    return specs_from_models(integration.routing_rules)


def services_in_maintenance(
    session: Session, service_ids: Collection[int], now: datetime
) -> set[int]:
    """Those of ``service_ids`` with a maintenance window open at ``now``."""
    if not service_ids:
        return set()
    stmt = (
        select(MaintenanceWindow.service_id)
        .where(
            MaintenanceWindow.service_id.in_(list(service_ids)),
            MaintenanceWindow.starts_at <= now,
            MaintenanceWindow.ends_at > now,
        )
        .distinct()
    )
    return set(session.scalars(stmt))


def service_by_id(session: Session, service_id: int) -> Service | None:
    return session.get(Service, service_id)


def touch_integration(session: Session, integration: Integration, now: datetime) -> None:
    """Record that ``integration`` received something, at most once per ``TOUCH_INTERVAL``."""
    last = integration.last_seen_at
    if last is None or now - last > TOUCH_INTERVAL:
        integration.last_seen_at = now


# --- services --------------------------------------------------------------------------------


def list_services(session: Session, *, team_id: int | None, query: str | None) -> list[Service]:
    """Services ordered by name; ``query`` matches a substring of name or description."""
    stmt = select(Service)
    if team_id is not None:
        stmt = stmt.where(Service.team_id == team_id)
    if query and query.strip():
        needle = query.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Service.name).contains(needle, autoescape=True),
                func.lower(Service.description).contains(needle, autoescape=True),
            )
        )
    return list(session.scalars(stmt.order_by(func.lower(Service.name), Service.id)))


def service_by_name(session: Session, name: str) -> Service | None:
    return session.scalar(select(Service).where(Service.name == name))


def has_open_incidents(session: Session, service_id: int) -> bool:
    stmt = select(exists().where(Incident.service_id == service_id, Incident.status != "resolved"))
    return bool(session.scalar(stmt))


def has_incidents(session: Session, service_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Incident.service_id == service_id))))


def foreign_rules_targeting(session: Session, service_id: int) -> list[RoutingRule]:
    """Routing rules of *other* services' integrations that send alerts to ``service_id``."""
    stmt = (
        select(RoutingRule)
        .join(Integration, Integration.id == RoutingRule.integration_id)
        .where(RoutingRule.service_id == service_id, Integration.service_id != service_id)
        .order_by(RoutingRule.integration_id, RoutingRule.position)
    )
    return list(session.scalars(stmt))


# --- integrations ----------------------------------------------------------------------------


def integration_by_id(session: Session, integration_id: int) -> Integration | None:
    return session.get(Integration, integration_id)


def integrations_of(session: Session, service_id: int) -> list[Integration]:
    stmt = (
        select(Integration)
        .where(Integration.service_id == service_id)
        .order_by(func.lower(Integration.name), Integration.id)
    )
    return list(session.scalars(stmt))


def key_in_use(session: Session, key: str) -> bool:
    return bool(session.scalar(select(exists().where(Integration.key == key))))


def services_by_ids(session: Session, service_ids: Collection[int]) -> dict[int, Service]:
    if not service_ids:
        return {}
    stmt = select(Service).where(Service.id.in_(list(service_ids)))
    return {s.id: s for s in session.scalars(stmt)}


# --- maintenance windows ---------------------------------------------------------------------


def maintenance_window_by_id(session: Session, window_id: int) -> MaintenanceWindow | None:
    return session.get(MaintenanceWindow, window_id)


def maintenance_windows_of(
    session: Session, service_id: int, *, active_at: datetime | None
) -> list[MaintenanceWindow]:
    stmt = select(MaintenanceWindow).where(MaintenanceWindow.service_id == service_id)
    if active_at is not None:
        stmt = stmt.where(
            MaintenanceWindow.starts_at <= active_at, MaintenanceWindow.ends_at > active_at
        )
    stmt = stmt.order_by(MaintenanceWindow.starts_at.desc(), MaintenanceWindow.id.desc())
    return list(session.scalars(stmt))
