"""Periodic sweeps of the monitors context (ticks: one replica at a time, idempotent).

* ``monitor.heartbeats``: a heartbeat monitor past ``due_by`` goes ``down`` and raises
  ``monitor:heartbeat:<id>`` (a maintenance window suppresses it; the next sweep tries again).
* ``monitor.integrations``: an integration with ``expect_every_seconds`` whose last traffic
  (``last_seen_at``, else its creation) is older than that raises ``integration:silent:<id>``
  once per silence; traffic clears it on the next sweep. Ingestion's hot path is untouched:
  it already writes ``last_seen_at`` (at most every 30 s).
* ``monitor.retention``: results older than ``SLAR_MONITOR_RETENTION_DAYS`` are deleted in
  bounded batches (a big backlog drains over several sweeps, never in one long transaction).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slar.domain.alerts.conditions import clear_condition, raise_condition
from slar.domain.catalog.models import Integration
from slar.domain.identity.rules import Principal
from slar.domain.monitors import heartbeats
from slar.domain.monitors import repository as repo
from slar.domain.monitors.rules import DOWN
from slar.domain.monitors.schemas import IntegrationHealthOut

HEARTBEAT_TICK = "monitor.heartbeats"
HEARTBEAT_SECONDS = 5.0
INTEGRATION_TICK = "monitor.integrations"
INTEGRATION_SECONDS = 15.0
RETENTION_TICK = "monitor.retention"
RETENTION_SECONDS = 60.0
RETENTION_BATCH = 5000
SWEEP_LIMIT = 1000
SILENT_PREFIX = "integration:silent:"


def heartbeat_sweep(session: Session, now: datetime) -> None:
    """Turn overdue monitors ``down`` and raise their incidents."""
    for monitor in repo.overdue_heartbeats(session, now=now, limit=SWEEP_LIMIT):
        monitor.state = DOWN
        monitor.updated_at = now
        late = now - (monitor.last_beat_at or monitor.created_at)
        raised = raise_condition(
            session,
            service_id=monitor.service_id,
            dedup_key=heartbeats.dedup_key(monitor.id),
            title=f"Heartbeat {monitor.name!r} missed: no beat for {_span(late)}"[:1024],
            description=(
                f"Heartbeat monitor {monitor.name!r} expects a beat every "
                f"{_span(timedelta(seconds=monitor.interval_seconds))} (grace "
                f"{_span(timedelta(seconds=monitor.grace_seconds))}); the last one was at "
                f"{monitor.last_beat_at.isoformat() if monitor.last_beat_at else 'never'}."
            ),
            labels={"monitor": "heartbeat", "heartbeat_id": str(monitor.id)},
            source=f"{heartbeats.SOURCE} {monitor.name}",
            now=now,
            data={"heartbeat_id": monitor.id},
        )
        monitor.incident_id = raised.incident_id


def silent_since(integration: Integration) -> datetime | None:
    """When the integration's expected traffic went missing (None: not silent / no
    expectation). ``now`` is compared by the caller."""
    if integration.expect_every_seconds is None:
        return None
    last = integration.last_seen_at or integration.created_at
    return last + timedelta(seconds=integration.expect_every_seconds)


def integration_sweep(session: Session, now: datetime) -> None:
    open_by_key = repo.open_incidents_with_prefix(session, SILENT_PREFIX)
    expecting = repo.integrations_expecting_traffic(session)
    for integration in expecting:
        key = f"{SILENT_PREFIX}{integration.id}"
        since = silent_since(integration)
        if since is not None and since <= now:
            if key in open_by_key or repo.incidents_since(
                session, service_id=integration.service_id, dedup_key=key, since=since
            ):
                continue  # raised already for this silence (perhaps resolved by hand)
            raise_condition(
                session,
                service_id=integration.service_id,
                dedup_key=key,
                title=(
                    f"Integration {integration.name!r} is silent: nothing received for "
                    f"{_span(now - (integration.last_seen_at or integration.created_at))}"
                )[:1024],
                description=_silence_details(integration),
                labels={"monitor": "integration_health", "integration_id": str(integration.id)},
                source=f"integration health {integration.name}",
                now=now,
                data={"integration_id": integration.id},
            )
        elif key in open_by_key:
            clear_condition(
                session,
                service_id=open_by_key[key].service_id,
                dedup_key=key,
                incident_id=open_by_key[key].id,
                source=f"integration health {integration.name}",
                message=f"Integration {integration.name!r} is sending again: resolved",
                now=now,
            )
    expected_keys = {f"{SILENT_PREFIX}{i.id}" for i in expecting}
    for key, incident in open_by_key.items():
        if key not in expected_keys:  # expectation removed (or integration gone): stand down
            clear_condition(
                session,
                service_id=incident.service_id,
                dedup_key=key,
                incident_id=incident.id,
                source="integration health",
                message="No traffic is expected any more: resolved",
                now=now,
            )


def integration_health(
    session: Session, *, principal: Principal, service_id: int | None, now: datetime
) -> list[IntegrationHealthOut]:
    """Every integration (of one service) with when it was last heard from and whether its
    expected traffic is missing; readable by every signed-in principal."""
    out = []
    for integration in repo.integrations(session, service_id=service_id):
        since = silent_since(integration)
        silent = since is not None and since <= now
        out.append(
            IntegrationHealthOut(
                integration_id=integration.id,
                service_id=integration.service_id,
                name=integration.name,
                kind=integration.kind,
                last_seen_at=integration.last_seen_at,
                expect_every_seconds=integration.expect_every_seconds,
                silent=silent,
                silent_since=since if silent else None,
            )
        )
    return out


def retention_sweep(session: Session, now: datetime, *, retention_days: int) -> None:
    """Delete one batch of results older than the retention period."""
    repo.delete_results_before(
        session, before=now - timedelta(days=retention_days), limit=RETENTION_BATCH
    )


def _silence_details(integration: Integration) -> str:
    every = timedelta(seconds=integration.expect_every_seconds or 0)
    last = integration.last_seen_at.isoformat() if integration.last_seen_at else "never"
    return (
        f"Integration {integration.name!r} ({integration.kind}) is expected to send something "
        f"every {_span(every)}; last heard from: {last}."
    )


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
