"""Catalog queries. All SQL of the catalog context lives here.

The first functions are the ones alert ingestion calls on every event. ``ingest_target`` is
the hot one: a single indexed query per request that authenticates the key and reads, fresh,
everything routing needs (the integration, its routing rules, and for each service it can
route to: urgency, escalation policy, "in a maintenance window now"). Nothing of it is cached
across requests, so a regenerated or deleted key, an edited rule or a window that just opened
take effect on the very next request in every process (docs/adr/0006).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    column,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.selectable import TextualSelect

from slar.db import UTCDateTime
from slar.db.engine import run
from slar.domain.catalog.models import Integration, MaintenanceWindow, RoutingRule, Service
from slar.domain.catalog.rules import RoutingRuleSpec, condition_from_json
from slar.domain.escalation.policy import PolicySnapshot
from slar.domain.escalation.repository import SNAPSHOT_JSON_SQL, snapshot_from_json_text
from slar.domain.incidents.models import Incident

TOUCH_INTERVAL = timedelta(seconds=30)
"""``last_seen_at`` is written at most this often per integration (hot ingestion)."""


# --- used by ingestion -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceState:
    """What ingestion needs of a service a delivery may route to, as of this request."""

    id: int
    urgency: str
    in_maintenance: bool
    policy: PolicySnapshot | None
    """Its escalation policy as an incident opened now would snapshot it (None: no policy)."""


@dataclass(frozen=True, slots=True)
class IngestTarget:
    """An integration found by its key, with its routing and its services' current state."""

    id: int
    name: str
    kind: str
    service_id: int
    last_seen_at: datetime | None
    rules: tuple[RoutingRuleSpec, ...]
    services: Mapping[int, ServiceState]
    """The integration's service and every service its rules route to."""

    @property
    def in_maintenance(self) -> frozenset[int]:
        return frozenset(sid for sid, state in self.services.items() if state.in_maintenance)


# Routing rules travel as one JSON text column: [[position, conditions, service_id], ...].
_RULES_JSON = {
    "postgresql": (
        "(SELECT CAST(json_agg(json_build_array(r.position, r.conditions, r.service_id)"
        " ORDER BY r.position) AS TEXT) FROM routing_rules r WHERE r.integration_id = ig.id)"
    ),
    "sqlite": (
        "(SELECT json_group_array(json_array(r.position, json(r.conditions), r.service_id))"
        " FROM (SELECT position, conditions, service_id FROM routing_rules"
        " WHERE integration_id = ig.id ORDER BY position) AS r)"
    ),
}

_INGEST_TARGET_SQL = """
WITH i AS (
    SELECT ig.id, ig.name, ig.kind, ig.service_id, ig.last_seen_at, {rules} AS rules
    FROM integrations ig WHERE ig.key = :key
), s AS (
    SELECT service_id AS sid FROM i
    UNION
    SELECT r.service_id FROM routing_rules r JOIN i ON r.integration_id = i.id
)
SELECT i.id, i.name, i.kind, i.service_id, i.last_seen_at, i.rules,
       svc.id AS sid, svc.urgency, {policy} AS policy,
       EXISTS (
           SELECT 1 FROM maintenance_windows m
           WHERE m.service_id = svc.id AND m.starts_at <= :now AND m.ends_at > :now
       ) AS in_maintenance
FROM i CROSS JOIN s JOIN services svc ON svc.id = s.sid
"""


def _ingest_target_statement(dialect: str) -> TextualSelect:
    sql = _INGEST_TARGET_SQL.format(
        rules=_RULES_JSON[dialect],
        policy=SNAPSHOT_JSON_SQL[dialect].format(policy_id="svc.escalation_policy_id"),
    )
    return (
        text(sql)
        .bindparams(bindparam("key", type_=String()), bindparam("now", type_=UTCDateTime()))
        .columns(  # positional: the result metadata is cached with the compiled statement
            column("id", Integer()),
            column("name", String()),
            column("kind", String()),
            column("service_id", Integer()),
            column("last_seen_at", UTCDateTime()),
            column("rules", String()),
            column("sid", Integer()),
            column("urgency", String()),
            column("policy", String()),
            column("in_maintenance", Boolean()),
        )
    )


_INGEST_TARGET = {name: _ingest_target_statement(name) for name in ("postgresql", "sqlite")}


@lru_cache(maxsize=512)
def _rules_from_json(raw: str | None) -> tuple[RoutingRuleSpec, ...]:
    """Parsed routing rules, memoised by their stored JSON (rules change rarely; the text is
    read fresh on every request, so the memo can never serve an edited rule)."""
    if not raw:
        return ()
    rules: list[Any] = json.loads(raw)
    return tuple(
        RoutingRuleSpec(
            position=int(position),
            conditions=tuple(condition_from_json(c) for c in conditions or []),
            service_id=int(service_id),
        )
        for position, conditions, service_id in rules
    )


def ingest_target(session: Session, key: str, now: datetime) -> IngestTarget | None:
    """The integration whose current key is ``key`` with everything ingestion needs (see the
    module docstring); None for an unknown key. One statement."""
    dialect = session.get_bind().dialect.name
    statement = _INGEST_TARGET[dialect if dialect in _INGEST_TARGET else "sqlite"]
    rows = run(session, statement, {"key": key, "now": now}).all()
    if not rows:
        return None
    first = rows[0]
    services = {
        row.sid: ServiceState(
            id=row.sid,
            urgency=row.urgency,
            in_maintenance=bool(row.in_maintenance),
            policy=snapshot_from_json_text(row.policy),
        )
        for row in rows
    }
    return IngestTarget(
        id=first.id,
        name=first.name,
        kind=first.kind,
        service_id=first.service_id,
        last_seen_at=first.last_seen_at,
        rules=_rules_from_json(first.rules),
        services=services,
    )


_TOUCH = text("UPDATE integrations SET last_seen_at = :now WHERE id = :id").bindparams(
    bindparam("now", type_=UTCDateTime()), bindparam("id", type_=Integer())
)


def touch_integration_seen(session: Session, target: IngestTarget, now: datetime) -> None:
    """``touch_integration`` for an ``IngestTarget``: at most once per ``TOUCH_INTERVAL``."""
    last = target.last_seen_at
    if last is None or now - last > TOUCH_INTERVAL:
        run(session, _TOUCH, {"now": now, "id": target.id})


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
