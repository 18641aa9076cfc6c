"""``slar serve`` runs the worker in-process: it starts with the app and stops with it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from tests.conftest import TEST_SECRET
from tests.support.jobkinds import EFFECT_KIND, create_effects_table, drop_effects_table, effects
from tests.support.server import LiveServer

from slar import entrypoints
from slar.db import Database
from slar.jobs.queue import enqueue


@pytest.fixture
def effect_db(db: Database) -> Iterator[Database]:
    create_effects_table(db)
    yield db
    drop_effects_table(db)


def test_the_all_in_one_app_runs_jobs_while_it_serves(
    effect_db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLAR_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SLAR_WORKER_HANDLERS", "tests.support.jobkinds:registry")
    monkeypatch.setenv("POLL_INTERVAL", "0.2")
    monkeypatch.setattr(entrypoints, "configure_logging", lambda *args: None)
    app = entrypoints.serve_app()
    server = LiveServer(app).start()
    try:
        with effect_db.transaction() as session:
            enqueue(session, EFFECT_KIND, {"key": "served"}, now=datetime.now(UTC))
        deadline = time.monotonic() + 15
        while not effects(effect_db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert effects(effect_db) == [("served", "in-process")]
        lanes = [t for t in threading.enumerate() if t.name.startswith("slar-worker")]
        assert sorted(t.name for t in lanes) == ["slar-worker", "slar-worker-1"]  # + monitors
        assert all(t.is_alive() for t in lanes)
    finally:
        server.stop()
    assert not any(t.name.startswith("slar-worker") and t.is_alive() for t in threading.enumerate())
