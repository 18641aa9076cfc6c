"""Job kinds for queue tests, loaded by ``slar worker`` processes through
``SLAR_WORKER_HANDLERS=tests.support.jobkinds:registry``.

``test.effect`` records one row per run in ``job_test_effects`` (a table the tests create): the
table has no unique constraint on purpose, so a job that ran twice shows up as two rows.
The optional ``sleep`` (seconds) keeps the job in hand, inside its transaction.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from slar.db import Database
from slar.jobs.handlers import Handler

EFFECT_KIND = "test.effect"
EFFECTS_TABLE = "job_test_effects"


def create_effects_table(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {EFFECTS_TABLE}"))
        conn.execute(
            text(
                f"CREATE TABLE {EFFECTS_TABLE} "
                "(key VARCHAR(100) NOT NULL, worker VARCHAR(255) NOT NULL)"
            )
        )


def drop_effects_table(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {EFFECTS_TABLE}"))


def peek(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """Read without taking SQLite's write lock (the engine's transactions BEGIN IMMEDIATE, so
    a reader would queue behind a worker that holds a job's transaction open)."""
    conn = db.engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute(sql)
        rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
        conn.rollback()
    finally:
        conn.close()
    return rows


def effects(db: Database) -> list[tuple[str, str]]:
    """(key, worker) of every recorded run."""
    return [
        (str(key), str(worker))
        for key, worker in peek(db, f"SELECT key, worker FROM {EFFECTS_TABLE}")
    ]


def record_effect(session: Session, payload: dict[str, Any], now: datetime) -> None:
    pause = float(payload.get("sleep", 0))
    if pause:
        time.sleep(pause)
    session.execute(
        text(f"INSERT INTO {EFFECTS_TABLE} (key, worker) VALUES (:key, :worker)"),
        {"key": str(payload["key"]), "worker": os.environ.get("SLAR_WORKER_ID", "in-process")},
    )


registry: dict[str, Handler] = {EFFECT_KIND: record_effect}
