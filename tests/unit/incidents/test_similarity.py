"""Similar incidents: title words and shared labels, the incident itself never included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from slar.domain.incidents.similarity import (
    IncidentFeatures,
    most_similar,
    similarity,
    title_words,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _incident(i: int, title: str, labels: dict[str, str] | None = None, age: int = 0):  # type: ignore[no-untyped-def]
    return IncidentFeatures(
        id=i, title=title, labels=labels or {}, created_at=T0 - timedelta(hours=age)
    )


def test_title_words_ignore_case_stop_words_and_bare_numbers() -> None:
    assert title_words("Disk FULL on web-01 (the 2nd time)") == {
        "disk",
        "full",
        "web",
        "2nd",
        "time",
    }


def test_ranking_by_title_then_labels_then_recency() -> None:
    target = _incident(1, "Disk full on db-1", {"alertname": "DiskFull", "host": "db-1"})
    candidates = [
        target,
        _incident(2, "Disk full on db-2", {"alertname": "DiskFull", "host": "db-2"}, age=5),
        _incident(3, "Disk full on db-1", {"alertname": "DiskFull", "host": "db-1"}, age=50),
        _incident(4, "High latency", {"alertname": "Latency"}, age=1),
        _incident(5, "Disk full on db-3", {"alertname": "DiskFull", "host": "db-3"}, age=1),
        _incident(6, "Certificate expiry", {"host": "db-1"}, age=1),
    ]
    ranked = [c.id for c, _ in most_similar(target, candidates, limit=10)]
    assert ranked == [3, 5, 2, 6]  # 4 shares nothing; 1 is the incident itself
    assert [c.id for c, _ in most_similar(target, candidates, limit=2)] == [3, 5]


def test_without_labels_the_title_alone_counts() -> None:
    assert similarity(_incident(1, "API down"), _incident(2, "API down")) == 1.0


@given(st.text(max_size=60), st.text(max_size=60))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    x, y = _incident(1, a, {"k": a[:3]}), _incident(2, b, {"k": b[:3]})
    assert 0.0 <= similarity(x, y) == similarity(y, x) <= 1.0
