"""Scenarios: an escalation step sends its immediate pages itself (one job per page, not two).
A send that fails is handed to a send job that retries it; a worker that died between the
step and the sending is covered by the step running again; nothing goes out twice."""

from __future__ import annotations

from sqlalchemy import select
from tests.scenarios.harness import World

from slar.bootstrap import build_worker, job_handlers
from slar.domain.escalation import engine
from slar.domain.notifications.jobs import RETRY_AFTER
from slar.domain.notifications.models import Delivery
from slar.jobs.models import Job


def _send_jobs(w: World) -> list[Job]:
    with w.db.read() as session:
        return list(session.scalars(select(Job).where(Job.kind == "notification.send")))


def _deliveries(w: World) -> list[tuple[str, int]]:
    with w.db.read() as session:
        return [(d.status, d.attempts) for d in session.scalars(select(Delivery))]


def test_the_step_sends_the_page_and_leaves_no_send_job(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    checkout = w.service("checkout", policy=w.policy("checkout", [(10, [alice])]))
    inc = w.alert(checkout, "CPU high")
    assert inc is not None

    # A worker that runs escalation steps only: the page still goes out, from the step.
    handlers = job_handlers(w.settings, senders=w.channels.senders())
    with build_worker(
        w.settings, w.clock, {engine.STEP: handlers[engine.STEP]}, (), db=w.db
    ) as steps_only:
        steps_only.run_due()
    assert [m.to for m in w.channels.sent] == ["alice@scenario.example"]
    w.run()
    w.expect(("email", alice, inc))
    assert _send_jobs(w) == []
    assert _deliveries(w) == [("sent", 1)]
    w.quiet_for(minutes=5)


def test_a_page_the_step_could_not_send_is_retried_by_its_send_job(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    checkout = w.service("checkout", policy=w.policy("checkout", [(10, [alice])]))
    inc = w.alert(checkout, "CPU high")
    assert inc is not None

    w.channels.failing.add("email")
    w.run()
    w.expect_nothing_else()
    assert _deliveries(w) == [("queued", 1)]
    [job] = _send_jobs(w)
    assert job.run_at == w.clock.now() + RETRY_AFTER

    w.channels.failing.clear()
    w.advance(seconds=RETRY_AFTER.total_seconds())
    w.run()
    w.expect(("email", alice, inc))
    assert _deliveries(w) == [("sent", 2)]
    assert "notification_failed" not in {kind for kind, _ in w.timeline(inc)}
    w.quiet_for(minutes=5)


def test_a_worker_that_died_before_sending_is_covered_by_the_step_running_again(
    world: World,
) -> None:
    w = world
    alice = w.user("alice", email=True)
    checkout = w.service("checkout", policy=w.policy("checkout", [(10, [alice])]))
    inc = w.alert(checkout, "CPU high")
    assert inc is not None

    # A worker runs the step and commits, then dies before its outside work (the sending).
    step = job_handlers(w.settings, senders=w.channels.senders())[engine.STEP]
    with w.db.transaction() as session:
        job = session.scalars(select(Job).where(Job.kind == engine.STEP)).one()
        outside = step(session, dict(job.payload), w.clock.now())
    assert outside is not None  # the sending it never did
    assert _send_jobs(w) == []
    assert _deliveries(w) == [("queued", 0)]

    w.advance(seconds=30)
    w.run()  # the step job again (its lease expired): fenced, it sends what was left queued
    w.expect(("email", alice, inc))
    assert _deliveries(w) == [("sent", 1)]
    w.quiet_for(minutes=5)
