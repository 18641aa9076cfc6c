"""A GoAlert-style scenario harness: seed a world, move a fake clock, run the real worker, and
assert exactly which messages went to whom.

``World`` seeds through the real domain services with an admin principal (users, contact
methods, personal rules, teams, schedules, policies, services with a generic integration),
ingests alerts through ``slar.domain.alerts.service.receive``, and runs the worker that
``slar worker`` runs (``build_worker`` with ``job_handlers`` and, on request, the periodic
ticks) against in-memory recording senders. Every message "sent" is kept with the instant it
went out; ``expect`` consumes the ones a scenario predicts and ``expect_nothing_else`` fails on
any other, so a scenario is a story::

    w = World(db, clock)
    alice = w.user("alice", sms=True, rules={"high": [("email", 0), ("sms", 5)]})
    svc = w.service("api", policy=w.policy("p", levels=[(5, [alice])]))
    inc = w.alert(svc, "CPU high")
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()

The worker must stay healthy: a job that fails, retries or dies fails the scenario at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import func, or_, select
from tests.support.fakes.recording import RecordingChannels

from slar.bootstrap import build_worker, job_handlers, periodic_ticks
from slar.db import Database
from slar.domain.alerts import service as alerts
from slar.domain.catalog import service as catalog
from slar.domain.escalation import service as escalation
from slar.domain.escalation.schemas import LevelIn, PolicyIn, TargetIn
from slar.domain.identity import service as identity
from slar.domain.identity.rules import Principal
from slar.domain.incidents import service as incidents
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.domain.notifications import service as notifications
from slar.domain.notifications.models import ContactMethod
from slar.domain.notifications.ports import EmailMessage, Message, SmsMessage, WebhookMessage
from slar.domain.notifications.rules import RuleSpec
from slar.domain.schedules import service as schedules
from slar.domain.schedules.schemas import LayerIn, RotationIn, RotationType
from slar.jobs.models import Job
from slar.jobs.runner import Outcome, Runner
from slar.kernel.clock import FakeClock
from slar.settings import Settings, load_settings

PUBLIC_URL = "https://slar.example"
SECRET = "scenario-secret-key-that-is-long-enough-for-hs256"
CHANNELS = ("email", "sms", "webhook")
MAX_ROUNDS = 50


# --- handles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A user of the world and where each of their channels reaches them."""

    id: int
    name: str
    email: str
    phone: str
    webhook: str

    def address(self, channel: str) -> str:
        return {"email": self.email, "sms": self.phone, "webhook": self.webhook}[channel]


@dataclass(frozen=True)
class TeamRef:
    id: int
    name: str


@dataclass(frozen=True)
class ScheduleRef:
    id: int
    name: str


@dataclass(frozen=True)
class PolicyRef:
    id: int
    name: str


@dataclass(frozen=True)
class ServiceRef:
    id: int
    name: str
    key: str


@dataclass(frozen=True)
class IncidentRef:
    id: int
    title: str
    service: ServiceRef


Target = Person | ScheduleRef | TeamRef


# --- messages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One recorded message, flattened: channel, address, all its text, and when it went out."""

    channel: str
    address: str
    subject: str
    text: str
    payload: dict[str, Any]
    at: datetime

    @classmethod
    def of(cls, message: Message, at: datetime) -> Sent:
        if isinstance(message, EmailMessage):
            return cls("email", message.to, message.subject, message.text, {}, at)
        if isinstance(message, SmsMessage):
            return cls("sms", message.to, "", message.body, {}, at)
        assert isinstance(message, WebhookMessage)
        body = dict(message.body)
        return cls("webhook", message.url, str(body.get("subject", "")), json.dumps(body), body, at)

    def incident_id(self) -> int | None:
        """The incident a page is about, read from what the recipient sees."""
        if self.channel == "webhook":
            incident = self.payload.get("incident")
            return int(incident["id"]) if isinstance(incident, dict) else None
        head = self.subject if self.channel == "email" else self.text
        if not head.startswith("[SLAR] #"):
            return None
        number = head.removeprefix("[SLAR] #").split(" ", 1)[0]
        return int(number) if number.isdigit() else None

    def describe(self) -> str:
        head = self.subject or next(iter(self.text.splitlines()), "")
        return f"{self.channel} to {self.address} at {self.at:%H:%M}: {head[:120]}"


