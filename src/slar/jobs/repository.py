"""The queue's SQL: claim under a lease, complete, reschedule, bury, release; dead-job review.

Every write that finishes a claimed job is guarded by ``locked_by = <this worker>``: when a
lease expired and another worker re-claimed the job, the late worker's write matches no row,
so a job is never completed (or retried) twice.

Claiming is one short transaction: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` lets N
workers take disjoint batches without waiting on each other; on SQLite the same statements run
under ``BEGIN IMMEDIATE``, which already serialises writers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from slar.db import UTCDateTime
from slar.db.engine import run
from slar.jobs.models import Job
from slar.jobs.queue import NOTIFY_CHANNEL

ERROR_TEXT_MAX = 4000


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds the lease of (``attempts`` already counts this attempt)."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int | None
    run_at: datetime


def _due(now: datetime) -> ColumnElement[bool]:
    """Queued and due, or running under a lease that expired (its worker died)."""
    return or_(
        and_(Job.status == "queued", Job.run_at <= now),
        and_(Job.status == "running", Job.locked_until < now),
    )


def claim(
    session: Session,
    *,
    kinds: Collection[str],
    worker_id: str,
    now: datetime,
    locked_until: datetime,
    limit: int,
) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs of ``kinds`` (oldest due first) and lease them to us."""
    if not kinds or limit < 1:
        return []
    picked = (
        select(Job.id)
        .where(Job.kind.in_(sorted(kinds)), _due(now))
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(picked))
    if not ids:
        return []
    rows = session.execute(
        update(Job)
        .where(Job.id.in_(ids))
        .values(
            status="running",
            locked_by=worker_id,
            locked_until=locked_until,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts, Job.run_at),
        execution_options={"synchronize_session": False},
    ).all()
    claimed = [
        ClaimedJob(
            id=row.id,
            kind=row.kind,
            payload=dict(row.payload or {}),
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            run_at=row.run_at,
        )
        for row in rows
    ]
    claimed.sort(key=lambda job: (job.run_at, job.id))
    return claimed


_HOLD = text(
    "UPDATE jobs SET locked_until = :locked_until"
    " WHERE id = :job_id AND status = 'running' AND locked_by = :worker_id RETURNING id"
).bindparams(bindparam("locked_until", type_=UTCDateTime()))


def hold(session: Session, *, job_id: int, worker_id: str, locked_until: datetime) -> bool:
    """Renew our lease and lock the row for this transaction; False if the job is not ours.

    Called first in each transaction that works on a claimed job: while it runs, a competing
    claim skips the locked row (PostgreSQL) instead of stealing it. A prebuilt statement, as
    ``complete``: both run for every job.
    """
    params = {"job_id": job_id, "worker_id": worker_id, "locked_until": locked_until}
    return run(session, _HOLD, params).first() is not None


def renew(
    session: Session, *, job_ids: Sequence[int], worker_id: str, locked_until: datetime
) -> int:
    """Extend our lease on claimed jobs that are still waiting for their turn in the batch."""
    if not job_ids:
        return 0
    rows = session.execute(
        update(Job)
        .where(Job.id.in_(list(job_ids)), Job.status == "running", Job.locked_by == worker_id)
        .values(locked_until=locked_until)
        .returning(Job.id),
        execution_options={"synchronize_session": False},
    ).all()
    return len(rows)


_COMPLETE = text(
    "DELETE FROM jobs WHERE id = :job_id AND status = 'running' AND locked_by = :worker_id"
    " RETURNING id"
)


def complete(session: Session, *, job_id: int, worker_id: str) -> bool:
    """Delete a finished job; False if our lease was lost (then the caller must roll back)."""
    return run(session, _COMPLETE, {"job_id": job_id, "worker_id": worker_id}).first() is not None


def reschedule(
    session: Session, *, job_id: int, worker_id: str, run_at: datetime, error: str, now: datetime
) -> bool:
    """Put a failed job back in the queue, due at ``run_at`` (the backoff)."""
    return _finish(
        session,
        job_id=job_id,
        worker_id=worker_id,
        values={"status": "queued", "run_at": run_at, "last_error": _clip(error)},
        now=now,
    )


def bury(session: Session, *, job_id: int, worker_id: str, error: str, now: datetime) -> bool:
    """Park a job that keeps failing (or cannot succeed) as ``dead``, for review."""
    return _finish(
        session,
        job_id=job_id,
        worker_id=worker_id,
        values={"status": "dead", "last_error": _clip(error)},
        now=now,
    )


