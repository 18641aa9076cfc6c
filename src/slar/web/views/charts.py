"""SVG chart geometry: sparklines of MTTA/MTTR per day, and a response-time line.

Templates draw what these return (points, bars, labels), so the arithmetic is unit-tested
without a browser, and pages ship no charting library.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slar.domain.incidents.schemas import IncidentOut


@dataclass(frozen=True)
class Sparkline:
    """A polyline in a ``width`` by ``height`` box; ``points`` is the SVG attribute value."""

    width: int
    height: int
    points: str
    dots: list[tuple[float, float]]
    peak: float | None
    label: str

    @property
    def empty(self) -> bool:
        return not self.dots


def daily_means(
    incidents: Iterable[IncidentOut], *, now: datetime, days: int, measure: str
) -> list[float | None]:
    """Mean seconds to ``measure`` (``ack`` or ``resolve``) of incidents created on each of the
    last ``days`` days (oldest first); ``None`` for a day without such incidents."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    sums = [0.0] * days
    counts = [0] * days
    for incident in incidents:
        done = incident.acknowledged_at if measure == "ack" else incident.resolved_at
        if done is None or incident.created_at < start:
            continue
        index = (incident.created_at - start).days
        if 0 <= index < days:
            sums[index] += max(0.0, (done - incident.created_at).total_seconds())
            counts[index] += 1
    return [s / c if c else None for s, c in zip(sums, counts, strict=True)]


def sparkline(
    values: Sequence[float | None], *, width: int = 160, height: int = 36, label: str = ""
) -> Sparkline:
    """Scale ``values`` into the box (0 at the bottom, the peak at the top, 2px padding);
    days without data are skipped, the line joins the days around them."""
    known = [v for v in values if v is not None]
    peak = max(known) if known else None
    dots: list[tuple[float, float]] = []
    if peak is not None:
        step = (width - 4) / max(1, len(values) - 1)
        for i, value in enumerate(values):
            if value is not None:
                share = value / peak if peak > 0 else 0.0
                dots.append((round(2 + i * step, 1), round(height - 2 - share * (height - 4), 1)))
    points = " ".join(f"{x},{y}" for x, y in dots)
    return Sparkline(width, height, points, dots, peak, label)


@dataclass(frozen=True)
class LatencyChart:
    """Response times over time: a line of successful checks, red ticks where checks failed."""

    width: int
    height: int
    points: str
    failures: list[float]
    peak_ms: float | None
    label: str

    @property
    def empty(self) -> bool:
        return not self.points and not self.failures


def latency_chart(
    samples: Sequence[tuple[datetime, bool, float | None]],
    *,
    width: int = 640,
    height: int = 120,
    label: str = "Response time",
) -> LatencyChart:
    """``samples``: (when, ok, latency ms), any order. x is time (oldest left), y latency."""
    ordered = sorted(samples, key=lambda s: s[0])
    if not ordered:
        return LatencyChart(width, height, "", [], None, label)
    first, last = ordered[0][0], ordered[-1][0]
    span = (last - first).total_seconds() or 1.0
    known = [ms for _, ok, ms in ordered if ok and ms is not None]
    peak = max(known) if known else None
    points, failures = [], []
    for when, ok, ms in ordered:
        x = round(4 + (when - first).total_seconds() / span * (width - 8), 1)
        if ok and ms is not None:
            share = ms / peak if peak else 0.0
            points.append(f"{x},{round(height - 4 - share * (height - 8), 1)}")
        elif not ok:
            failures.append(x)
    return LatencyChart(width, height, " ".join(points), failures, peak, label)
