"""``slar worker`` as real processes against the test database: graceful SIGTERM, ``--once``,
the liveness probe, and (PostgreSQL) two competing workers, a SIGKILLed worker, and
LISTEN/NOTIFY wake-ups.

The workers load the test job kind through ``SLAR_WORKER_HANDLERS`` (tests/support/jobkinds.py);
its handler records one row per run in a table without a unique constraint, so a job that ran
twice would show up twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.support.jobkinds import (
    EFFECT_KIND,
    create_effects_table,
    drop_effects_table,
    effects,
    peek,
)

from slar.cli import main
from slar.db import Database
from slar.jobs.queue import enqueue

REPO = Path(__file__).resolve().parents[3]


class Workers:
    """Starts ``slar worker`` processes and cleans up after them."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def env(self, name: str, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "SLAR_WORKER_HANDLERS": "tests.support.jobkinds:registry",
                "SLAR_WORKER_ID": name,
                "SLAR_WORKER_HEARTBEAT_FILE": str(self.heartbeat(name)),
                "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]),
                "LOG_LEVEL": "INFO",
                "SLAR_LOG_FORMAT": "text",
                "POLL_INTERVAL": "0.2",
                "SLAR_WORKER_CONCURRENCY": "1",
            }
        )
        env.update(extra)
        return env

    def heartbeat(self, name: str) -> Path:
        return self.tmp_path / f"{name}.heartbeat"

    def log(self, name: str) -> str:
        path = self.tmp_path / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def start(self, name: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "slar", "worker", *args],
            cwd=REPO,
            env=self.env(name, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def wait_ready(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        """The heartbeat is written once the worker listens and is about to claim."""
        wait_for(
            lambda: self.heartbeat(name).exists() or proc.poll() is not None,
            timeout=30,
            what=f"worker {name} to start",
        )
        assert proc.poll() is None, self.log(name)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def effect_db(db: Database) -> Iterator[Database]:
    create_effects_table(db)
    yield db
    drop_effects_table(db)


@pytest.fixture
def workers(database_url: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(database_url, tmp_path)
    yield pool
    pool.close()


def add_jobs(db: Database, keys: list[str], **payload: Any) -> None:
    with db.transaction() as session:
        now = datetime.now(UTC)
        for key in keys:
            enqueue(session, EFFECT_KIND, {"key": key, **payload}, now=now)


@dataclass(frozen=True)
class JobRow:
    id: int
    status: str
    key: str
    attempts: int
    locked_by: str | None
    locked_until: object


def job_rows(db: Database) -> list[JobRow]:
    rows = peek(
        db, "SELECT id, status, payload, attempts, locked_by, locked_until FROM jobs ORDER BY id"
    )
    return [
        JobRow(
            id=int(job_id),
            status=str(status),
            key=str((json.loads(payload) if isinstance(payload, str) else payload)["key"]),
            attempts=int(attempts),
            locked_by=locked_by,
            locked_until=locked_until,
        )
        for job_id, status, payload, attempts, locked_by, locked_until in rows
    ]


def count_jobs(db: Database) -> int:
    return int(peek(db, "SELECT COUNT(*) FROM jobs")[0][0])


def postgres_only(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a PostgreSQL property (SKIP LOCKED, LISTEN/NOTIFY, many writers)")


# --- both backends -------------------------------------------------------------------------------


def test_once_runs_the_due_jobs_and_exits(effect_db: Database, workers: Workers) -> None:
    add_jobs(effect_db, ["a", "b", "c"])
    proc = workers.start("once", "--once")
    assert proc.wait(timeout=60) == 0, workers.log("once")
    assert "ran 3 job(s)" in workers.log("once")
    assert sorted(k for k, _ in effects(effect_db)) == ["a", "b", "c"]
    assert count_jobs(effect_db) == 0


def test_sigterm_finishes_the_job_in_hand_and_releases_the_rest(
    effect_db: Database, workers: Workers
) -> None:
    keys = [f"k{i}" for i in range(8)]
    add_jobs(effect_db, keys, sleep=1.0)
    proc = workers.start("graceful", BATCH_SIZE="8")
    workers.wait_ready("graceful", proc)
    probe = subprocess.run(
        [sys.executable, "-m", "slar", "worker", "--check"],
        cwd=REPO,
        env=workers.env("graceful"),
        capture_output=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    wait_for(lambda: len(effects(effect_db)) >= 1, timeout=30, what="the first job")
    in_hand = job_rows(effect_db)
    assert in_hand and all(j.status == "running" for j in in_hand)  # one batch holds them all
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, workers.log("graceful")

    done = [k for k, _ in effects(effect_db)]
    assert len(done) >= 2, "the job in hand when SIGTERM came was finished"
    assert len(done) == len(set(done))
    left = job_rows(effect_db)
    assert sorted(done + [j.key for j in left]) == keys  # nothing lost
    assert left, "SIGTERM came mid-batch, so some jobs were never started"
    for job in left:
        assert job.status == "queued" and job.locked_by is None and job.locked_until is None
        assert job.attempts == 0
    assert "releasing the rest" in workers.log("graceful")
    assert not workers.heartbeat("graceful").exists()  # a stopped worker is not alive


def test_check_is_a_liveness_probe(tmp_path: Path) -> None:
    heartbeat = tmp_path / "hb"
    env = {"SLAR_WORKER_HEARTBEAT_FILE": str(heartbeat), "POLL_INTERVAL": "1"}
    cli = CliRunner()

    missing = cli.invoke(main, ["worker", "--check"], env=env)
    assert missing.exit_code == 1 and "no worker heartbeat" in missing.output

    heartbeat.write_text(f"{time.time() - 5:.3f}\n")
    fresh = cli.invoke(main, ["worker", "--check"], env=env)
    assert fresh.exit_code == 0, fresh.output
    assert "worker alive" in fresh.output

    heartbeat.write_text(f"{time.time() - 600:.3f}\n")
    stale = cli.invoke(main, ["worker", "--check"], env=env)
    assert stale.exit_code == 1 and "stale" in stale.output
    assert cli.invoke(main, ["worker", "--check", "--max-age", "900"], env=env).exit_code == 0


def test_a_bad_handler_hook_is_one_clear_error(workers: Workers, db: Database) -> None:
    proc = workers.start("bad", "--once", SLAR_WORKER_HANDLERS="tests.support.nope:registry")
    assert proc.wait(timeout=60) == 2
    assert "SLAR_WORKER_HANDLERS='tests.support.nope:registry'" in workers.log("bad")


# --- PostgreSQL: many workers --------------------------------------------------------------------


def test_two_workers_run_each_of_1000_jobs_exactly_once(
    effect_db: Database, workers: Workers
) -> None:
    postgres_only(effect_db)
    procs = {name: workers.start(name, BATCH_SIZE="10") for name in ("w1", "w2")}
    for name, proc in procs.items():
        workers.wait_ready(name, proc)
    keys = [f"job-{i}" for i in range(1000)]
    for start in range(0, 1000, 50):  # 20 commits while both workers are claiming
        add_jobs(effect_db, keys[start : start + 50])
    wait_for(lambda: count_jobs(effect_db) == 0, timeout=120, what="the queue to drain")

    recorded = effects(effect_db)
    runs = Counter(key for key, _ in recorded)
    assert set(runs) == set(keys), "no job is missing"
    assert [k for k, n in runs.items() if n > 1] == [], "no job ran twice"
    by_worker = Counter(worker for _, worker in recorded)
    assert set(by_worker) == {"w1", "w2"}, f"both workers took part: {by_worker}"
    for proc in procs.values():
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_a_worker_killed_mid_batch_loses_no_job(effect_db: Database, workers: Workers) -> None:
    postgres_only(effect_db)
    keys = [f"k{i}" for i in range(12)]
    add_jobs(effect_db, keys, sleep=0.3)
    victim = workers.start("victim", BATCH_SIZE="6", SLAR_JOB_LEASE_SECONDS="2")
    wait_for(lambda: len(effects(effect_db)) >= 2, timeout=30, what="the victim to get going")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    in_hand = [j for j in job_rows(effect_db) if j.status == "running"]
    assert in_hand, "the batch was in hand when the worker died"
    assert all(j.locked_by and j.locked_by.startswith("victim/") for j in in_hand)
    by_victim = {k for k, _ in effects(effect_db)}

    rescuer = workers.start("rescuer", SLAR_JOB_LEASE_SECONDS="2")
    wait_for(lambda: count_jobs(effect_db) == 0, timeout=60, what="the rescuer to finish")
    recorded = effects(effect_db)
    runs = Counter(key for key, _ in recorded)
    assert set(runs) == set(keys), "no job is lost"
    assert [k for k, n in runs.items() if n > 1] == [], "no effect is recorded twice"
    rescued = {k for k, w in recorded if w == "rescuer"}
    assert rescued == set(keys) - by_victim
    assert {j.key for j in in_hand} <= rescued
    rescuer.send_signal(signal.SIGTERM)
    assert rescuer.wait(timeout=30) == 0


def test_notify_wakes_an_idle_worker_well_before_the_poll(
    effect_db: Database, workers: Workers
) -> None:
    postgres_only(effect_db)
    proc = workers.start("listener", POLL_INTERVAL="5")
    workers.wait_ready("listener", proc)
    time.sleep(1.0)  # well into its first 5 s idle wait
    for i in range(3):
        started = time.monotonic()
        add_jobs(effect_db, [f"n{i}"])
        wait_for(lambda i=i: len(effects(effect_db)) == i + 1, timeout=10, what=f"job n{i}")
        elapsed = time.monotonic() - started
        assert elapsed < 1.5, f"job n{i} took {elapsed:.2f} s with POLL_INTERVAL=5"
        time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
