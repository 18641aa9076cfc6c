"""MTTA / MTTR arithmetic, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from slar.domain.incidents.analytics import IncidentTimes, stats, summarize

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _row(
    n: int,
    *,
    service: int = 1,
    team: int = 1,
    ack: float | None = None,
    resolve: float | None = None,
) -> IncidentTimes:
    return IncidentTimes(
        incident_id=n,
        service_id=service,
        service_name=f"svc-{service}",
        team_id=team,
        team_name=f"team-{team}",
        created_at=T0,
        acknowledged_at=T0 + timedelta(seconds=ack) if ack is not None else None,
        resolved_at=T0 + timedelta(seconds=resolve) if resolve is not None else None,
    )


def test_empty() -> None:
    empty = stats([])
    assert (empty.count, empty.acknowledged, empty.resolved) == (0, 0, 0)
    assert empty.mtta_seconds is None
    assert empty.mttr_p50_seconds is None


def test_mean_and_median_only_over_incidents_that_reached_the_state() -> None:
    rows = [
        _row(1, ack=60, resolve=600),
        _row(2, ack=120),
        _row(3, ack=600, resolve=1200),
        _row(4, resolve=30),  # resolved without acknowledgement
        _row(5),
    ]
    result = stats(rows)
    assert (result.count, result.acknowledged, result.resolved) == (5, 3, 3)
    assert result.mtta_seconds == 260.0
    assert result.mtta_p50_seconds == 120.0
    assert result.mttr_seconds == 610.0
    assert result.mttr_p50_seconds == 600.0


def test_even_median_and_negative_durations() -> None:
    result = stats([_row(1, ack=10), _row(2, ack=20), _row(3, ack=-5), _row(4, ack=30)])
    assert result.mtta_p50_seconds == 15.0  # median of 0, 10, 20, 30
    assert result.mtta_seconds == 15.0  # -5 is clamped to 0


def test_groups_by_service_and_team() -> None:
    rows = [
        _row(1, service=2, team=1, ack=100),
        _row(2, service=1, team=1, ack=300),
        _row(3, service=3, team=2, resolve=50),
    ]
    summary = summarize(rows)
    assert [s.service_id for s in summary.services] == [1, 2, 3]  # by name
    assert [t.team_id for t in summary.teams] == [1, 2]
    assert summary.teams[0].stats.mtta_seconds == 200.0
    assert summary.teams[1].stats.mttr_seconds == 50.0
    assert summary.services[2].team_id == 2
    assert summary.overall.count == 3


@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            st.one_of(st.none(), st.integers(0, 86_400)),
            st.one_of(st.none(), st.integers(0, 86_400)),
        ),
        max_size=40,
    )
)
def test_groups_partition_the_whole(spec: list[tuple[int, int | None, int | None]]) -> None:
    rows = [_row(n, service=s, team=s % 2, ack=a, resolve=r) for n, (s, a, r) in enumerate(spec)]
    summary = summarize(rows)
    assert sum(s.stats.count for s in summary.services) == summary.overall.count == len(rows)
    assert sum(t.stats.count for t in summary.teams) == len(rows)
    assert sum(s.stats.acknowledged for s in summary.services) == summary.overall.acknowledged
    assert sum(t.stats.resolved for t in summary.teams) == summary.overall.resolved
    acked = [a for _, a, _ in spec if a is not None]
    if acked:
        assert summary.overall.mtta_seconds is not None
        assert min(acked) <= summary.overall.mtta_seconds <= max(acked)
