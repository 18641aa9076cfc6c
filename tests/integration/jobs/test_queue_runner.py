"""The job queue on a real database (SQLite and PostgreSQL): enqueue, claim, leases, retries,
dead jobs, outside work, graceful release, and periodic ticks. Time is a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from tests.support.jobkinds import EFFECT_KIND, create_effects_table, drop_effects_table, effects
from tests.support.jobkinds import registry as effect_registry

from slar.db import Database
from slar.jobs import repository as repo
from slar.jobs.handlers import Handler, OutsideWork, PermanentFailure
from slar.jobs.models import Job
from slar.jobs.queue import enqueue
from slar.jobs.runner import Outcome, Runner, RunnerConfig
from slar.jobs.ticks import TickScheduler
from slar.kernel.clock import FakeClock

BASE = 10.0
MAXIMUM = 300.0


@pytest.fixture
def effect_db(db: Database) -> Iterator[Database]:
    create_effects_table(db)
    yield db
    drop_effects_table(db)


def make_runner(
    db: Database,
    clock: FakeClock,
    handlers: dict[str, Handler],
    *,
    worker_id: str = "w1",
    **config: Any,
) -> Runner:
    defaults: dict[str, Any] = {
        "batch_size": 10,
        "lease_seconds": 60,
        "max_retries": 3,
        "backoff_base": BASE,
        "backoff_max": MAXIMUM,
        "poll_interval": 0.1,
        "concurrency": 1,
    }
    defaults.update(config)
    return Runner(db, clock, handlers, RunnerConfig(worker_id=worker_id, **defaults))


def add(db: Database, clock: FakeClock, key: str, **kwargs: Any) -> int:
    with db.transaction() as session:
        job = enqueue(session, EFFECT_KIND, {"key": key}, now=clock.now(), **kwargs)
        assert job is not None
        return job.id


def jobs(db: Database) -> list[Job]:
    with db.read() as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


# --- enqueue -----------------------------------------------------------------------------------


def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(
    db: Database, clock: FakeClock
) -> None:
    class Boom(Exception):
        pass

    def enqueue_then_fail() -> None:
        with db.transaction() as session:
            assert enqueue(session, EFFECT_KIND, {"key": "a"}, now=clock.now()) is not None
            raise Boom

    with pytest.raises(Boom):
        enqueue_then_fail()
    assert jobs(db) == []


def test_dedup_key_makes_enqueue_idempotent_while_pending(
    effect_db: Database, clock: FakeClock
) -> None:
    first = add(effect_db, clock, "a", dedup_key="incident:1:step")
    with effect_db.transaction() as session:
        again = enqueue(
            session, EFFECT_KIND, {"key": "b"}, now=clock.now(), dedup_key="incident:1:step"
        )
        assert again is None
    assert [j.id for j in jobs(effect_db)] == [first]
    with make_runner(effect_db, clock, effect_registry) as runner:
        assert runner.run_due().claimed == 1
    # Once the job is done, the key is free again.
    add(effect_db, clock, "c", dedup_key="incident:1:step")
    assert [j.payload for j in jobs(effect_db)] == [{"key": "c"}]
    assert [k for k, _ in effects(effect_db)] == ["a"]


# --- claiming ------------------------------------------------------------------------------------


def test_claim_respects_run_at_and_order(effect_db: Database, clock: FakeClock) -> None:
    now = clock.now()
    later = add(effect_db, clock, "later", run_at=now + timedelta(minutes=10))
    second = add(effect_db, clock, "second", run_at=now - timedelta(seconds=5))
    first = add(effect_db, clock, "first", run_at=now - timedelta(seconds=10))
    with effect_db.transaction() as session:
        claimed = repo.claim(
            session,
            kinds={EFFECT_KIND},
            worker_id="w1",
            now=now,
            locked_until=now + timedelta(hours=1),
            limit=10,
        )
    assert [c.id for c in claimed] == [first, second]
    assert all(c.attempts == 1 for c in claimed)
    by_id = {j.id: j for j in jobs(effect_db)}
    assert by_id[first].status == "running" and by_id[first].locked_by == "w1"
    assert by_id[first].locked_until == now + timedelta(hours=1)
    assert by_id[later].status == "queued"

    clock.advance(timedelta(minutes=10))
    with make_runner(effect_db, clock, effect_registry, worker_id="w2") as runner:
        assert runner.run_due().claimed == 1  # only "later"; the others are leased to w1
    assert [k for k, _ in effects(effect_db)] == ["later"]


def test_batch_size_is_honoured_and_only_known_kinds_are_claimed(
    effect_db: Database, clock: FakeClock
) -> None:
    for i in range(5):
        add(effect_db, clock, f"k{i}")
    with effect_db.transaction() as session:
        enqueue(session, "slack.deliver", {"delivery_id": 1}, now=clock.now())
    with make_runner(effect_db, clock, effect_registry, batch_size=2) as runner:
        assert runner.run_batch().claimed == 2
        assert runner.run_batch().claimed == 2
        assert runner.run_batch().claimed == 1
        assert runner.run_batch().claimed == 0
    [left] = jobs(effect_db)
    assert left.kind == "slack.deliver" and left.status == "queued" and left.attempts == 0


# --- failures ------------------------------------------------------------------------------------


def test_backoff_schedule_then_dead_after_max_retries(db: Database, clock: FakeClock) -> None:
    calls: list[datetime] = []

    def flaky(session: Session, payload: dict[str, Any], now: datetime) -> None:
        calls.append(now)
        raise RuntimeError(f"smtp down (call {len(calls)})")

    with db.transaction() as session:
        enqueue(session, "flaky", {}, now=clock.now())
    runner = make_runner(db, clock, {"flaky": flaky}, max_retries=3)
    for attempt in (1, 2, 3):
        result = runner.run_due()
        assert result.count(Outcome.RETRIED) == 1
        [job] = jobs(db)
        assert job.status == "queued" and job.attempts == attempt
        assert job.locked_by is None and job.locked_until is None
        assert f"RuntimeError: smtp down (call {attempt})" in job.last_error
        expected = BASE * 2 ** (attempt - 1)
        delay = (job.run_at - clock.now()).total_seconds()
        assert expected <= delay <= expected * 1.1 + 1e-6
        # Not due yet: nothing happens.
        clock.set(job.run_at - timedelta(seconds=1))
        assert runner.run_due().claimed == 0
        clock.set(job.run_at)
    result = runner.run_due()  # attempt 4 = 1 + MAX_RETRIES
    assert result.count(Outcome.DEAD) == 1
    [job] = jobs(db)
    assert job.status == "dead" and job.attempts == 4
    assert "smtp down (call 4)" in job.last_error
    assert job.locked_by is None
    clock.advance(timedelta(days=1))
    assert runner.run_due().claimed == 0  # dead jobs stay dead
    assert len(calls) == 4


def test_backoff_is_capped(db: Database, clock: FakeClock) -> None:
    def failing(session: Session, payload: dict[str, Any], now: datetime) -> None:
        raise RuntimeError("no")

    with db.transaction() as session:
        enqueue(session, "failing", {}, now=clock.now(), max_attempts=20)
    runner = make_runner(db, clock, {"failing": failing}, backoff_max=40.0)
    delays = []
    for _ in range(6):
        runner.run_due()
        [job] = jobs(db)
        delays.append((job.run_at - clock.now()).total_seconds())
        clock.set(job.run_at)
    for delay, expected in zip(delays, [10, 20, 40, 40, 40, 40], strict=True):
        assert expected <= delay <= expected * 1.1 + 1e-6


def test_per_job_max_attempts_overrides_max_retries(db: Database, clock: FakeClock) -> None:
    def failing(session: Session, payload: dict[str, Any], now: datetime) -> None:
        raise RuntimeError("no")

    with db.transaction() as session:
        enqueue(session, "failing", {}, now=clock.now(), max_attempts=1)
    runner = make_runner(db, clock, {"failing": failing}, max_retries=5)
    assert runner.run_due().count(Outcome.DEAD) == 1
    assert jobs(db)[0].status == "dead"


def test_permanent_failure_is_dead_at_once_and_rolls_back_the_handler(
    effect_db: Database, clock: FakeClock
) -> None:
    def hopeless(session: Session, payload: dict[str, Any], now: datetime) -> None:
        effect_registry[EFFECT_KIND](session, {"key": "partial"}, now)
        raise PermanentFailure("incident 7 does not exist")

    with effect_db.transaction() as session:
        enqueue(session, "hopeless", {"incident_id": 7}, now=clock.now())
    with make_runner(effect_db, clock, {"hopeless": hopeless}, max_retries=5) as runner:
        assert runner.run_due().count(Outcome.DEAD) == 1
    [job] = jobs(effect_db)
    assert job.status == "dead" and job.attempts == 1
    assert "PermanentFailure: incident 7 does not exist" in job.last_error
    assert effects(effect_db) == []  # the handler's writes were rolled back


def test_success_deletes_the_job_with_the_handlers_writes(
    effect_db: Database, clock: FakeClock
) -> None:
    add(effect_db, clock, "a")
    add(effect_db, clock, "b")
    with make_runner(effect_db, clock, effect_registry) as runner:
        result = runner.run_due()
    assert result.count(Outcome.DONE) == 2
    assert sorted(k for k, _ in effects(effect_db)) == ["a", "b"]
    assert jobs(effect_db) == []


# --- outside work --------------------------------------------------------------------------------


def _assert_no_transaction_holds(db: Database, job_id: int) -> None:
    """Fails (PostgreSQL: lock not available; SQLite: database is locked after the busy
    timeout) if the runner still held the job's transaction while ``run()`` was called."""
    with db.transaction() as session:
        session.execute(select(Job.id).where(Job.id == job_id).with_for_update(nowait=True))