@dataclass(frozen=True)
class Expected:
    """A message a scenario predicts: a page about ``incident`` or a handoff notice for
    ``schedule``, by ``channel`` to ``person``."""

    channel: str
    person: Person
    incident: IncidentRef | None = None
    schedule: ScheduleRef | None = None

    def matches(self, sent: Sent) -> bool:
        if sent.channel != self.channel or sent.address != self.person.address(self.channel):
            return False
        if self.incident is not None:
            if sent.incident_id() != self.incident.id or self.incident.title not in sent.text:
                return False
            return self.channel != "email" or sent.subject.startswith(
                f"[SLAR] #{self.incident.id} {self.incident.title} ({self.incident.service.name})"
            )
        assert self.schedule is not None
        return sent.subject.startswith(f"[SLAR] You are on call for {self.schedule.name} from")

    def describe(self) -> str:
        about = (
            f"page about #{self.incident.id} {self.incident.title!r}"
            if self.incident is not None
            else f"handoff notice for {self.schedule.name if self.schedule else '?'}"
        )
        return f"{self.channel} to {self.person.address(self.channel)}: {about}"


def page(channel: str, person: Person, incident: IncidentRef) -> Expected:
    return Expected(channel, person, incident=incident)


def notice(person: Person, schedule: ScheduleRef) -> Expected:
    """The handoff e-mail "you are on call for <schedule> from ..."."""
    return Expected("email", person, schedule=schedule)


# --- the world ---------------------------------------------------------------------------------


