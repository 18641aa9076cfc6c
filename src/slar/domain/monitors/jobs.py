"""The worker side of uptime checks: the scheduling tick and the ``monitor.check`` job.

**Once per interval with any number of workers.** Only the ``monitor.schedule`` tick decides
that a check runs, and ticks run on one replica at a time (advisory lock; on top, the due rows
are locked ``SKIP LOCKED``). For each check due within ``LOOKAHEAD`` it enqueues one job with
``run_at`` = the slot, deduplicated by ``check id + slot`` (``enqueue_once``), and advances
``next_run_at`` to the following slot in the same transaction. The job is then claimed by
exactly one worker (``FOR UPDATE SKIP LOCKED``), so each slot is probed once, at its time.
Enqueueing a little ahead lets a worker sleep until the slot instead of the tick's period.

**The probe runs outside any transaction** (``OutsideWork``), bounded by the check's timeout;
the result is recorded in a second transaction: a result row (with ``lateness_ms`` = start
minus slot, read by the benchmark), the failure counter and state (``rules.after_result``),
and the outage incident raised or cleared (``alerts.conditions``) under the stable dedup key
``monitor:check:<id>``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from slar.domain.alerts.conditions import clear_condition, raise_condition
from slar.domain.monitors import repository as repo
from slar.domain.monitors.models import CheckResult, UptimeCheck
from slar.domain.monitors.ports import Prober, ProbeRequest, ProbeResult
from slar.domain.monitors.rules import (
    CheckState,
    after_result,
    plan_run,
    spread_offset,
)
from slar.jobs.handlers import OutsideWork, PermanentFailure
from slar.jobs.queue import enqueue_once

CHECK_JOB = "monitor.check"
SCHEDULE_TICK = "monitor.schedule"
SCHEDULE_SECONDS = 2.0
LOOKAHEAD = timedelta(seconds=5)
"""Checks due this soon are enqueued now, with ``run_at`` at their slot."""
SCHEDULE_BATCH = 5000
ERROR_MAX = 2000
SOURCE = "uptime check"


def dedup_key(check_id: int) -> str:
    return f"monitor:check:{check_id}"


# --- scheduling ------------------------------------------------------------------------------


def schedule_due_checks(session: Session, now: datetime) -> int:
    """Enqueue one ``monitor.check`` job per check due by ``now + LOOKAHEAD``; how many."""
    enqueued = 0
    for check in repo.due_checks(session, until=now + LOOKAHEAD, limit=SCHEDULE_BATCH):
        offset = spread_offset(check.id, check.interval_seconds)
        due, following = plan_run(check.next_run_at, check.interval_seconds, offset, now)
        slot = int(due.timestamp() * 1000)
        enqueue_once(
            session,
            CHECK_JOB,
            {"check_id": check.id, "due_at": due.isoformat()},
            now=now,
            run_at=due,
            dedup_key=f"{CHECK_JOB}:{check.id}:{slot}",
            max_attempts=2,
        )
        check.next_run_at = following
        enqueued += 1
    return enqueued


def schedule_tick(session: Session, now: datetime) -> None:
    schedule_due_checks(session, now)


# --- the job ---------------------------------------------------------------------------------


def probe_request(check: UptimeCheck, now: datetime) -> ProbeRequest:
    return ProbeRequest(
        kind=check.kind,
        target=check.target,
        timeout_seconds=check.timeout_seconds,
        http_method=check.http_method,
        expected_status=check.expected_status,
        keyword=check.keyword,
        follow_redirects=check.follow_redirects,
        verify_tls=check.verify_tls,
        tls_expiry_days=check.tls_expiry_days,
        now=now,
    )


def _probe_safely(prober: Prober, request: ProbeRequest) -> ProbeResult:
    """A prober reports failures as results; anything it raises becomes one too, so a probe
    is never retried (a retry would be late and count twice)."""
    try:
        return prober(request)
    except Exception as error:
        return ProbeResult(ok=False, error=f"probe failed: {type(error).__name__}: {error}")


def run_check(
    session: Session, payload: dict[str, Any], now: datetime, *, prober: Prober
) -> OutsideWork | None:
    """Handler of ``monitor.check``: probe outside the transaction, then ``record_result``."""
    check_id = payload.get("check_id")
    if not isinstance(check_id, int):
        raise PermanentFailure(f"payload has no integer check_id: {payload!r}")
    try:
        due_at = datetime.fromisoformat(str(payload.get("due_at")))
    except ValueError:
        raise PermanentFailure(f"payload has no ISO due_at: {payload!r}") from None
    check = repo.check_by_id(session, check_id)
    if check is None or not check.enabled:
        return None  # deleted or paused since it was scheduled
    return OutsideWork(
        run=partial(_probe_safely, prober, probe_request(check, now)),
        record=partial(_record, check_id, due_at, now),
    )


def _record(
    check_id: int,
    due_at: datetime,
    started_at: datetime,
    session: Session,
    result: object,
    now: datetime,
) -> None:
    assert isinstance(result, ProbeResult)
    record_result(
        session, check_id=check_id, due_at=due_at, started_at=started_at, result=result, now=now
    )


def record_result(
    session: Session,
    *,
    check_id: int,
    due_at: datetime,
    started_at: datetime,
    result: ProbeResult,
    now: datetime,
) -> None:
    """Store one result and move the check's state; raise or clear its outage incident."""
    check = repo.check_by_id(session, check_id, for_update=True)
    if check is None:
        return
    error = result.error[:ERROR_MAX]
    repo.add_result(
        session,
        CheckResult(
            check_id=check.id,
            due_at=due_at,
            started_at=started_at,
            lateness_ms=max(0.0, (started_at - due_at).total_seconds() * 1000.0),
            ok=result.ok,
            latency_ms=result.latency_ms,
            status_code=result.status_code,
            error=error,
            cert_expires_at=result.cert_expires_at,
        ),
    )
    step = after_result(
        CheckState(
            state=check.state,
            consecutive_failures=check.consecutive_failures,
            incident_open=check.incident_id is not None,
        ),
        ok=result.ok,
        threshold=check.failure_threshold,
    )
    check.state = step.state
    check.consecutive_failures = step.consecutive_failures
    check.last_checked_at = started_at
    check.last_error = error
    if step.open_incident:
        raised = raise_condition(
            session,
            service_id=check.service_id,
            dedup_key=dedup_key(check.id),
            title=f"{check.name} is down: {error or 'check failed'}"[:1024],
            description=_details(check, result),
            labels={
                "monitor": "uptime_check",
                "check_id": str(check.id),
                "kind": check.kind,
                "target": check.target[:500],
            },
            source=f"{SOURCE} {check.name}",
            now=now,
            data={"check_id": check.id, "error": error},
        )
        check.incident_id = raised.incident_id
    elif step.resolve_incident:
        clear_condition(
            session,
            service_id=check.service_id,
            dedup_key=dedup_key(check.id),
            incident_id=check.incident_id,
            source=f"{SOURCE} {check.name}",
            message=f"Check {check.name!r} is up again: resolved",
            now=now,
        )
        check.incident_id = None


def _details(check: UptimeCheck, result: ProbeResult) -> str:
    lines = [
        f"Uptime check {check.name!r} ({check.kind} {check.target}) failed "
        f"{check.consecutive_failures} time(s) in a row (threshold {check.failure_threshold}).",
        f"Last error: {result.error or 'none'}",
    ]
    if result.status_code is not None:
        lines.append(f"HTTP status: {result.status_code}")
    if result.latency_ms is not None:
        lines.append(f"Response time: {result.latency_ms:.0f} ms")
    if result.cert_expires_at is not None:
        lines.append(f"TLS certificate expires: {result.cert_expires_at.isoformat()}")
    return "\n".join(lines)