def test_outside_work_success(effect_db: Database, clock: FakeClock) -> None:
    job_id = add(effect_db, clock, "x")
    seen: list[str] = []

    def send(session: Session, payload: dict[str, Any], now: datetime) -> OutsideWork:
        effect_registry[EFFECT_KIND](session, {"key": "prepared"}, now)

        def run() -> object:
            _assert_no_transaction_holds(effect_db, job_id)
            seen.append("run")
            return "250 OK"

        def record(session: Session, result: object, now: datetime) -> None:
            effect_registry[EFFECT_KIND](session, {"key": f"sent:{result}"}, now)

        return OutsideWork(run=run, record=record)

    with make_runner(effect_db, clock, {EFFECT_KIND: send}) as runner:
        assert runner.run_due().count(Outcome.DONE) == 1
    assert seen == ["run"]
    assert sorted(k for k, _ in effects(effect_db)) == ["prepared", "sent:250 OK"]
    assert jobs(effect_db) == []


def test_outside_work_failure_records_the_error_and_retries_then_dies(
    effect_db: Database, clock: FakeClock
) -> None:
    add(effect_db, clock, "x")
    runs = 0

    def send(session: Session, payload: dict[str, Any], now: datetime) -> OutsideWork:
        def run() -> object:
            nonlocal runs
            runs += 1
            raise ConnectionRefusedError("mail.example.com:587 refused")

        def record(session: Session, result: object, now: datetime) -> None:
            raise AssertionError("record must not run after a failure")

        def on_error(session: Session, error: Exception, now: datetime) -> None:
            effect_registry[EFFECT_KIND](session, {"key": f"failed:{type(error).__name__}"}, now)

        return OutsideWork(run=run, record=record, on_error=on_error)

    runner = make_runner(effect_db, clock, {EFFECT_KIND: send}, max_retries=1)
    assert runner.run_due().count(Outcome.RETRIED) == 1
    [job] = jobs(effect_db)
    assert job.status == "queued" and "ConnectionRefusedError" in job.last_error
    clock.set(job.run_at)
    assert runner.run_due().count(Outcome.DEAD) == 1
    assert jobs(effect_db)[0].status == "dead"
    assert runs == 2
    assert [k for k, _ in effects(effect_db)] == ["failed:ConnectionRefusedError"] * 2


