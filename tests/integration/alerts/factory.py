"""Catalog rows and read-backs for ingestion tests, written straight through the models.

The catalog API is another context; inserting Team/Service/Integration rows here keeps the
ingestion tests independent of it. Shared by ``tests/integration/alerts`` (service level) and
``tests/edges/ingest`` (HTTP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from slar.db import Database
from slar.domain.alerts.models import Alert
from slar.domain.catalog.models import Integration, MaintenanceWindow, RoutingRule, Service
from slar.domain.escalation.models import EscalationLevel, EscalationPolicy, EscalationTarget
from slar.domain.identity.models import Team
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.kernel import ids


@dataclass(frozen=True)
class Hook:
    """One integration of one service: what a sender is configured with."""

    service_id: int
    integration_id: int
    key: str
    kind: str
    name: str


class Catalog:
    """Makes teams, services, integrations, rules and windows; reads alerts and incidents."""

    def __init__(self, db: Database, now: datetime) -> None:
        self.db = db
        self.now = now
        with db.transaction() as session:
            team = Team(name="Platform", description="", created_at=now)
            session.add(team)
            session.flush()
            self.team_id = team.id

    def service(self, name: str, *, urgency: str = "high") -> int:
        with self.db.transaction() as session:
            service = Service(
                team_id=self.team_id,
                name=name,
                description="",
                urgency=urgency,
                created_at=self.now,
            )
            session.add(service)
            session.flush()
            return service.id

    def integration(self, service_id: int, kind: str, *, name: str | None = None) -> Hook:
        key = ids.new_integration_key()
        name = name or f"{kind}-{service_id}"
        with self.db.transaction() as session:
            integration = Integration(
                service_id=service_id, name=name, kind=kind, key=key, created_at=self.now
            )
            session.add(integration)
            session.flush()
            return Hook(service_id, integration.id, key, kind, name)

    def hook(self, kind: str, *, service: str | None = None, urgency: str = "high") -> Hook:
        """A new service with one integration of ``kind``."""
        return self.integration(self.service(service or f"svc-{kind}", urgency=urgency), kind)

    def rule(self, hook: Hook, *, to_service: int, conditions: list[dict[str, Any]]) -> None:
        with self.db.transaction() as session:
            position = len(
                list(
                    session.scalars(
                        select(RoutingRule.id).where(
                            RoutingRule.integration_id == hook.integration_id
                        )
                    )
                )
            )
            session.add(
                RoutingRule(
                    integration_id=hook.integration_id,
                    position=position,
                    conditions=conditions,
                    service_id=to_service,
                    description="",
                )
            )

    def policy(self, service_id: int, levels: list[list[tuple[str, int]]], *, name: str) -> int:
        """An escalation policy (levels of ``(kind, target id)``, 5 minutes apart), made the
        service's."""
        with self.db.transaction() as session:
            policy = EscalationPolicy(
                team_id=self.team_id,
                name=name,
                description="",
                repeat_count=1,
                created_at=self.now,
                updated_at=self.now,
            )
            for position, targets in enumerate(levels):
                level = EscalationLevel(position=position, delay_minutes=5 * (position + 1))
                level.targets = [EscalationTarget(kind=k, target_id=t) for k, t in targets]
                policy.levels.append(level)
            session.add(policy)
            session.flush()
            service = session.get(Service, service_id)
            assert service is not None
            service.escalation_policy_id = policy.id
            return policy.id

    def maintenance(self, service_id: int, *, start: datetime, hours: float = 1) -> None:
        with self.db.transaction() as session:
            session.add(
                MaintenanceWindow(
                    service_id=service_id,
                    starts_at=start,
                    ends_at=start + timedelta(hours=hours),
                    description="deploy",
                    created_at=self.now,
                )
            )

    # --- read-backs ---------------------------------------------------------------------------

    def incidents(self, service_id: int | None = None) -> list[Incident]:
        with self.db.read() as session:
            stmt = select(Incident).order_by(Incident.id)
            if service_id is not None:
                stmt = stmt.where(Incident.service_id == service_id)
            return list(session.scalars(stmt))

    def incident(self, incident_id: int) -> Incident:
        with self.db.read() as session:
            incident = session.get(Incident, incident_id)
            assert incident is not None, f"incident {incident_id} not found"
            return incident

    def alerts(self, **filters: Any) -> list[Alert]:
        with self.db.read() as session:
            stmt = select(Alert).filter_by(**filters).order_by(Alert.id)
            return list(session.scalars(stmt))

    def timeline(self, incident_id: int) -> list[str]:
        """The kinds of the incident's timeline entries, oldest first."""
        with self.db.read() as session:
            stmt = (
                select(IncidentEvent.kind)
                .where(IncidentEvent.incident_id == incident_id)
                .order_by(IncidentEvent.id)
            )
            return list(session.scalars(stmt))


def pagerduty_event(
    key: str,
    action: str = "trigger",
    *,
    dedup_key: str | None = "disk-db-1",
    summary: str = "Disk almost full on db-1",
    severity: str = "warning",
    **extra: Any,
) -> dict[str, Any]:
    """A PagerDuty Events v2 event as PagerDuty's own documentation shows it."""
    event: dict[str, Any] = {"routing_key": key, "event_action": action, **extra}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        event["payload"] = {
            "summary": summary,
            "source": "db-1.example.com",
            "severity": severity,
            "component": "postgres",
            "custom_details": {"free_percent": 3},
        }
    return event


def am_alert(
    fingerprint: str, alertname: str = "HighCPU", *, status: str = "firing", **labels: str
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": alertname, "job": "web", **labels},
        "annotations": {"summary": f"{alertname} on {fingerprint}"},
        "startsAt": "2026-03-02T08:55:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-03-02T09:10:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def am_webhook(
    *alerts: dict[str, Any], group_key: str = '{}:{alertname="HighCPU"}'
) -> dict[str, Any]:
    """An Alertmanager v4 webhook body for one group."""
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "slar",
        "groupLabels": {"alertname": "HighCPU"},
        "commonLabels": {"alertname": "HighCPU", "job": "web"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }
