"""Migrations upgrade and downgrade on both databases, and match the models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from tests.support.databases import drop_pg_database, new_database_url

from slar.domain.models import include_name, metadata
from slar.migrations import downgrade_to_base, upgrade_to_head


def _fresh(backend: str, tmp_path: Path) -> str:
    return new_database_url(backend, tmp_path, "mig")


def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    url = _fresh(backend, tmp_path)
    try:
        upgrade_to_head(url)
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert {"users", "teams", "services", "integrations", "incidents", "alerts"} <= tables
        engine.dispose()

        downgrade_to_base(url)
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()

        upgrade_to_head(url)  # and back up again: downgrade left nothing behind
    finally:
        if backend == "postgresql":
            drop_pg_database(url)


def test_migrations_match_the_models(backend: str, tmp_path: Path) -> None:
    url = _fresh(backend, tmp_path)
    try:
        upgrade_to_head(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            )
            diff = compare_metadata(context, metadata)
        engine.dispose()
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        if backend == "postgresql":
            drop_pg_database(url)
