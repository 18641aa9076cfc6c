"""Reviewing the queue (admin API): dead jobs, bringing one back, depth and lag.

Permission checks stay with the caller: the queue sits below the domain and does not know
principals (the API router requires an admin before calling these).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slar.jobs import repository as repo
from slar.jobs.models import JOB_STATUSES
from slar.jobs.schemas import DeadJobPage, JobOut, JobStats
from slar.kernel.errors import Conflict, NotFound


def list_dead(session: Session, *, kind: str | None, limit: int, offset: int) -> DeadJobPage:
    jobs, total = repo.list_dead(session, kind=kind, limit=limit, offset=offset)
    return DeadJobPage(items=[JobOut.model_validate(job) for job in jobs], total=total)


def retry_dead(session: Session, *, job_id: int, now: datetime) -> JobOut:
    """Queue a dead job again, due now, with its attempts reset (its last error is kept)."""
    job = repo.get(session, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found", code="job.not_found")
    if job.status != "dead":
        raise Conflict(
            f"job {job_id} is {job.status}, only a dead job can be retried",
            code="job.not_dead",
            status=job.status,
        )
    if job.dedup_key is not None:
        pending = repo.pending_with_dedup_key(session, job.dedup_key)
        if pending is not None:
            raise Conflict(
                f"job {pending} with the same dedup key is already pending",
                code="job.duplicate_pending",
                pending_job_id=pending,
            )
    repo.revive(session, job=job, now=now)
    return JobOut.model_validate(job)


def stats(session: Session, *, now: datetime) -> JobStats:
    by_status = dict.fromkeys(JOB_STATUSES, 0)
    by_kind: dict[str, dict[str, int]] = {}
    for status, kind, n in repo.counts(session):
        by_status[status] = by_status.get(status, 0) + n
        by_kind.setdefault(kind, {})[status] = n
    oldest = repo.oldest_due(session, now=now)
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return JobStats(by_status=by_status, by_kind=by_kind, oldest_due_lag_seconds=lag)
