"""A rolling batch: with several job threads, jobs that fall due while a batch runs are claimed
as threads free up, instead of waiting for the batch's slowest job."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slar.db import Database
from slar.jobs.handlers import OutsideWork
from slar.jobs.queue import enqueue
from slar.jobs.runner import Outcome, Runner, RunnerConfig
from slar.kernel.clock import FakeClock

CHAIN = 5


def test_jobs_due_during_a_batch_run_before_its_slowest_job_ends(
    db: Database, clock: FakeClock
) -> None:
    slow_started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def slow(_session: Session, _payload: dict[str, Any], _now: datetime) -> OutsideWork:
        def run() -> None:
            slow_started.set()
            release.wait(20)

        return OutsideWork(run=run, record=lambda *_: None)

    def link(session: Session, payload: dict[str, Any], now: datetime) -> None:
        """Each link enqueues the next, due at once: jobs falling due while the batch runs."""
        ran.append(int(payload["n"]))
        if payload["n"] < CHAIN:
            enqueue(session, "test.link", {"n": payload["n"] + 1}, now=now)

    config = RunnerConfig(worker_id="rolling", batch_size=10, concurrency=2)
    with Runner(db, clock, {"test.slow": slow, "test.link": link}, config) as runner:
        with db.transaction() as session:
            enqueue(session, "test.slow", {}, now=clock.now())
            enqueue(session, "test.link", {"n": 1}, now=clock.now())
        results = []
        batch = threading.Thread(target=lambda: results.append(runner.run_batch()))
        batch.start()
        try:
            assert slow_started.wait(10)
            deadline = threading.Event()
            for _ in range(100):  # up to 10 s for the chain, while the slow job still runs
                if len(ran) == CHAIN:
                    break
                deadline.wait(0.1)
            assert ran == list(range(1, CHAIN + 1))
            assert batch.is_alive()  # the slow job has not finished
        finally:
            release.set()
            batch.join(20)
    [result] = results
    assert result.claimed == CHAIN + 1
    assert result.count(Outcome.DONE) == CHAIN + 1
