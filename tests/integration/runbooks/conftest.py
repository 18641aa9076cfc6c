"""Runbook fixtures: two teams with a service each, and principals of every kind."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from slar.db import Database
from slar.domain.catalog.models import Service
from slar.domain.identity.models import Team, User
from slar.domain.identity.rules import Principal
from slar.kernel.clock import FakeClock


@dataclass
class World:
    db: Database
    clock: FakeClock
    team_id: int
    other_team_id: int
    service_id: int
    other_service_id: int
    alice: Principal  # responder in the team
    carol: Principal  # responder in the other team
    olive: Principal  # observer
    admin: Principal


@pytest.fixture
def world(db: Database, clock: FakeClock) -> World:
    now = clock.now()
    with db.transaction() as session:
        team = Team(name="Payments", description="", created_at=now)
        other = Team(name="Search", description="", created_at=now)
        session.add_all([team, other])
        session.flush()
        service = Service(team_id=team.id, name="payments-api", created_at=now)
        other_service = Service(team_id=other.id, name="search-api", created_at=now)
        session.add_all([service, other_service])
        users = {}
        for email, role in [
            ("alice@example.com", "responder"),
            ("carol@example.com", "responder"),
            ("olive@example.com", "observer"),
            ("admin@example.com", "admin"),
        ]:
            user = User(
                email=email,
                name=email.split("@")[0].title(),
                role=role,
                is_active=True,
                timezone="UTC",
                created_at=now,
            )
            session.add(user)
            session.flush()
            users[email] = user.id
        session.flush()
        return World(
            db=db,
            clock=clock,
            team_id=team.id,
            other_team_id=other.id,
            service_id=service.id,
            other_service_id=other_service.id,
            alice=Principal(
                users["alice@example.com"],
                "alice@example.com",
                "Alice",
                "responder",
                {team.id: "member"},
            ),
            carol=Principal(
                users["carol@example.com"],
                "carol@example.com",
                "Carol",
                "responder",
                {other.id: "member"},
            ),
            olive=Principal(users["olive@example.com"], "olive@example.com", "Olive", "observer"),
            admin=Principal(users["admin@example.com"], "admin@example.com", "Admin", "admin"),
        )
