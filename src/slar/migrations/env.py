"""Alembic environment: runs migrations against ``sqlalchemy.url`` with SLAR's metadata."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from slar.domain.models import include_name, metadata

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


run_migrations()