def test_outside_work_whose_record_fails_is_retried(effect_db: Database, clock: FakeClock) -> None:
    add(effect_db, clock, "x")

    def send(session: Session, payload: dict[str, Any], now: datetime) -> OutsideWork:
        def record(session: Session, result: object, now: datetime) -> None:
            effect_registry[EFFECT_KIND](session, {"key": "half"}, now)
            raise ValueError("provider answered garbage")

        return OutsideWork(run=lambda: "ok", record=record)

    with make_runner(effect_db, clock, {EFFECT_KIND: send}) as runner:
        assert runner.run_due().count(Outcome.RETRIED) == 1
    [job] = jobs(effect_db)
    assert job.status == "queued" and "provider answered garbage" in job.last_error
    assert effects(effect_db) == []  # the failed record transaction left nothing behind


def test_outside_work_permanent_failure_in_run_is_dead_at_once(
    db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        enqueue(session, "send", {}, now=clock.now())

    def send(session: Session, payload: dict[str, Any], now: datetime) -> OutsideWork:
        def run() -> object:
            raise PermanentFailure("550 no such mailbox")

        return OutsideWork(run=run, record=lambda s, r, n: None)

    with make_runner(db, clock, {"send": send}, max_retries=5) as runner:
        assert runner.run_due().count(Outcome.DEAD) == 1
    assert "550 no such mailbox" in jobs(db)[0].last_error


# --- leases --------------------------------------------------------------------------------------


def _claim_as(db: Database, clock: FakeClock, worker_id: str, lease: float = 60) -> list[int]:
    with db.transaction() as session:
        now = clock.now()
        claimed = repo.claim(
            session,
            kinds={EFFECT_KIND},
            worker_id=worker_id,
            now=now,
            locked_until=now + timedelta(seconds=lease),
            limit=100,
        )
    return [c.id for c in claimed]


def test_an_expired_lease_is_claimed_again(effect_db: Database, clock: FakeClock) -> None:
    add(effect_db, clock, "a")
    assert len(_claim_as(effect_db, clock, "dead-worker")) == 1  # then the worker dies
    with make_runner(effect_db, clock, effect_registry, worker_id="w2") as runner:
        clock.advance(timedelta(seconds=59))
        assert runner.run_due().claimed == 0  # lease still valid
        clock.advance(timedelta(seconds=2))
        result = runner.run_due()
    assert result.count(Outcome.DONE) == 1
    assert effects(effect_db) == [("a", "in-process")]
    assert jobs(effect_db) == []


def test_a_worker_whose_lease_was_taken_over_does_nothing(
    effect_db: Database, clock: FakeClock
) -> None:
    add(effect_db, clock, "a")
    slow = make_runner(effect_db, clock, effect_registry, worker_id="slow")
    with effect_db.transaction() as session:
        now = clock.now()
        [claimed] = repo.claim(
            session,
            kinds={EFFECT_KIND},
            worker_id="slow",
            now=now,
            locked_until=now + timedelta(seconds=60),
            limit=1,
        )
    clock.advance(timedelta(seconds=61))
    assert _claim_as(effect_db, clock, "fast") == [claimed.id]
    assert slow.execute(claimed) is Outcome.LOST
    assert effects(effect_db) == []
    [job] = jobs(effect_db)
    assert job.status == "running" and job.locked_by == "fast"


def test_leases_of_waiting_jobs_are_renewed_while_a_batch_runs_long(
    db: Database, clock: FakeClock
) -> None:
    start = clock.now()
    ids = []
    with db.transaction() as session:
        for i in range(3):
            job = enqueue(session, "slow", {"i": i}, now=start)
            assert job is not None
            ids.append(job.id)
    seen: dict[int, datetime | None] = {}

    def slow(session: Session, payload: dict[str, Any], now: datetime) -> None:
        if payload["i"] == 0:
            clock.advance(timedelta(seconds=40))  # longer than half the lease
        elif payload["i"] == 1:
            seen[ids[2]] = session.scalar(select(Job.locked_until).where(Job.id == ids[2]))

    with make_runner(db, clock, {"slow": slow}, lease_seconds=60) as runner:
        assert runner.run_batch().count(Outcome.DONE) == 3
    # Claimed at start with a 60 s lease; renewed at +40 s when job 1 started: +100 s.
    assert seen == {ids[2]: start + timedelta(seconds=100)}


def test_a_job_that_keeps_killing_its_worker_is_buried(
    effect_db: Database, clock: FakeClock
) -> None:
    add(effect_db, clock, "poison", max_attempts=2)
    for _ in range(2):  # two workers die with it in hand
        assert len(_claim_as(effect_db, clock, "doomed")) == 1
        clock.advance(timedelta(seconds=61))
    with make_runner(effect_db, clock, effect_registry) as runner:
        assert runner.run_due().count(Outcome.DEAD) == 1
    [job] = jobs(effect_db)
    assert job.status == "dead" and "never finished" in job.last_error
    assert effects(effect_db) == []


# --- graceful shutdown ---------------------------------------------------------------------------


def test_stop_finishes_the_job_in_hand_and_releases_the_rest(
    effect_db: Database, clock: FakeClock
) -> None:
    for i in range(5):
        add(effect_db, clock, f"k{i}")
    runner: Runner | None = None

    def first_then_sigterm(session: Session, payload: dict[str, Any], now: datetime) -> None:
        assert runner is not None
        runner.stop()  # what the SIGTERM handler does, arriving while this job runs
        effect_registry[EFFECT_KIND](session, payload, now)

    runner = make_runner(effect_db, clock, {EFFECT_KIND: first_then_sigterm})
    result = runner.run_batch()
    runner.close()
    assert result.claimed == 5
    assert result.count(Outcome.DONE) == 1 and result.count(Outcome.NOT_STARTED) == 4
    assert [k for k, _ in effects(effect_db)] == ["k0"]
    left = jobs(effect_db)
    assert len(left) == 4
    assert all(
        j.status == "queued" and j.locked_by is None and j.locked_until is None for j in left
    )
    assert all(j.attempts == 0 for j in left)  # the release does not count as an attempt
    with make_runner(effect_db, clock, effect_registry, worker_id="next") as runner2:
        assert runner2.run_due().count(Outcome.DONE) == 4


def test_concurrent_batch_runs_every_job_once(effect_db: Database, clock: FakeClock) -> None:
    for i in range(40):
        add(effect_db, clock, f"k{i}")
    with make_runner(effect_db, clock, effect_registry, concurrency=4, batch_size=15) as runner:
        result = runner.run_due()
    assert result.count(Outcome.DONE) == 40
    keys = [k for k, _ in effects(effect_db)]
    assert sorted(keys) == sorted(f"k{i}" for i in range(40))


# --- ticks ---------------------------------------------------------------------------------------


def test_ticks_run_once_per_interval_by_the_clock(db: Database, clock: FakeClock) -> None:
    runs: list[tuple[str, datetime]] = []
    ticks = TickScheduler(
        db,
        clock,
        [
            ("fast", 10.0, lambda session, now: runs.append(("fast", now))),
            ("slow", 60.0, lambda session, now: runs.append(("slow", now))),
        ],
    )
    start = clock.now()
    assert ticks.run_due() == ["fast", "slow"]
    assert ticks.run_due() == []
    assert ticks.seconds_until_next() == 10.0
    clock.advance(timedelta(seconds=10))
    assert ticks.run_due() == ["fast"]
    clock.advance(timedelta(seconds=50))
    assert ticks.run_due() == ["fast", "slow"]
    assert runs == [
        ("fast", start),
        ("slow", start),
        ("fast", start + timedelta(seconds=10)),
        ("fast", start + timedelta(seconds=60)),
        ("slow", start + timedelta(seconds=60)),
    ]


def test_a_failing_tick_is_logged_and_rolled_back(effect_db: Database, clock: FakeClock) -> None:
    def broken(session: Session, now: datetime) -> None:
        effect_registry[EFFECT_KIND](session, {"key": "tick"}, now)
        raise RuntimeError("tick bug")

    ticks = TickScheduler(effect_db, clock, [("broken", 5.0, broken)])
    assert ticks.run_due() == []
    assert effects(effect_db) == []


def test_a_tick_runs_on_one_replica_at_a_time(db: Database, clock: FakeClock) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has a single writer; the advisory lock is PostgreSQL's")
    runs: list[datetime] = []
    ticks = TickScheduler(db, clock, [("sweep", 5.0, lambda s, now: runs.append(now))])
    with db.transaction() as other_replica:
        locked = other_replica.scalar(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": repo.advisory_key("sweep")}
        )
        assert locked
        assert ticks.run_due() == []  # the other replica is running it: skipped, not queued
    clock.advance(timedelta(seconds=5))
    assert ticks.run_due() == ["sweep"]
    assert len(runs) == 1
