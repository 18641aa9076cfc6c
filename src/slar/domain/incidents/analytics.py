"""Incident analytics as pure functions over rows: counts, MTTA and MTTR per service and team.

The repository fetches one ``IncidentTimes`` per incident created in the window; everything
here is arithmetic, so it is unit-tested without a database.

Definitions (see docs/incidents.md):
- count: incidents created in ``[since, until)``, merged-away duplicates excluded;
- acknowledged: of those, how many carry an acknowledgement (``acknowledged_at`` set);
- resolved: of those, how many are resolved;
- MTTA: mean (and median) of ``acknowledged_at - created_at`` over the acknowledged ones;
- MTTR: mean (and median) of ``resolved_at - created_at`` over the resolved ones.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IncidentTimes:
    """The instants analytics needs from one incident."""

    incident_id: int
    service_id: int
    service_name: str
    team_id: int
    team_name: str
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class Stats:
    count: int
    acknowledged: int
    resolved: int
    mtta_seconds: float | None
    mtta_p50_seconds: float | None
    mttr_seconds: float | None
    mttr_p50_seconds: float | None


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    service_id: int
    service_name: str
    team_id: int
    stats: Stats


@dataclass(frozen=True, slots=True)
class TeamSummary:
    team_id: int
    team_name: str
    stats: Stats


@dataclass(frozen=True, slots=True)
class Summary:
    overall: Stats
    services: list[ServiceSummary]
    teams: list[TeamSummary]


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def stats(rows: Iterable[IncidentTimes]) -> Stats:
    """Counts and response times of ``rows``.

    Negative durations (clock skew between replicas) are clamped to zero rather than allowed
    to pull the mean below what any responder could have achieved.
    """
    items = list(rows)
    to_ack = [
        max(0.0, (r.acknowledged_at - r.created_at).total_seconds())
        for r in items
        if r.acknowledged_at is not None
    ]
    to_resolve = [
        max(0.0, (r.resolved_at - r.created_at).total_seconds())
        for r in items
        if r.resolved_at is not None
    ]
    return Stats(
        count=len(items),
        acknowledged=len(to_ack),
        resolved=len(to_resolve),
        mtta_seconds=_mean(to_ack),
        mtta_p50_seconds=_median(to_ack),
        mttr_seconds=_mean(to_resolve),
        mttr_p50_seconds=_median(to_resolve),
    )


def summarize(rows: Iterable[IncidentTimes]) -> Summary:
    """Overall, per-service and per-team statistics; groups ordered by name then id."""
    items = list(rows)
    by_service: dict[int, list[IncidentTimes]] = defaultdict(list)
    by_team: dict[int, list[IncidentTimes]] = defaultdict(list)
    for row in items:
        by_service[row.service_id].append(row)
        by_team[row.team_id].append(row)
    services = [
        ServiceSummary(
            service_id=sid,
            service_name=group[0].service_name,
            team_id=group[0].team_id,
            stats=stats(group),
        )
        for sid, group in by_service.items()
    ]
    teams = [
        TeamSummary(team_id=tid, team_name=group[0].team_name, stats=stats(group))
        for tid, group in by_team.items()
    ]
    services.sort(key=lambda s: (s.service_name, s.service_id))
    teams.sort(key=lambda t: (t.team_name, t.team_id))
    return Summary(overall=stats(items), services=services, teams=teams)
