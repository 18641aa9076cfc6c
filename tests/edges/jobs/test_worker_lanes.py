"""Monitor probes run in a lane of their own: a probe that hangs on a dead host (to its
timeout) must not hold up a page. A runner finishes its claimed batch before claiming again,
so in one lane the page would wait for the probe; the control below shows it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET

from slar import bootstrap
from slar.db import Database
from slar.domain.monitors.jobs import CHECK_JOB
from slar.jobs.handlers import Handler, OutsideWork
from slar.jobs.queue import enqueue
from slar.kernel.clock import SystemClock
from slar.settings import load_settings
from slar.worker.main import WorkerThread

FAST = "test.page"


class Probe:
    """A ``monitor.check`` stand-in whose outside work blocks until released."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def handler(self, _session: Session, _payload: dict[str, Any], _now: datetime) -> OutsideWork:
        def run() -> None:
            self.started.set()
            self.release.wait(20)

        return OutsideWork(run=run, record=lambda *_: None)


@pytest.fixture
def probe() -> Iterator[Probe]:
    probe = Probe()
    yield probe
    probe.release.set()


def _handlers(probe: Probe, ran: threading.Event) -> dict[str, Handler]:
    def page(_session: Session, _payload: dict[str, Any], _now: datetime) -> None:
        ran.set()

    return {CHECK_JOB: probe.handler, FAST: page}


def _settings(db: Database) -> Any:
    return load_settings(
        {
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "SLAR_SECRET_KEY": TEST_SECRET,
            "POLL_INTERVAL": "0.2",
        }
    )


def _enqueue(db: Database, kind: str) -> None:
    with db.transaction() as session:
        enqueue(session, kind, {}, now=datetime.now(UTC))


def _page_waits_for_probe(db: Database, probe: Probe, *, lanes: bool) -> bool:
    """Whether a page enqueued while a probe hangs waits for the probe."""
    ran = threading.Event()
    settings = _settings(db)
    handlers = _handlers(probe, ran)
    if lanes:
        runners = bootstrap.build_workers(settings, SystemClock(), handlers, (), db=db)
        assert [sorted(r.kinds) for r in runners] == [[FAST], [CHECK_JOB]]
    else:
        runners = [bootstrap.build_worker(settings, SystemClock(), handlers, (), db=db)]
    worker = WorkerThread(runners)
    worker.start()
    try:
        _enqueue(db, CHECK_JOB)
        assert probe.started.wait(10)
        started = time.monotonic()
        _enqueue(db, FAST)
        waited = not ran.wait(3)
        probe.release.set()
        assert ran.wait(10)  # either way the page runs in the end
        return waited and time.monotonic() - started >= 3
    finally:
        probe.release.set()
        worker.stop(10)


def test_a_hanging_probe_does_not_hold_up_a_page(db: Database, probe: Probe) -> None:
    assert not _page_waits_for_probe(db, probe, lanes=True)


def test_control_in_one_lane_the_page_waits_for_the_probe(db: Database, probe: Probe) -> None:
    assert _page_waits_for_probe(db, probe, lanes=False)
