"""The schedule timeline: who is on call over the next days, as SVG bars (one row per person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from slar.domain.schedules.schemas import ShiftsOut

PALETTE = ("#1f5fbf", "#1d6b34", "#8a5300", "#7a2a9c", "#b3261e", "#0f6b73", "#5b4a00", "#2f3f9e")
LABEL_W = 120
ROW_H = 26
HEADER_H = 22


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    rows: list[tuple[str, float]]
    bars: list[Bar]
    ticks: list[Tick]
    now_x: float | None
    label_width: int = LABEL_W
    row_height: int = ROW_H


def timeline(shifts: ShiftsOut, *, now: datetime, width: int = 960) -> Timeline:
    """Lay ``shifts`` out between ``shifts.start`` and ``shifts.end``: x is time, y is person."""
    span = (shifts.end - shifts.start).total_seconds() or 1.0
    plot = width - LABEL_W

    def x_of(instant: datetime) -> float:
        clamped = min(max(instant, shifts.start), shifts.end)
        return round(LABEL_W + (clamped - shifts.start).total_seconds() / span * plot, 1)

    people: dict[int, int] = {}
    rows: list[tuple[str, float]] = []
    bars: list[Bar] = []
    for shift in shifts.shifts:
        if shift.user.id not in people:
            people[shift.user.id] = len(people)
            rows.append((shift.user.name or shift.user.email, HEADER_H + len(rows) * ROW_H))
        row = people[shift.user.id]
        x0, x1 = x_of(shift.start), x_of(shift.end)
        bars.append(
            Bar(
                x=x0,
                y=HEADER_H + row * ROW_H + 3,
                width=max(1.0, round(x1 - x0, 1)),
                colour=PALETTE[row % len(PALETTE)],
                title=f"{shift.user.name or shift.user.email}: "
                f"{shift.start:%a %d %b %H:%M} to {shift.end:%a %d %b %H:%M} UTC",
            )
        )
    ticks = []
    day = shifts.start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= shifts.end:
        if day >= shifts.start:
            ticks.append(Tick(x_of(day), f"{day:%a %d}"))
        day += timedelta(days=1)
    now_x = x_of(now) if shifts.start <= now <= shifts.end else None
    height = HEADER_H + max(1, len(rows)) * ROW_H + 4
    return Timeline(width, height, rows, bars, ticks, now_x)
