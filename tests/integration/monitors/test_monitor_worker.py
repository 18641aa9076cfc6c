"""Uptime checks run by the real worker (``build_worker`` with ``job_handlers`` and the monitor
ticks) against a website on loopback, on both databases, with a fake clock: the failure
threshold opens one incident with the failure details, the first success resolves it,
maintenance windows hold incidents back, two workers probe each slot exactly once, and old
results are deleted."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.support.fakes.websites import Website

from slar.bootstrap import build_worker, job_handlers, monitor_ticks
from slar.db import Database
from slar.domain.catalog import service as catalog
from slar.domain.catalog.models import MaintenanceWindow
from slar.domain.identity.models import Team
from slar.domain.identity.rules import Principal
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.domain.monitors import service as monitors
from slar.domain.monitors import sweeps
from slar.domain.monitors.guard import policy_from_settings
from slar.domain.monitors.models import CheckResult, UptimeCheck
from slar.domain.monitors.schemas import CheckIn
from slar.jobs.runner import Runner
from slar.kernel.clock import FakeClock
from slar.settings import Settings, load_settings

ADMIN = Principal(user_id=0, email="root@example.com", name="Root", role="admin")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "SLAR_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
            "SLAR_MONITOR_ALLOW_LIST": "127.0.0.1/32",
            "SLAR_WORKER_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture
def site() -> Iterator[Website]:
    with Website() as website:
        yield website


def service_id(db: Database, clock: FakeClock, name: str = "shop") -> int:
    with db.transaction() as session:
        team = Team(name=f"team-{name}", description="", created_at=clock.now())
        session.add(team)
        session.flush()
        return catalog.create_service(
            session, team_id=team.id, name=name, principal=ADMIN, now=clock.now()
        ).id


def add_check(
    db: Database, clock: FakeClock, settings: Settings, svc: int, url: str, **fields: object
) -> int:
    values: dict[str, object] = {
        "service_id": svc,
        "name": "shop home",
        "kind": "http",
        "target": url,
        "interval_seconds": 30,
        "failure_threshold": 2,
        "timeout_seconds": 2,
    }
    body = CheckIn.model_validate({**values, **fields})
    with db.transaction() as session:
        return monitors.create_check(
            session,
            body=body,
            principal=ADMIN,
            policy=policy_from_settings(settings),
            now=clock.now(),
        ).id


def worker(db: Database, clock: FakeClock, settings: Settings) -> Runner:
    return build_worker(settings, clock, job_handlers(settings), monitor_ticks(settings), db=db)


def drive(runners: Sequence[Runner], clock: FakeClock, seconds: int) -> None:
    """Move time one second at a time, letting every worker do what is due."""
    for _ in range(seconds):
        clock.advance(timedelta(seconds=1))
        for runner in runners:
            runner.run_due()


def results(db: Database, check_id: int) -> list[CheckResult]:
    with db.read() as session:
        stmt = select(CheckResult).where(CheckResult.check_id == check_id)
        return list(session.scalars(stmt.order_by(CheckResult.started_at)))


def incidents(db: Database, check_id: int) -> list[Incident]:
    with db.read() as session:
        stmt = select(Incident).where(Incident.dedup_key == f"monitor:check:{check_id}")
        return list(session.scalars(stmt.order_by(Incident.id)))


def check_row(db: Database, check_id: int) -> UptimeCheck:
    with db.read() as session:
        check = session.get(UptimeCheck, check_id)
        assert check is not None
        session.expunge(check)
        return check


def test_threshold_opens_one_incident_and_recovery_resolves_it(
    db: Database, clock: FakeClock, settings: Settings, site: Website
) -> None:
    check_id = add_check(db, clock, settings, service_id(db, clock), f"{site.url}/home")
    with worker(db, clock, settings) as runner:
        drive([runner], clock, 30)
        assert [r.ok for r in results(db, check_id)] == [True]
        assert check_row(db, check_id).state == "up"

        site.behaviour.status = 503
        drive([runner], clock, 30)
        assert check_row(db, check_id).consecutive_failures == 1
        assert incidents(db, check_id) == []  # one failure is below the threshold of 2

        drive([runner], clock, 60)  # two more failures: one incident, not two
        [incident] = incidents(db, check_id)
        assert incident.status == "triggered"
        assert incident.title.startswith("shop home is down: HTTP 503")
        assert "failed 2 time(s) in a row" in incident.description
        assert incident.labels["check_id"] == str(check_id)
        row = check_row(db, check_id)
        assert (row.state, row.consecutive_failures, row.incident_id) == ("down", 3, incident.id)

        site.behaviour.status = 200
        drive([runner], clock, 30)
    [incident] = incidents(db, check_id)
    assert incident.status == "resolved"
    with db.read() as session:
        kinds = list(
            session.scalars(
                select(IncidentEvent.kind)
                .where(IncidentEvent.incident_id == incident.id)
                .order_by(IncidentEvent.id)
            )
        )
    assert kinds == ["triggered", "resolved"]
    row = check_row(db, check_id)
    assert (row.state, row.consecutive_failures, row.incident_id) == ("up", 0, None)
    found = results(db, check_id)
    assert [r.ok for r in found] == [True, False, False, False, True]
    assert all(r.lateness_ms < 1000 for r in found)  # run within a step of their slot
    assert all(r.error.startswith("HTTP 503") for r in found if not r.ok)


def test_a_maintenance_window_holds_the_incident_back_until_it_ends(
    db: Database, clock: FakeClock, settings: Settings, site: Website
) -> None:
    svc = service_id(db, clock)
    check_id = add_check(db, clock, settings, svc, site.url, failure_threshold=1)
    with db.transaction() as session:
        session.add(
            MaintenanceWindow(
                service_id=svc,
                starts_at=clock.now(),
                ends_at=clock.now() + timedelta(seconds=70),
                description="deploy",
                created_at=clock.now(),
            )
        )
    site.behaviour.status = 500
    with worker(db, clock, settings) as runner:
        drive([runner], clock, 60)
        assert check_row(db, check_id).state == "down"
        assert incidents(db, check_id) == []
        drive([runner], clock, 40)  # the window ended: the next failure opens it
    [incident] = incidents(db, check_id)
    assert incident.status == "triggered"


def test_two_workers_probe_each_check_once_per_interval(
    db: Database, clock: FakeClock, settings: Settings, site: Website
) -> None:
    svc = service_id(db, clock)
    ids = [add_check(db, clock, settings, svc, f"{site.url}/c{i}", name=f"c{i}") for i in range(4)]
    start = clock.now()
    with worker(db, clock, settings) as first, worker(db, clock, settings) as second:
        drive([first, second], clock, 300)
    for i, check_id in enumerate(ids):
        found = results(db, check_id)
        assert len(found) == 10, f"check {check_id}: {len(found)} results in 300 s at 30 s"
        assert len({r.due_at for r in found}) == 10  # one probe per slot
        assert site.hits[f"/c{i}"] == 10
        gaps = {(b.due_at - a.due_at).total_seconds() for a, b in itertools.pairwise(found)}
        assert gaps == {30.0}
        assert all(start < r.due_at for r in found)
    offsets = {results(db, c)[0].due_at for c in ids}
    assert len(offsets) == len(ids)  # spread: not all at once


def test_old_results_are_deleted_in_batches(
    db: Database, clock: FakeClock, settings: Settings, site: Website
) -> None:
    check_id = add_check(db, clock, settings, service_id(db, clock), site.url)
    with db.transaction() as session:
        for days_ago in (40, 35, 32, 1):
            at = clock.now() - timedelta(days=days_ago)
            session.add(
                CheckResult(
                    check_id=check_id, due_at=at, started_at=at, lateness_ms=0, ok=True, error=""
                )
            )
    with db.transaction() as session:
        sweeps.retention_sweep(session, clock.now(), retention_days=31)

    def remaining() -> list[datetime]:
        return [r.started_at for r in results(db, check_id)]

    assert remaining() == [clock.now() - timedelta(days=1)]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(CheckResult)) == 1


def test_the_guard_judges_again_at_probe_time(
    db: Database, clock: FakeClock, settings: Settings, site: Website, database_url: str
) -> None:
    """A target accepted when saved but refused now (the allow list shrank, or the name now
    resolves elsewhere) is never contacted: the probe fails and records why."""
    check_id = add_check(db, clock, settings, service_id(db, clock), site.url, failure_threshold=1)
    strict = load_settings(
        {
            "DATABASE_URL": database_url,
            "SLAR_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
            "SLAR_WORKER_CONCURRENCY": "1",
        }
    )
    with worker(db, clock, strict) as runner:
        drive([runner], clock, 30)
    [result] = results(db, check_id)
    assert not result.ok
    assert result.error.startswith("refused by the SSRF guard")
    assert "loopback" in result.error
    assert site.hits.total() == 0
    [incident] = incidents(db, check_id)
    assert "refused by the SSRF guard" in incident.title
