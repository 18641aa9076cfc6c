"""Service-level fixtures: a team with a service and an integration, and principals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from slar.db import Database
from slar.domain.catalog.models import Integration, Service
from slar.domain.identity.models import Team, User
from slar.domain.identity.rules import Principal
from slar.kernel import ids
from slar.kernel.clock import FakeClock


@dataclass
class Setup:
    db: Database
    clock: FakeClock
    team_id: int
    other_team_id: int
    service_id: int
    other_service_id: int
    integration_id: int
    alice: Principal  # responder in the team
    carol: Principal  # responder in the other team
    olive: Principal  # observer
    admin: Principal


def _user(session, email: str, role: str, clock: FakeClock) -> User:  # type: ignore[no-untyped-def]
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        role=role,
        is_active=True,
        timezone="UTC",
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def setup(db: Database, clock: FakeClock) -> Setup:
    now = clock.now()
    with db.transaction() as session:
        team = Team(name="Payments", description="", created_at=now)
        other = Team(name="Search", description="", created_at=now)
        session.add_all([team, other])
        session.flush()
        service = Service(
            team_id=team.id, name="payments-api", description="", urgency="dynamic", created_at=now
        )
        other_service = Service(
            team_id=other.id, name="search-api", description="", urgency="high", created_at=now
        )
        session.add_all([service, other_service])
        session.flush()
        integration = Integration(
            service_id=service.id,
            name="prom",
            kind="generic",
            key=ids.new_integration_key(),
            created_at=now,
        )
        session.add(integration)
        alice = _user(session, "alice@example.com", "responder", clock)
        carol = _user(session, "carol@example.com", "responder", clock)
        olive = _user(session, "olive@example.com", "observer", clock)
        admin = _user(session, "admin@example.com", "admin", clock)
        session.flush()
        return Setup(
            db=db,
            clock=clock,
            team_id=team.id,
            other_team_id=other.id,
            service_id=service.id,
            other_service_id=other_service.id,
            integration_id=integration.id,
            alice=Principal(alice.id, alice.email, "Alice", "responder", {team.id: "member"}),
            carol=Principal(carol.id, carol.email, "Carol", "responder", {other.id: "member"}),
            olive=Principal(olive.id, olive.email, "Olive", "observer", {team.id: "member"}),
            admin=Principal(admin.id, admin.email, "Admin", "admin"),
        )
