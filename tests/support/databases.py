"""Test databases: one migrated database per backend per test session, emptied per test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from slar.db import Database, create_database
from slar.domain.models import metadata
from slar.migrations import upgrade_to_head

PG_ENV = "SLAR_TEST_DATABASE_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


def normalise_pg_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def create_pg_database(name_hint: str) -> str:
    """A fresh, empty PostgreSQL database on the test server; returns its URL."""
    base = make_url(normalise_pg_url(os.environ[PG_ENV]))
    name = f"slar_{name_hint}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(
        make_url(normalise_pg_url(os.environ[PG_ENV])), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": parsed.database},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
    admin.dispose()


def new_database_url(backend: str, tmp_dir: Path, hint: str = "t") -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / (hint + '-' + uuid.uuid4().hex[:8] + '.db')}"
    return create_pg_database(hint)


def migrated(url: str) -> Database:
    upgrade_to_head(url)
    return create_database(url, pool_size=20, pool_timeout=10)


def empty_all_tables(db: Database) -> None:
    """Delete every row and restart identities: each test starts from a clean slate."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            has_seq = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first()
            if has_seq:
                conn.execute(text("DELETE FROM sqlite_sequence"))
