"""The worker loop: claim a batch, run each job in its own transaction, sleep until woken.

One job = one transaction: the handler's writes and the deletion of the job commit together,
so a job's database effects happen exactly once even when a worker dies mid-batch (its
transaction rolls back, its lease expires, another worker runs the job again). Handlers that
need network I/O return ``OutsideWork``; see ``slar.jobs.handlers``.

Failures are retried with exponential backoff until the attempt limit, then the job is parked
as ``dead``; ``PermanentFailure`` parks it at once. Time (due dates, leases, backoff) comes from
the injected clock; only the idle sleep is real time.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from types import TracebackType

from sqlalchemy.orm import Session

from slar.db import Database
from slar.jobs import repository as repo
from slar.jobs.backoff import attempt_limit, retry_delay
from slar.jobs.handlers import Handler, HandlerRegistry, OutsideWork, PermanentFailure
from slar.jobs.repository import ClaimedJob
from slar.jobs.ticks import Tick, TickScheduler
from slar.jobs.wakeup import SleepWakeup, Wakeup
from slar.kernel.clock import Clock

log = logging.getLogger("slar.jobs.runner")

MIN_IDLE_WAIT = 0.01
TOP_UP_PAUSE = 0.02  # seconds between top-up claims of a rolling batch that found nothing due


@dataclass(frozen=True)
class RunnerConfig:
    """The knobs of one worker (from ``WorkerSettings``)."""

    worker_id: str
    batch_size: int = 100
    lease_seconds: float = 60.0
    max_retries: int = 5
    backoff_base: float = 10.0
    backoff_max: float = 900.0
    poll_interval: float = 1.0
    concurrency: int = 1


class Outcome(Enum):
    DONE = "done"
    RETRIED = "retried"
    DEAD = "dead"
    LOST = "lost"  # our lease expired and another worker took the job: we did nothing
    NOT_STARTED = "not_started"  # shutdown came first: released back to the queue
    ERROR = "error"  # the queue itself failed (database down): the lease will expire


@dataclass
class BatchResult:
    """What one claim round (or several) did."""

    claimed: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.get(outcome, 0)

    def add(self, other: BatchResult) -> None:
        self.claimed += other.claimed
        for outcome, n in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n


class _LeaseLost(Exception):
    pass


class _InHand:
    """The claimed jobs of one batch that have not started yet, and when to renew them."""

    def __init__(self, jobs: Sequence[ClaimedJob], *, renew_at: datetime) -> None:
        self.waiting = {job.id for job in jobs}
        self.renew_at = renew_at
        self.lock = threading.Lock()


def describe(error: BaseException) -> str:
    """The text kept in ``last_error``: the exception's type and message."""
    return "".join(traceback.format_exception_only(type(error), error)).strip()