class World:
    """Seed data, a fake clock, the real worker and recording channels (module docstring)."""

    def __init__(
        self,
        db: Database,
        clock: FakeClock,
        *,
        ticks: bool = False,
        settings: Settings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.channels = RecordingChannels()
        self.settings = settings or load_settings(
            {
                "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                "SLAR_SECRET_KEY": SECRET,
                "SLAR_PUBLIC_URL": PUBLIC_URL,
            }
        )
        self._ticks = ticks
        self.runner = self._worker()
        self._seen = 0
        self._pending: list[Sent] = []
        self._count = 0
        now = clock.now()
        with db.transaction() as session:
            admin = identity.create_user_unchecked(
                session,
                email="admin@scenario.example",
                name="Admin",
                password=None,
                role="admin",
                now=now,
            )
            self.admin = Principal(admin.id, admin.email, admin.name, "admin")
            team = identity.create_team(
                session, name="Operations", description="", principal=self.admin, now=now
            )
            self.team = TeamRef(team.id, team.name)

    # --- life cycle ------------------------------------------------------------------------

    def _worker(self) -> Runner:
        return build_worker(
            self.settings,
            self.clock,
            job_handlers(self.settings, senders=self.channels.senders()),
            periodic_ticks(self.settings) if self._ticks else (),
            db=self.db,
        )

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> World:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def at(self, **delta: float) -> datetime:
        """An instant relative to now (``w.at(minutes=30)``)."""
        return self.now + timedelta(**delta)

    # --- seeding ---------------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        email: bool = False,
        sms: bool = False,
        webhook: bool = False,
        rules: dict[str, Sequence[tuple[str, int]]] | None = None,
    ) -> Person:
        """A responder with the given contact methods (verified) and personal rules; no rules
        means the default (an e-mail to the account address at once). A channel named in
        ``rules`` gets its contact method even when its flag is not set."""
        self._count += 1
        person = Person(
            id=0,
            name=name.title(),
            email=f"{name}@scenario.example",
            phone=f"+1555{self._count:07d}",
            webhook=f"https://hooks.scenario.example/{name}",
        )
        wanted = {c for c, flag in (("email", email), ("sms", sms), ("webhook", webhook)) if flag}
        wanted |= {channel for specs in (rules or {}).values() for channel, _ in specs}
        now = self.now
        with self.db.transaction() as session:
            user = identity.create_user(
                session,
                email=person.email,
                name=person.name,
                role="responder",
                password=None,
                principal=self.admin,
                now=now,
            )
            methods: dict[str, int] = {}
            for channel in CHANNELS:
                if channel not in wanted:
                    continue
                out = notifications.create_contact_method(
                    session,
                    principal=self.admin,
                    kind=channel,
                    address=person.address(channel),
                    user_id=user.id,
                    now=now,
                )
                # Verification has its own tests (tests/integration/notifications); here it
                # is a given, as it is for a user who set their phone up long ago.
                session.get_one(ContactMethod, out.id).verified = True
                methods[channel] = out.id
            if rules:
                notifications.replace_rules(
                    session,
                    principal=self.admin,
                    user_id=user.id,
                    rules_in=[
                        RuleSpec(methods[channel], urgency, delay)
                        for urgency, specs in rules.items()
                        for channel, delay in specs
                    ],
                    now=now,
                )
            return Person(user.id, person.name, person.email, person.phone, person.webhook)

    def team_of(self, name: str, members: Iterable[Person]) -> TeamRef:
        """A team whose members are ``members`` (a team target pages them all)."""
        with self.db.transaction() as session:
            team = identity.create_team(
                session, name=name, description="", principal=self.admin, now=self.now
            )
            for member in members:
                identity.set_membership(
                    session, team_id=team.id, user_id=member.id, role="member", principal=self.admin
                )
            return TeamRef(team.id, team.name)

    def schedule(
        self,
        name: str,
        users: Sequence[Person],
        *,
        rotation: RotationType = "daily",
        length: int = 1,
        handoff: str | None = "09:00",
        start: datetime | None = None,
        time_zone: str = "UTC",
    ) -> ScheduleRef:
        """A one-layer schedule rotating through ``users`` from ``start`` (default: now).
        Hour-based rotations (``hourly``) hand off every ``length`` hours from ``start``."""
        hourly = rotation == "hourly"
        layer = LayerIn(
            name="primary",
            users=[u.id for u in users],
            rotation=RotationIn(
                type=rotation,
                length=length,
                handoff_time=None if hourly else handoff,
            ),
            start=start or self.now,
        )
        with self.db.transaction() as session:
            out = schedules.create_schedule(
                session,
                team_id=self.team.id,
                name=name,
                time_zone=time_zone,
                layers=[layer],
                principal=self.admin,
                now=self.now,
                public_url=PUBLIC_URL,
            )
            return ScheduleRef(out.id, out.name)

    def override(
        self, schedule: ScheduleRef, person: Person, *, start: datetime, end: datetime
    ) -> None:
        with self.db.transaction() as session:
            schedules.create_override(
                session,
                schedule_id=schedule.id,
                user_id=person.id,
                start=start,
                end=end,
                principal=self.admin,
                now=self.now,
            )

    def policy(
        self,
        name: str,
        levels: Sequence[tuple[int, Sequence[Target]]],
        *,
        repeat: int = 0,
    ) -> PolicyRef:
        """An escalation policy: ``levels`` are ``(delay_minutes, targets)`` in order."""
        body = PolicyIn(
            team_id=self.team.id,
            name=name,
            repeat_count=repeat,
            levels=[
                LevelIn(delay_minutes=delay, targets=[_target(t) for t in targets])
                for delay, targets in levels
            ],
        )
        with self.db.transaction() as session:
            out = escalation.create_policy(session, body=body, principal=self.admin, now=self.now)
            return PolicyRef(out.id, out.name)

    def service(
        self,
        name: str,
        *,
        policy: PolicyRef | None = None,
        ack_timeout_minutes: int | None = None,
        urgency: str = "high",
    ) -> ServiceRef:
        """A service with a generic integration (the key ``alert`` sends with)."""
        with self.db.transaction() as session:
            service = catalog.create_service(
                session,
                team_id=self.team.id,
                name=name,
                urgency=urgency,
                escalation_policy_id=policy.id if policy else None,
                ack_timeout_minutes=ack_timeout_minutes,
                principal=self.admin,
                now=self.now,
            )
            integration = catalog.create_integration(
                session,
                service_id=service.id,
                name=f"{name} monitoring",
                kind="generic",
                principal=self.admin,
                public_url=PUBLIC_URL,
                now=self.now,
            )
            assert integration.key is not None
            return ServiceRef(service.id, service.name, integration.key)

    def maintenance(self, service: ServiceRef, *, start: datetime, end: datetime) -> None:
        with self.db.transaction() as session:
            catalog.create_maintenance_window(
                session,
                service_id=service.id,
                starts_at=start,
                ends_at=end,
                description="scenario maintenance",
                principal=self.admin,
                now=self.now,
            )

    # --- events ----------------------------------------------------------------------------

    def alert(
        self, service: ServiceRef, title: str, *, dedup_key: str | None = None
    ) -> IncidentRef | None:
        """A monitoring tool fires: ingest one generic alert, as the webhook endpoint does.
        Returns the incident it opened or counted on (None when it was suppressed)."""
        body: dict[str, Any] = {"title": title, "severity": "critical"}
        if dedup_key is not None:
            body["dedup_key"] = dedup_key
        with self.db.transaction() as session:
            result = alerts.receive(
                session, key=service.key, kind="generic", body=body, now=self.now
            )
        if not result.incidents:
            return None
        [incident_id] = result.incidents
        return IncidentRef(incident_id, title, service)

    def ack(self, incident: IncidentRef) -> None:
        with self.db.transaction() as session:
            incidents.acknowledge(session, incident_id=incident.id, actor=self.admin, now=self.now)

    def unack(self, incident: IncidentRef) -> None:
        with self.db.transaction() as session:
            incidents.unacknowledge(
                session, incident_id=incident.id, actor=self.admin, now=self.now
            )

    def resolve(self, incident: IncidentRef) -> None:
        with self.db.transaction() as session:
            incidents.resolve(session, incident_id=incident.id, actor=self.admin, now=self.now)

    def snooze(self, incident: IncidentRef, *, minutes: int) -> None:
        with self.db.transaction() as session:
            incidents.snooze(
                session, incident_id=incident.id, minutes=minutes, actor=self.admin, now=self.now
            )

    def reassign(self, incident: IncidentRef, to: Person) -> None:
        with self.db.transaction() as session:
            incidents.reassign(
                session, incident_id=incident.id, assignee_id=to.id, actor=self.admin, now=self.now
            )

    def escalate(self, incident: IncidentRef) -> int:
        """Manual escalation; returns the (0-based) level now paging."""
        with self.db.transaction() as session:
            return escalation.escalate(
                session, incident_id=incident.id, principal=self.admin, now=self.now
            )

    # --- time and the worker ---------------------------------------------------------------

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    def run(self) -> None:
        """Run the worker until nothing is due at the current instant (ticks included when
        the world has them); every job must succeed."""
        for _ in range(MAX_ROUNDS):
            result = self.runner.run_due()
            failed = {
                o.value: result.count(o)
                for o in (Outcome.RETRIED, Outcome.DEAD, Outcome.LOST, Outcome.ERROR)
                if result.count(o)
            }
            assert not failed, f"the worker failed jobs: {failed}; {self._job_errors()}"
            if result.claimed == 0 and self._due_jobs() == 0:
                break
        else:
            raise AssertionError(f"the worker did not settle in {MAX_ROUNDS} rounds")
        self._collect()

    def run_another_worker(self) -> None:
        """Run a second, fresh worker (another replica: its ticks are due at once) until
        idle, sending through the same channels."""
        runner, self.runner = self.runner, self._worker()
        try:
            self.run()
        finally:
            self.runner.close()
            self.runner = runner

    def quiet_for(self, *, minutes: int) -> None:
        """Let ``minutes`` pass one minute at a time, running the worker each minute, and
        fail if anything at all is sent meanwhile."""
        for _ in range(minutes):
            self.advance(minutes=1)
            self.run()
            self.expect_nothing_else()

    def _due_jobs(self) -> int:
        with self.db.read() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(
                        Job.kind.in_(sorted(self.runner.kinds)),
                        Job.status != "dead",
                        Job.run_at <= self.now,
                        or_(Job.status == "queued", Job.locked_until <= self.now),
                    )
                )
                or 0
            )

    def _job_errors(self) -> list[str]:
        with self.db.read() as session:
            rows = session.scalars(select(Job).where(Job.last_error != ""))
            return [f"{job.kind} {job.payload}: {job.last_error}" for job in rows]

    def _collect(self) -> None:
        with self.channels.lock:
            fresh = self.channels.sent[self._seen :]
            self._seen = len(self.channels.sent)
        self._pending.extend(Sent.of(m, self.now) for m in fresh)

    # --- expectations ----------------------------------------------------------------------

    def expect(self, *wanted: Expected | tuple[str, Person, IncidentRef]) -> list[Sent]:
        """Each predicted message went out (since the last check); consume them."""
        self._collect()
        found: list[Sent] = []
        for item in wanted:
            expected = item if isinstance(item, Expected) else page(*item)
            match = next((s for s in self._pending if expected.matches(s)), None)
            if match is None:
                raise AssertionError(
                    f"expected {expected.describe()} at {self.now:%H:%M}, but it was not sent; "
                    f"unclaimed messages: {self._listing()}"
                )
            self._pending.remove(match)
            found.append(match)
        return found

    def expect_nothing_else(self) -> None:
        """No message went out beyond those already expected."""
        self._collect()
        if self._pending:
            raise AssertionError(f"unexpected messages: {self._listing()}")

    def _listing(self) -> str:
        return "; ".join(s.describe() for s in self._pending) or "none"

    # --- reading state ---------------------------------------------------------------------

    def timeline(self, incident: IncidentRef) -> list[tuple[str, str]]:
        """``(kind, message)`` of every timeline entry of the incident, oldest first."""
        with self.db.read() as session:
            rows = session.scalars(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == incident.id)
                .order_by(IncidentEvent.id)
            )
            return [(e.kind, e.message) for e in rows]

    def kinds(self, incident: IncidentRef) -> list[str]:
        return [kind for kind, _ in self.timeline(incident)]

    def status(self, incident: IncidentRef) -> str:
        with self.db.read() as session:
            return session.get_one(Incident, incident.id).status

    def incident_count(self) -> int:
        with self.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def _target(target: Target) -> TargetIn:
    if isinstance(target, Person):
        return TargetIn(kind="user", id=target.id)
    if isinstance(target, ScheduleRef):
        return TargetIn(kind="schedule", id=target.id)
    return TargetIn(kind="team", id=target.id)
