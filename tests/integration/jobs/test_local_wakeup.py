"""On SQLite a commit that enqueues a job wakes this process's idle worker (``slar serve``)."""

from __future__ import annotations

import threading
import time

import pytest

from slar.db import Database
from slar.jobs.queue import enqueue
from slar.jobs.wakeup import SleepWakeup
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
