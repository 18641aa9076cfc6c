"""Uptime check use cases: create, change, delete, read results and statistics.

Permissions are those of services: every signed-in principal reads; changing a check needs
write access to the team owning its service (and to the new service's team when it moves).
Functions take the session and keyword arguments, flush when ids are needed, never commit.

A target is validated for its kind and, for HTTP and TCP, judged by the SSRF guard when the
check is saved: a target resolving to a refused address is a 400 naming it
(``monitor.target_refused``). A name that does not resolve yet is accepted (the probe will
report it). The guard judges again right before every probe (DNS rebinding).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slar.domain.catalog import repository as catalog
from slar.domain.catalog.models import Service
from slar.domain.identity.rules import Principal, require_team_write
from slar.domain.monitors import guard
from slar.domain.monitors import repository as repo
from slar.domain.monitors.models import UptimeCheck
from slar.domain.monitors.rules import (
    UNKNOWN,
    TargetPolicy,
    next_slot,
    parse_status_ranges,
    parse_target,
    percentile,
    spread_offset,
    uptime_percent,
)
from slar.domain.monitors.schemas import (
    RESULTS_LIMIT_MAX,
    CheckIn,
    CheckOut,
    CheckPatchIn,
    CheckResultOut,
    CheckStatsOut,
    UptimeOut,
)
from slar.kernel.errors import InvalidInput, NotFound

STATS_WINDOWS = (
    ("24h", timedelta(hours=24)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
)


def service_of(session: Session, service_id: int) -> Service:
    service = catalog.service_by_id(session, service_id)
    if service is None:
        raise NotFound(
            f"service {service_id} not found", code="service.not_found", service_id=service_id
        )
    return service


def _check(session: Session, check_id: int, *, for_update: bool = False) -> UptimeCheck:
    check = repo.check_by_id(session, check_id, for_update=for_update)
    if check is None:
        raise NotFound(
            f"check {check_id} not found", code="monitor.check_not_found", check_id=check_id
        )
    return check


def validate_target(*, kind: str, target: str, expected_status: str, policy: TargetPolicy) -> str:
    """The cleaned target; ``InvalidInput`` naming the field when it cannot be probed."""
    parsed = parse_target(kind, target)
    try:
        parse_status_ranges(expected_status)
    except ValueError as error:
        raise InvalidInput(
            f"expected_status: {error}", code="monitor.invalid_status", field="expected_status"
        ) from None
    if kind in ("http", "tcp"):
        try:
            guard.vetted_addresses(parsed.host, parsed.port, policy)
        except guard.TargetRefused as refused:
            raise InvalidInput(
                f"target {target.strip()!r} is refused: {refused} (an admin can allow it with "
                "SLAR_MONITOR_ALLOW_LIST or SLAR_MONITOR_ALLOW_PRIVATE)",
                code="monitor.target_refused",
                field="target",
            ) from None
        except (OSError, UnicodeError):
            pass  # does not resolve (yet): every probe will say so
    return target.strip()


def _schedule(check: UptimeCheck, now: datetime) -> None:
    check.next_run_at = next_slot(
        now, check.interval_seconds, spread_offset(check.id, check.interval_seconds)
    )


def list_checks(
    session: Session, *, principal: Principal, service_id: int | None = None
) -> list[CheckOut]:
    return [CheckOut.model_validate(c) for c in repo.list_checks(session, service_id=service_id)]


def get_check(session: Session, *, check_id: int, principal: Principal) -> CheckOut:
    return CheckOut.model_validate(_check(session, check_id))


def create_check(
    session: Session, *, body: CheckIn, principal: Principal, policy: TargetPolicy, now: datetime
) -> CheckOut:
    service = service_of(session, body.service_id)
    require_team_write(principal, service.team_id)
    target = validate_target(
        kind=body.kind, target=body.target, expected_status=body.expected_status, policy=policy
    )
    name = body.name.strip()
    if not name:
        raise InvalidInput("name must not be blank", code="monitor.invalid_name", field="name")
    check = UptimeCheck(
        **body.model_dump(exclude={"target", "name"}),
        name=name,
        target=target,
        state=UNKNOWN,
        consecutive_failures=0,
        next_run_at=now,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    session.add(check)
    session.flush()  # the id decides the check's slot offset
    _schedule(check, now)
    session.flush()
    return CheckOut.model_validate(check)


def update_check(
    session: Session,
    *,
    check_id: int,
    patch: CheckPatchIn,
    principal: Principal,
    policy: TargetPolicy,
    now: datetime,
) -> CheckOut:
    """Change the fields present in ``patch``. A new target or kind starts the failure count
    afresh; a new interval or re-enabling reschedules the next run."""
    check = _check(session, check_id, for_update=True)
    require_team_write(principal, service_of(session, check.service_id).team_id)
    given = patch.model_dump(exclude_unset=True)
    if given.get("service_id") is not None and given["service_id"] != check.service_id:
        require_team_write(principal, service_of(session, given["service_id"]).team_id)
    for nullable_only_if_allowed in list(given):
        if (
            given[nullable_only_if_allowed] is None
            and nullable_only_if_allowed != "tls_expiry_days"
        ):
            del given[nullable_only_if_allowed]
    kind = given.get("kind", check.kind)
    target = given.get("target", check.target)
    expected = given.get("expected_status", check.expected_status)
    if {"kind", "target", "expected_status"} & given.keys():
        given["target"] = validate_target(
            kind=kind, target=target, expected_status=expected, policy=policy
        )
    if "name" in given:
        given["name"] = given["name"].strip()
        if not given["name"]:
            raise InvalidInput("name must not be blank", code="monitor.invalid_name", field="name")
    retarget = (given.get("kind", check.kind), given.get("target", check.target)) != (
        check.kind,
        check.target,
    )
    reschedule = given.get(
        "interval_seconds", check.interval_seconds
    ) != check.interval_seconds or (given.get("enabled") is True and not check.enabled)
    for name, value in given.items():
        setattr(check, name, value)
    if retarget:
        check.consecutive_failures = 0
        if check.incident_id is None:
            check.state = UNKNOWN
    if reschedule:
        _schedule(check, now)
    check.updated_at = now
    session.flush()
    return CheckOut.model_validate(check)


def delete_check(session: Session, *, check_id: int, principal: Principal) -> None:
    """Delete a check and its results; an incident it opened stays (history)."""
    check = _check(session, check_id)
    require_team_write(principal, service_of(session, check.service_id).team_id)
    session.delete(check)
    session.flush()


def check_results(
    session: Session,
    *,
    check_id: int,
    principal: Principal,
    since: datetime | None = None,
    limit: int = 100,
) -> list[CheckResultOut]:
    """The check's results, newest first."""
    _check(session, check_id)
    limit = max(1, min(limit, RESULTS_LIMIT_MAX))
    return [
        CheckResultOut.model_validate(r)
        for r in repo.results_of(session, check_id, since=since, limit=limit)
    ]


def check_stats(
    session: Session, *, check_id: int, principal: Principal, now: datetime
) -> CheckStatsOut:
    check = _check(session, check_id)
    since = [now - span for _, span in STATS_WINDOWS]
    tallies = repo.tallies(session, check_id, since)
    latencies = repo.latencies(session, check_id, since=since[0])
    return CheckStatsOut(
        check_id=check.id,
        state=check.state,
        uptime=[
            UptimeOut(window=name, percent=uptime_percent(t.up, t.total), results=t.total)
            for (name, _), t in zip(STATS_WINDOWS, tallies, strict=True)
        ],
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        latency_p99_ms=percentile(latencies, 99),
        samples=len(latencies),
    )
