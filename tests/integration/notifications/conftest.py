"""A small world for notification tests on a real database: users, a service, incidents, and
a worker that runs the ``notification.send`` jobs due now with the given senders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select
from tests.support.fakes.recording import RecordingChannels

from slar.db import Database
from slar.domain.catalog.models import Service
from slar.domain.identity.models import Team, User
from slar.domain.identity.rules import Principal
from slar.domain.incidents.models import Incident
from slar.domain.notifications.jobs import SEND_JOB, send_notification
from slar.domain.notifications.models import Delivery
from slar.domain.notifications.ports import Senders
from slar.jobs.models import Job
from slar.jobs.runner import BatchResult, Runner, RunnerConfig
from slar.kernel.clock import FakeClock

PUBLIC_URL = "https://slar.example"


@dataclass
class World:
    db: Database
    clock: FakeClock
    service_id: int
    alice: Principal
    bob: Principal
    admin: Principal
    channels: RecordingChannels

    def incident(self, title: str = "Disk full", urgency: str = "high") -> int:
        now = self.clock.now()
        with self.db.transaction() as session:
            incident = Incident(
                title=title,
                description="",
                status="triggered",
                urgency=urgency,
                severity="critical",
                service_id=self.service_id,
                alert_count=1,
                labels={},
                links=[],
                created_at=now,
                updated_at=now,
            )
            session.add(incident)
            session.flush()
            return incident.id

    def run_jobs(self, senders: Senders | None = None) -> BatchResult:
        handlers = {
            SEND_JOB: partial(
                send_notification,
                senders=senders or self.channels.senders(),
                public_url=PUBLIC_URL,
            )
        }
        config = RunnerConfig(worker_id="test", backoff_base=1, backoff_max=1)
        with Runner(self.db, self.clock, handlers, config) as runner:
            return runner.run_due()

    def advance(self, **kwargs: float) -> None:
        self.clock.advance(timedelta(**kwargs))

    def deliveries(self) -> list[Delivery]:
        with self.db.read() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.id)))

    def jobs(self) -> list[Job]:
        with self.db.read() as session:
            return list(session.scalars(select(Job).order_by(Job.id)))


def _user(session, email: str, role: str, now) -> Principal:  # type: ignore[no-untyped-def]
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        role=role,
        is_active=True,
        timezone="Europe/London",
        created_at=now,
    )
    session.add(user)
    session.flush()
    return Principal(user.id, user.email, user.name, role)


@pytest.fixture
def world(db: Database, clock: FakeClock) -> World:
    now = clock.now()
    with db.transaction() as session:
        team = Team(name="Payments", description="", created_at=now)
        session.add(team)
        session.flush()
        service = Service(
            team_id=team.id, name="payments-api", description="", urgency="high", created_at=now
        )
        session.add(service)
        session.flush()
        return World(
            db=db,
            clock=clock,
            service_id=service.id,
            alice=_user(session, "alice@example.com", "responder", now),
            bob=_user(session, "bob@example.com", "responder", now),
            admin=_user(session, "admin@example.com", "admin", now),
            channels=RecordingChannels(),
        )
