"""On SQLite a commit that enqueues a job wakes this process's idle worker (``slar serve``)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from slar.db import Database
from slar.jobs.queue import WAKE_HORIZON, enqueue, enqueue_once
from slar.jobs.wakeup import SleepWakeup, wakeup_for
from slar.kernel.clock import FakeClock


def test_a_committed_enqueue_wakes_the_in_process_worker(db: Database, clock: FakeClock) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL workers wake on LISTEN/NOTIFY (tested with the worker processes)")
    wakeup = SleepWakeup()
    wakeup.open()
    try:
        with db.transaction() as session:
            enqueue(session, "test.wake", {}, now=clock.now())
            woke_early = wakeup.wait(0.05)  # not before the commit
        assert not woke_early
        assert wakeup.wait(1.0)  # the commit woke it

        def later() -> None:
            time.sleep(0.1)
            with db.transaction() as session:
                enqueue(session, "test.wake", {"n": 2}, now=clock.now())

        thread = threading.Thread(target=later)
        started = time.monotonic()
        thread.start()
        assert wakeup.wait(5.0)
        assert time.monotonic() - started < 2.0
        thread.join()

        def rolled_back() -> None:
            with db.transaction() as session:
                enqueue(session, "test.wake", {"n": 3}, now=clock.now())
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            rolled_back()
        assert not wakeup.wait(0.2)  # a rolled-back enqueue wakes nobody
    finally:
        wakeup.close()


@pytest.mark.parametrize("once", [False, True], ids=["enqueue", "enqueue_once"])
def test_only_jobs_due_within_the_horizon_wake_workers(
    db: Database, clock: FakeClock, once: bool
) -> None:
    """A job due beyond every poll interval is found by the idle worker's own re-read; only a
    job due soon is announced (NOTIFY on PostgreSQL, the in-process wake on SQLite)."""
    wakeup = wakeup_for(db)
    wakeup.open()
    try:
        time.sleep(0.1)  # PostgreSQL: let LISTEN settle

        def add(key: str, delay: timedelta) -> None:
            with db.transaction() as session:
                now = clock.now()
                if once:
                    enqueue_once(
                        session, "test.wake", {}, now=now, run_at=now + delay, dedup_key=key
                    )
                else:
                    enqueue(session, "test.wake", {}, now=now, run_at=now + delay, dedup_key=key)

        add("later", WAKE_HORIZON + timedelta(seconds=1))
        assert not wakeup.wait(0.5)
        add("soon", WAKE_HORIZON)
        assert wakeup.wait(5.0)
    finally:
        wakeup.close()
