"""How ``slar serve`` / ``slar api`` run uvicorn for ingestion throughput: the worker count
default (one process per core is not enough to use the cores, see bench/README.md) and the
server options."""

from __future__ import annotations

from typing import Any

import pytest

from slar import cli
from slar.settings import load_settings

PG = "postgresql://postgres@127.0.0.1:5432/slar"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLAR_WORKERS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_sqlite_keeps_one_worker_postgresql_gets_two_per_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 2)
    assert cli._workers(load_settings(), None) == 1  # SQLite: a single writer
    assert cli._workers(load_settings({"DATABASE_URL": PG}), None) == 4
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 16)
    assert cli._workers(load_settings({"DATABASE_URL": PG}), None) == 8  # capped
    monkeypatch.setattr(cli.os, "cpu_count", lambda: None)
    assert cli._workers(load_settings({"DATABASE_URL": PG}), None) == 2


def test_an_explicit_count_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 2)
    settings = load_settings({"DATABASE_URL": PG, "SLAR_WORKERS": "3"})
    assert cli._workers(settings, None) == 3
    assert cli._workers(settings, 1) == 1  # --workers
    assert cli._workers(load_settings({"SLAR_WORKERS": "2"}), None) == 2  # even on SQLite


def test_uvicorn_runs_without_its_access_log_on_the_c_parser_and_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(app=app, **kwargs))
    cli._run_uvicorn("slar.entrypoints:api_app", load_settings(), 8080, 4)
    assert seen["app"] == "slar.entrypoints:api_app" and seen["workers"] == 4
    assert (seen["access_log"], seen["http"], seen["loop"]) == (False, "httptools", "uvloop")
    assert seen["factory"] is True and seen["proxy_headers"] is True
