"""Enqueueing: a job is written in the caller's transaction, so it exists iff the change that
caused it commits. On PostgreSQL a ``NOTIFY`` (delivered at commit) wakes idle workers at once.

Claiming, completing, retrying and dead-lettering: ``slar.jobs.repository`` (SQL) and
``slar.jobs.runner`` (the loop).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, column, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.db import JSONType, UTCDateTime
from slar.jobs.models import Job

NOTIFY_CHANNEL = "slar_jobs"

# An idle worker re-reads the time of the next due job at least every ``POLL_INTERVAL`` (at most
# 60 s), so a job due later than that is found in time without waking anyone: only jobs due
# sooner are announced. (On PostgreSQL each notifying commit takes the notification queue's
# global lock; an escalation step schedules its next level minutes ahead and needs none.)
WAKE_HORIZON = timedelta(seconds=60)


def _wakes(now: datetime, run_at: datetime | None) -> bool:
    return run_at is None or run_at - now <= WAKE_HORIZON


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
    if _wakes(now, run_at):
        _announce(session)
    return job


def _announce(session: Session) -> None:
    """Wake idle workers when the enqueuing transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    elif _local_listeners:
        # SQLite has no NOTIFY: wake this process's workers (``slar serve``) once it commits.
        event.listen(session, "after_commit", _wake_local, once=True)


_local_listeners: list[Callable[[], None]] = []


def add_local_listener(wake: Callable[[], None]) -> None:
    """Call ``wake`` after each commit (in this process) that enqueued a job; for workers on
    databases without LISTEN/NOTIFY."""
    _local_listeners.append(wake)


def remove_local_listener(wake: Callable[[], None]) -> None:
    if wake in _local_listeners:
        _local_listeners.remove(wake)


def _wake_local(_session: Session) -> None:
    for wake in list(_local_listeners):
        wake()


# ``enqueue`` with a dedup key, as one statement: the hot path of alert ingestion (the first
# escalation step of every new incident). The pending-dedup partial unique index arbitrates,
# so racing copies yield one job without a savepoint; on PostgreSQL the NOTIFY rides along
# (sent only when the row was inserted, delivered at commit like ``enqueue``'s).
_INSERT_ONCE = """
    INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, dedup_key,
                      last_error, created_at, updated_at)
    VALUES (:kind, :payload, 'queued', :run_at, 0, :max_attempts, :dedup_key, '', :now, :now)
    ON CONFLICT (dedup_key) WHERE status IN ('queued', 'running') DO NOTHING
    RETURNING id
"""
_ENQUEUE_ONCE = {
    (dialect, wakes): text(sql)
    .bindparams(
        bindparam("payload", type_=JSONType()),
        bindparam("run_at", type_=UTCDateTime()),
        bindparam("now", type_=UTCDateTime()),
        bindparam("max_attempts", type_=Integer()),
    )
    .columns(column("id", Integer()))
    for dialect, wakes, sql in (
        (
            "postgresql",
            True,
            f"WITH j AS ({_INSERT_ONCE}) "  # noqa: S608 (module constants only)
            f"SELECT id, pg_notify('{NOTIFY_CHANNEL}', '') IS NULL FROM j",
        ),
        ("postgresql", False, _INSERT_ONCE),
        ("sqlite", True, _INSERT_ONCE),
        ("sqlite", False, _INSERT_ONCE),
    )
}


def enqueue_once(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    dedup_key: str,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
) -> int | None:
    """``enqueue(..., dedup_key=...)`` in one statement; the new job's id, or None when an
    equal job is pending. Unlike ``enqueue`` it returns no ORM object."""
    session.flush()
    dialect = session.get_bind().dialect.name
    wakes = _wakes(now, run_at)
    statement = _ENQUEUE_ONCE[dialect, wakes]
    params = {
        "kind": kind,
        "payload": payload,
        "run_at": run_at or now,
        "now": now,
        "dedup_key": dedup_key,
        "max_attempts": max_attempts,
    }
    job_id: int | None = session.connection().execute(statement, params).scalar()
    if job_id is not None and wakes and dialect != "postgresql":  # PostgreSQL: it notified
        _announce(session)
    return job_id