def _finish(
    session: Session, *, job_id: int, worker_id: str, values: dict[str, Any], now: datetime
) -> bool:
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running", Job.locked_by == worker_id)
        .values(**values, locked_by=None, locked_until=None, updated_at=now)
        .returning(Job.id),
        execution_options={"synchronize_session": False},
    ).first()
    return result is not None


def release(session: Session, *, job_ids: Sequence[int], worker_id: str, now: datetime) -> int:
    """Give back claimed jobs we did not start (shutdown): queued again, the attempt uncounted."""
    if not job_ids:
        return 0
    rows = session.execute(
        update(Job)
        .where(Job.id.in_(list(job_ids)), Job.status == "running", Job.locked_by == worker_id)
        .values(
            status="queued",
            locked_by=None,
            locked_until=None,
            attempts=func.max(Job.attempts - 1, 0)
            if session.get_bind().dialect.name == "sqlite"
            else func.greatest(Job.attempts - 1, 0),
            updated_at=now,
        )
        .returning(Job.id),
        execution_options={"synchronize_session": False},
    ).all()
    return len(rows)


def next_wakeup(session: Session, *, kinds: Collection[str]) -> datetime | None:
    """The earliest instant a job of ``kinds`` becomes claimable (due time or lease expiry)."""
    if not kinds:
        return None
    queued = session.scalar(
        select(func.min(Job.run_at)).where(Job.status == "queued", Job.kind.in_(sorted(kinds)))
    )
    leased = session.scalar(
        select(func.min(Job.locked_until)).where(
            Job.status == "running", Job.kind.in_(sorted(kinds))
        )
    )
    candidates = [t for t in (queued, leased) if t is not None]
    return min(candidates) if candidates else None


# --- review of the queue (API) -------------------------------------------------------------


def list_dead(
    session: Session, *, kind: str | None, limit: int, offset: int
) -> tuple[list[Job], int]:
    """Dead jobs, most recently failed first, and how many there are in all."""
    where = [Job.status == "dead"]
    if kind is not None:
        where.append(Job.kind == kind)
    total = session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    jobs = session.scalars(
        select(Job)
        .where(*where)
        .order_by(Job.updated_at.desc(), Job.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(jobs), total


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def pending_with_dedup_key(session: Session, dedup_key: str) -> int | None:
    """The id of a pending (queued or running) job with this dedup key, if any."""
    return session.scalar(
        select(Job.id).where(Job.dedup_key == dedup_key, Job.status.in_(("queued", "running")))
    )


def revive(session: Session, *, job: Job, now: datetime) -> None:
    """Queue a dead job again, due now, with a fresh attempt budget."""
    job.status = "queued"
    job.attempts = 0
    job.run_at = now
    job.locked_by = None
    job.locked_until = None
    job.updated_at = now
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


def counts(session: Session) -> list[tuple[str, str, int]]:
    """(status, kind, number of jobs) for every pair present."""
    rows = session.execute(
        select(Job.status, Job.kind, func.count())
        .group_by(Job.status, Job.kind)
        .order_by(Job.status, Job.kind)
    ).all()
    return [(status, kind, int(n)) for status, kind, n in rows]


def oldest_due(session: Session, *, now: datetime) -> datetime | None:
    """When the longest-waiting claimable job became due (queue lag = now - this)."""
    queued = session.scalar(
        select(func.min(Job.run_at)).where(Job.status == "queued", Job.run_at <= now)
    )
    expired = session.scalar(
        select(func.min(Job.locked_until)).where(Job.status == "running", Job.locked_until < now)
    )
    candidates = [t for t in (queued, expired) if t is not None]
    return min(candidates) if candidates else None


# --- periodic ticks --------------------------------------------------------------------------


def advisory_key(name: str) -> int:
    """A stable signed 64-bit lock key for ``name`` (Python's ``hash`` is salted per process)."""
    digest = hashlib.sha256(b"slar.tick:" + name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_tick_lock(session: Session, name: str) -> bool:
    """Take the cluster-wide lock of tick ``name`` for this transaction, if free.

    PostgreSQL: ``pg_try_advisory_xact_lock`` (released at commit or rollback, also when the
    process dies). SQLite has one writer at a time already, so there is nothing to take.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": advisory_key(name)})
    )


def _clip(error: str) -> str:
    return error if len(error) <= ERROR_TEXT_MAX else error[: ERROR_TEXT_MAX - 1] + "…"
