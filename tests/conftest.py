"""Shared fixtures. Every database fixture runs on SQLite and, when SLAR_TEST_DATABASE_URL is
set (CI sets it), on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from slar.api.app import create_api_app
from slar.bootstrap import build_api_state
from slar.db import Database
from slar.kernel.clock import FakeClock
from slar.settings import load_settings
from tests.support.databases import (
    backends,
    drop_pg_database,
    empty_all_tables,
    migrated,
    new_database_url,
)
from tests.support.harness import ApiHarness
from tests.support.server import LiveServer

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session", params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = new_database_url(backend, tmp_path_factory.mktemp("db"), "main")
    yield url
    if backend == "postgresql":
        drop_pg_database(url)


@pytest.fixture(scope="session")
def session_database(database_url: str) -> Iterator[Database]:
    database = migrated(database_url)
    yield database
    database.dispose()


@pytest.fixture
def db(session_database: Database) -> Database:
    empty_all_tables(session_database)
    return session_database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def settings_for(url: str, **extra: str):  # type: ignore[no-untyped-def]
    return load_settings({"DATABASE_URL": url, "SLAR_SECRET_KEY": TEST_SECRET, **extra})


@pytest.fixture(scope="session")
def _live_api(
    database_url: str, session_database: Database
) -> Iterator[tuple[LiveServer, FakeClock, object]]:
    clock = FakeClock(START)
    state = build_api_state(settings_for(database_url), db=session_database, clock=clock)
    server = LiveServer(create_api_app(state)).start()
    yield server, clock, state
    server.stop()


@pytest.fixture
def api(_live_api, db: Database, backend: str) -> Iterator[ApiHarness]:  # type: ignore[no-untyped-def]
    server, clock, state = _live_api
    clock.set(START)
    harness = ApiHarness(url=server.url, db=db, clock=clock, state=state, backend=backend)
    yield harness
    harness.close()
