"""Enqueueing: a job is written in the caller's transaction, so it exists iff the change that
caused it commits. On PostgreSQL a ``NOTIFY`` (delivered at commit) wakes idle workers at once.

Claiming, completing, retrying and dead-lettering: ``slar.jobs.repository`` (SQL) and
``slar.jobs.runner`` (the loop).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.jobs.models import Job

NOTIFY_CHANNEL = "slar_jobs"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    run_at: datetime | None = None,
    dedup_key: str | None = None,
    max_attempts: int | None = None,
) -> Job | None:
    """Add a job due at ``run_at`` (default ``now``).

    With ``dedup_key``, an equal pending job makes this a no-op (returns ``None``): enqueueing
    the same follow-up twice from racing requests yields one job.
    """
    job = Job(
        kind=kind,
        payload=payload,
        status="queued",
        run_at=run_at or now,
        attempts=0,
        max_attempts=max_attempts,
        dedup_key=dedup_key,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    if dedup_key is None:
        session.add(job)
        session.flush()
    else:
        if session.scalar(select(Job.id).where(Job.dedup_key == dedup_key, Job.status != "dead")):
            return None
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:
            return None
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return job