class Runner:
    """Claims and runs jobs of the kinds in ``handlers``; runs ``ticks`` when they are due."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        handlers: HandlerRegistry,
        config: RunnerConfig,
        *,
        ticks: Sequence[Tick] = (),
        wakeup: Wakeup | None = None,
        on_progress: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.handlers: dict[str, Handler] = dict(handlers)
        self.ticks = TickScheduler(db, clock, ticks)
        self.wakeup: Wakeup = wakeup or SleepWakeup()
        self._on_progress = on_progress
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    # --- life cycle ---------------------------------------------------------------------

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.handlers)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop claiming; jobs already started finish, the rest of the batch is released."""
        self._stop.set()
        self.wakeup.wake()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.wakeup.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def run_forever(self) -> None:
        """Work until ``stop()``: claim, run, and when idle wait for a wake-up or the poll."""
        self.wakeup.open()
        log.info(
            "worker %s started",
            self.config.worker_id,
            extra={"kinds": sorted(self.kinds), "batch_size": self.config.batch_size},
        )
        try:
            while not self._stop.is_set():
                self._progress()
                full = False
                try:
                    full = self.run_batch().claimed >= self.config.batch_size
                    self.ticks.run_due()
                except Exception:
                    log.exception("worker round failed; retrying after the poll interval")
                self._progress()
                if self._stop.is_set() or full:
                    continue
                self.wakeup.wait(self._idle_timeout())
        finally:
            self.close()
            log.info("worker %s stopped", self.config.worker_id)

    def run_due(self) -> BatchResult:
        """Run every job due now (batch after batch) and the due ticks, then return.

        For ``slar worker --once``, cron, and tests that move a fake clock.
        """
        total = BatchResult()
        while not self._stop.is_set():
            result = self.run_batch()
            total.add(result)
            if result.claimed == 0:
                break
        if not self._stop.is_set():
            self.ticks.run_due()
        self._progress()
        return total

    # --- one batch ------------------------------------------------------------------------

    def run_batch(self) -> BatchResult:
        """Claim up to ``batch_size`` due jobs and run them.

        With several job threads the batch is *rolling*: whenever fewer claimed jobs are left
        than there are threads, more due jobs are claimed (up to ``batch_size`` in hand), so a
        job that falls due while a batch runs starts as soon as a thread is free instead of
        after the whole batch. Topping up stops when nothing more is due, when a tick is due,
        or on ``stop()``; the jobs in hand then finish.
        """
        if self._stop.is_set() or not self.handlers:
            return BatchResult()
        jobs = self._claim(self.config.batch_size)
        result = BatchResult(claimed=len(jobs))
        if not jobs:
            return result
        if self.config.concurrency <= 1:
            batch = self._in_hand(jobs)
            outcomes = [self._execute_guarded(job, batch) for job in jobs]
            self._tally(result, list(zip(jobs, outcomes, strict=True)))
            return result
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.config.concurrency, thread_name_prefix="slar-job"
            )
        pending: dict[Future[Outcome], ClaimedJob] = {}

        def submit(claimed: Sequence[ClaimedJob]) -> None:
            assert self._pool is not None
            batch = self._in_hand(claimed)
            for job in claimed:
                pending[self._pool.submit(self._execute_guarded, job, batch)] = job

        submit(jobs)
        finished: list[tuple[ClaimedJob, Outcome]] = []
        next_claim = 0.0  # after finding nothing due, wait a moment before asking again
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finished.append((pending.pop(future), future.result()))
            if (
                len(pending) < self.config.concurrency
                and time.monotonic() >= next_claim
                and not self._stop.is_set()
                and self.ticks.seconds_until_next() != 0.0
            ):
                fresh = self._claim(self.config.batch_size - len(pending))
                result.claimed += len(fresh)
                submit(fresh)
                next_claim = 0.0 if fresh else time.monotonic() + TOP_UP_PAUSE
        self._tally(result, finished)
        return result

    def _claim(self, limit: int) -> list[ClaimedJob]:
        with self.db.transaction() as session:
            now = self.clock.now()
            return repo.claim(
                session,
                kinds=self.kinds,
                worker_id=self.config.worker_id,
                now=now,
                locked_until=self._lease_end(now),
                limit=limit,
            )

    def _in_hand(self, jobs: Sequence[ClaimedJob]) -> _InHand:
        renew_at = self.clock.now() + timedelta(seconds=self.config.lease_seconds / 2)
        return _InHand(jobs, renew_at=renew_at)

    def _tally(self, result: BatchResult, finished: Sequence[tuple[ClaimedJob, Outcome]]) -> None:
        for _, outcome in finished:
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
        unstarted = [job.id for job, outcome in finished if outcome is Outcome.NOT_STARTED]
        if unstarted:
            self._release(unstarted)

    def _release(self, job_ids: list[int]) -> None:
        try:
            with self.db.transaction() as session:
                released = repo.release(
                    session, job_ids=job_ids, worker_id=self.config.worker_id, now=self.clock.now()
                )
            log.info("released %d unstarted jobs on shutdown", released)
        except Exception:
            log.exception("could not release %d jobs; their lease will expire", len(job_ids))

    def _renew(self, batch: _InHand, job: ClaimedJob) -> None:
        """Keep the leases of the batch's waiting jobs alive while earlier jobs run long."""
        with batch.lock:
            batch.waiting.discard(job.id)
            now = self.clock.now()
            if now < batch.renew_at or not batch.waiting:
                return
            batch.renew_at = now + timedelta(seconds=self.config.lease_seconds / 2)
            waiting = sorted(batch.waiting)
        with self.db.transaction() as session:
            repo.renew(
                session,
                job_ids=waiting,
                worker_id=self.config.worker_id,
                locked_until=self._lease_end(now),
            )

    def _execute_guarded(self, job: ClaimedJob, batch: _InHand) -> Outcome:
        if self._stop.is_set():
            return Outcome.NOT_STARTED
        try:
            self._renew(batch, job)
            return self.execute(job)
        except Exception:
            log.exception("job %s (%s): the queue failed around it", job.id, job.kind)
            return Outcome.ERROR
        finally:
            self._progress()

    # --- one job --------------------------------------------------------------------------

    def execute(self, job: ClaimedJob) -> Outcome:
        """Run one claimed job to its outcome (see the module docstring)."""
        limit = attempt_limit(job.max_attempts, self.config.max_retries)
        if job.attempts > limit:
            # Every earlier attempt ended with an expired lease: whatever it does kills workers.
            error = f"gave up after {limit} attempts that never finished (worker lost mid-job)"
            return self._fail(job, RuntimeError(error), permanent=True)
        handler = self.handlers[job.kind]
        try:
            with self.db.transaction() as session:
                now = self.clock.now()
                if not self._hold(session, job, now):
                    raise _LeaseLost
                outside = handler(session, dict(job.payload), now)
                if outside is None and not self._complete(session, job):
                    raise _LeaseLost
        except _LeaseLost:
            return self._lost(job)
        except PermanentFailure as exc:
            return self._fail(job, exc, permanent=True)
        except Exception as exc:
            return self._fail(job, exc)
        if outside is None:
            log.debug("job %s (%s) done", job.id, job.kind)
            return Outcome.DONE
        return self._run_outside(job, outside)

    def _run_outside(self, job: ClaimedJob, work: OutsideWork) -> Outcome:
        try:
            result = work.run()
        except Exception as exc:
            return self._outside_failed(job, work, exc)
        try:
            with self.db.transaction() as session:
                now = self.clock.now()
                if not self._hold(session, job, now):
                    raise _LeaseLost
                work.record(session, result, now)
                if not self._complete(session, job):
                    raise _LeaseLost
        except _LeaseLost:
            return self._lost(job)
        except PermanentFailure as exc:
            return self._fail(job, exc, permanent=True)
        except Exception as exc:
            return self._fail(job, exc)
        log.debug("job %s (%s) done (outside work recorded)", job.id, job.kind)
        return Outcome.DONE

    def _outside_failed(self, job: ClaimedJob, work: OutsideWork, error: Exception) -> Outcome:
        permanent = isinstance(error, PermanentFailure)
        if work.on_error is None:
            return self._fail(job, error, permanent=permanent)
        try:
            with self.db.transaction() as session:
                now = self.clock.now()
                if not self._hold(session, job, now):
                    raise _LeaseLost
                work.on_error(session, error, now)
                return self._retry_or_bury(session, job, error, now, permanent=permanent)
        except _LeaseLost:
            return self._lost(job)
        except Exception:
            log.exception("job %s (%s): on_error failed", job.id, job.kind)
            return self._fail(job, error, permanent=permanent)

    def _fail(self, job: ClaimedJob, error: Exception, *, permanent: bool = False) -> Outcome:
        with self.db.transaction() as session:
            return self._retry_or_bury(session, job, error, self.clock.now(), permanent=permanent)

    def _retry_or_bury(
        self,
        session: Session,
        job: ClaimedJob,
        error: Exception,
        now: datetime,
        *,
        permanent: bool,
    ) -> Outcome:
        limit = attempt_limit(job.max_attempts, self.config.max_retries)
        text = describe(error)
        context = {"job_id": job.id, "kind": job.kind, "attempt": job.attempts, "limit": limit}
        if permanent or job.attempts >= limit:
            if not repo.bury(
                session, job_id=job.id, worker_id=self.config.worker_id, error=text, now=now
            ):
                return self._lost(job)
            log.error(
                "job %s (%s) is dead after %d attempt(s): %s",
                job.id,
                job.kind,
                job.attempts,
                text,
                extra=context,
                exc_info=error,
            )
            return Outcome.DEAD
        delay = retry_delay(
            job.attempts, base=self.config.backoff_base, maximum=self.config.backoff_max
        )
        if not repo.reschedule(
            session,
            job_id=job.id,
            worker_id=self.config.worker_id,
            run_at=now + timedelta(seconds=delay),
            error=text,
            now=now,
        ):
            return self._lost(job)
        log.warning(
            "job %s (%s) failed (attempt %d of %d), retrying in %.1f s: %s",
            job.id,
            job.kind,
            job.attempts,
            limit,
            delay,
            text,
            extra=context,
            exc_info=error,
        )
        return Outcome.RETRIED

    def _lost(self, job: ClaimedJob) -> Outcome:
        log.warning(
            "job %s (%s): lease lost to another worker; leaving it to them",
            job.id,
            job.kind,
            extra={"job_id": job.id, "kind": job.kind},
        )
        return Outcome.LOST

    # --- helpers ----------------------------------------------------------------------------

    def _lease_end(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.config.lease_seconds)

    def _hold(self, session: Session, job: ClaimedJob, now: datetime) -> bool:
        return repo.hold(
            session,
            job_id=job.id,
            worker_id=self.config.worker_id,
            locked_until=self._lease_end(now),
        )

    def _complete(self, session: Session, job: ClaimedJob) -> bool:
        return repo.complete(session, job_id=job.id, worker_id=self.config.worker_id)

    def _idle_timeout(self) -> float:
        """Sleep until the poll interval, the next due job, or the next tick, whichever is first."""
        timeout = self.config.poll_interval
        try:
            with self.db.read() as session:
                upcoming = repo.next_wakeup(session, kinds=self.kinds)
            if upcoming is not None:
                timeout = min(timeout, (upcoming - self.clock.now()).total_seconds())
        except Exception:
            log.debug("could not read the next due job", exc_info=True)
        until_tick = self.ticks.seconds_until_next()
        if until_tick is not None:
            timeout = min(timeout, until_tick)
        return max(MIN_IDLE_WAIT, timeout)

    def _progress(self) -> None:
        if self._on_progress is not None:
            try:
                self._on_progress()
            except Exception:
                log.exception("progress callback failed")
