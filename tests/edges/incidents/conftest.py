"""A small world for incident HTTP tests: two teams, a service each, users of every kind.

Services and integrations are inserted through the models (the catalog API is another
context); everything about incidents then goes through real HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from tests.support.harness import Account, ApiHarness

from slar.domain.alerts.models import Alert
from slar.domain.catalog.models import Integration, Service
from slar.domain.incidents.models import Incident
from slar.kernel import ids


@dataclass
class World:
    api: ApiHarness
    team_a: int
    team_b: int
    service_a: int
    service_b: int
    integration_a: int
    admin: Account
    alice: Account  # responder, member of team A
    bob: Account  # responder, member of team B only
    olive: Account  # observer

    def as_(self, account: Account) -> httpx.Client:
        """A client with a token minted at the current (fake) time: tests move it by hours."""
        return self.api.http(self.api.token_for(account.id))

    def open(
        self, account: Account | None = None, *, service_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"service_id": service_id or self.service_a, "title": "Disk full", **fields}
        response = self.as_(account or self.alice).post("/incidents", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    def add_service(self, name: str, team_id: int, urgency: str = "high") -> int:
        with self.api.db.transaction() as session:
            service = Service(
                team_id=team_id,
                name=name,
                description="",
                urgency=urgency,
                created_at=self.api.clock.now(),
            )
            session.add(service)
            session.flush()
            return service.id

    def add_alerts(self, incident_id: int, count: int, *, prefix: str = "fp") -> list[int]:
        """Insert alerts of integration A directly (ingestion is another context)."""
        now: datetime = self.api.clock.now()
        with self.api.db.transaction() as session:
            alerts = [
                Alert(
                    integration_id=self.integration_a,
                    service_id=self.service_a,
                    incident_id=incident_id,
                    fingerprint=f"{prefix}-{incident_id}-{n}",
                    dedup_key=f"{prefix}-{incident_id}",
                    status="triggered",
                    summary=f"alert {n} of #{incident_id}",
                    description="",
                    severity="error",
                    source="test",
                    labels={"n": str(n)},
                    links=[],
                    payload={"n": n},
                    suppressed=False,
                    suppressed_reason="",
                    occurrences=1,
                    first_seen_at=now,
                    last_seen_at=now,
                )
                for n in range(count)
            ]
            session.add_all(alerts)
            session.flush()
            return [a.id for a in alerts]

    def set_alert_count(self, incident_id: int, count: int) -> None:
        with self.api.db.transaction() as session:
            incident = session.get(Incident, incident_id)
            assert incident is not None
            incident.alert_count = count


@pytest.fixture
def world(api: ApiHarness) -> World:
    team_a = api.make_team("Payments")
    team_b = api.make_team("Search")
    with api.db.transaction() as session:
        now = api.clock.now()
        service_a = Service(
            team_id=team_a, name="payments-api", description="", urgency="dynamic", created_at=now
        )
        service_b = Service(
            team_id=team_b, name="search-api", description="", urgency="low", created_at=now
        )
        session.add_all([service_a, service_b])
        session.flush()
        integration = Integration(
            service_id=service_a.id,
            name="prometheus",
            kind="generic",
            key=ids.new_integration_key(),
            created_at=now,
        )
        session.add(integration)
        session.flush()
        ids_ = (service_a.id, service_b.id, integration.id)
    return World(
        api=api,
        team_a=team_a,
        team_b=team_b,
        service_a=ids_[0],
        service_b=ids_[1],
        integration_a=ids_[2],
        admin=api.make_user("admin@example.com", role="admin"),
        alice=api.make_user("alice@example.com", teams={team_a: "member"}),
        bob=api.make_user("bob@example.com", teams={team_b: "manager"}),
        olive=api.make_user("olive@example.com", role="observer", teams={team_a: "member"}),
    )
