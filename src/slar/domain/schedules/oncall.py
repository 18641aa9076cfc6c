"""Who is on call: pure computation of a schedule's final shifts (stdlib and zoneinfo only).

Schedules are computed, never materialised, so this module is on the paging path (the
escalation engine asks ``oncall_at`` when a level fires) and on every calendar view
(``shifts``). It must be exact across DST and cheap: the rotation index at an instant is
computed arithmetically from the rotation's epoch, never by walking shifts from the start.

Semantics (every interval is half-open, ``[start, end)``):

* **Layers.** A higher ``position`` covers the layers below it wherever it has someone; where
  it has nobody (before its ``start``, outside its restrictions) the next layer down shows.
* **Overrides** beat every layer, gaps included. When overrides overlap, the one later in
  ``ScheduleSpec.overrides`` (the repository orders them by creation) wins.
* **Hour-based rotations** (hourly, every N hours) hand off every N real hours from the
  layer's ``start``: shift lengths are constant in elapsed time, whatever DST does.
* **Day-based rotations** (daily, weekly, every N days) hand off at the local wall-clock
  ``handoff_time`` in the schedule's zone, so a 09:00 handoff stays 09:00 across DST (the shift
  spanning spring-forward lasts 23 h, the one spanning fall-back 25 h). The handoff grid is
  anchored on the latest handoff at or before ``start`` (on ``handoff_weekday`` for weekly
  rotations); the first user is on call from ``start`` until the next handoff of the grid.
* **Restrictions** are local time-of-day windows, each on a set of weekdays (the weekday the
  window *starts*); a window whose end is not after its start ends the next day (``end ==
  start`` is a full 24 h). Outside every window the layer has nobody; the rotation keeps
  turning by the clock meanwhile.
* **Local times that do not exist or exist twice.** A local time ``W`` on a date means the
  first instant at which the zone's clock reads ``W`` or later that day. When the clock falls
  back and shows ``W`` twice, that is the first occurrence; when it springs forward over
  ``W`` (02:30 in New York on the second Sunday of March), it is the instant of the jump
  (03:00 EDT): the clock has passed ``W`` there. Handoffs therefore never move by a whole hour
  and never happen twice, and a window lying wholly inside a skipped interval is empty.

Internally instants are integers (microseconds since the Unix epoch, UTC): interval arithmetic
on ints is exact and several times faster than on datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

RotationUnit = Literal["hours", "days"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
SECOND_US = 1_000_000
HOUR_US = 3600 * SECOND_US
ONE_DAY = timedelta(days=1)
EVERY_DAY: frozenset[int] = frozenset(range(7))
"""Weekdays are ``date.weekday()`` numbers: Monday 0 ... Sunday 6."""

Piece = tuple[int, int, int]
"""``(start_us, end_us, user_id)``: one stretch of one user, half-open."""


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rotation:
    """How a layer's users take turns: every ``length`` hours, or every ``length`` days at
    the local ``handoff_time`` (weekly = 7 days aligned on ``handoff_weekday``)."""

    unit: RotationUnit
    length: int
    handoff_time: time | None = None
    handoff_weekday: int | None = None

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError("a rotation length must be at least 1")
        if self.unit == "hours":
            if self.handoff_time is not None or self.handoff_weekday is not None:
                raise ValueError("hour-based rotations hand off every N hours from their start")
        elif self.unit == "days":
            if self.handoff_time is None:
                raise ValueError("day-based rotations need a handoff time")
            if self.handoff_weekday is not None and (
                self.handoff_weekday not in EVERY_DAY or self.length % 7
            ):
                raise ValueError("a handoff weekday needs a weekday 0-6 and whole weeks")
        else:
            raise ValueError(f"unknown rotation unit {self.unit!r}")

    @classmethod
    def hourly(cls, every: int = 1) -> Rotation:
        return cls("hours", every)

    @classmethod
    def daily(cls, handoff: time, every: int = 1) -> Rotation:
        return cls("days", every, handoff)

    @classmethod
    def weekly(cls, handoff: time, weekday: int, every: int = 1) -> Rotation:
        return cls("days", 7 * every, handoff, weekday)


@dataclass(frozen=True, slots=True)
class Restriction:
    """A local window ``[start, end)`` starting on each of ``weekdays`` (ends next day when
    ``end <= start``)."""

    start: time
    end: time
    weekdays: frozenset[int] = EVERY_DAY

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= EVERY_DAY:
            raise ValueError("restriction weekdays must be a non-empty subset of 0-6")


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One layer: ``users`` in turn (a user may appear more than once) from ``start`` on."""

    id: int
    position: int
    users: tuple[int, ...]
    rotation: Rotation
    start: datetime
    restrictions: tuple[Restriction, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("a layer start must be timezone-aware")


@dataclass(frozen=True, slots=True)
class OverrideSpec:
    """``user_id`` is on call over ``[start, end)``, whatever the layers say."""

    id: int
    user_id: int
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("override instants must be timezone-aware")


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """Everything ``oncall_at`` and ``shifts`` need. ``layers`` are kept highest first;
    ``overrides`` in creation order (later wins where they overlap)."""

    id: int
    name: str
    time_zone: str
    layers: tuple[LayerSpec, ...] = ()
    overrides: tuple[OverrideSpec, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.time_zone))
        ordered = tuple(sorted(self.layers, key=lambda layer: -layer.position))
        object.__setattr__(self, "layers", ordered)


@dataclass(frozen=True, slots=True)
class Shift:
    user_id: int
    start: datetime
    end: datetime


# --- instants and local wall-clock times -------------------------------------------------------


def to_us(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return (instant - EPOCH) // MICROSECOND


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _local(us: int, zone: ZoneInfo) -> datetime:
    return from_us(us).astimezone(zone)


def _local_date(us: int, zone: ZoneInfo) -> date:
    return from_us(us).astimezone(zone).date()


@lru_cache(maxsize=65536)
def wall_us(day: date, wall: time, zone: ZoneInfo) -> int:
    """The first instant at which ``zone``'s clock reads ``wall`` or later on ``day``.

    That is the first occurrence of an ambiguous time, and the instant of the jump for a time
    the clock skips (see the module docstring).
    """
    naive = datetime.combine(day, wall)
    first = to_us(naive.replace(tzinfo=zone))  # fold=0: the earlier reading when ambiguous
    if _local(first, zone).replace(tzinfo=None) == naive:
        return first
    # ``naive`` was skipped. fold=0 reads it with the offset before the jump (an instant after
    # the jump), fold=1 with the offset after (an instant before it): search between them for
    # the first second whose reading is ``naive`` or later. Transitions fall on whole seconds.
    other = to_us(naive.replace(tzinfo=zone, fold=1))
    lo, hi = min(first, other) // SECOND_US, -(-max(first, other) // SECOND_US)
    if _local(hi * SECOND_US, zone).replace(tzinfo=None) < naive:
        return max(first, other)  # not a gap after all: be safe rather than clever
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _local(mid * SECOND_US, zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi * SECOND_US


def _handoff_day(us: int, handoff: time, zone: ZoneInfo) -> int:
    """Ordinal of the latest local date whose ``handoff`` is at or before ``us``."""
    day = _local_date(us, zone)
    if wall_us(day, handoff, zone) > us:
        day -= ONE_DAY
    return day.toordinal()


@lru_cache(maxsize=8192)
def _grid_origin(start_us: int, handoff: time, weekday: int | None, zone: ZoneInfo) -> int:
    """Ordinal of the date of the latest grid handoff at or before the layer's start."""
    origin = _handoff_day(start_us, handoff, zone)
    if weekday is not None:
        origin -= (date.fromordinal(origin).weekday() - weekday) % 7
    return origin


# --- one layer ---------------------------------------------------------------------------------


def _user_at(layer: LayerSpec, zone: ZoneInfo, t: int) -> int | None:
    users = layer.users
    start = to_us(layer.start)
    if not users or t < start:
        return None
    if layer.restrictions and not _in_window(layer.restrictions, zone, t):
        return None
    rotation = layer.rotation
    if rotation.unit == "hours":
        turn = (t - start) // (rotation.length * HOUR_US)
    else:
        handoff = rotation.handoff_time
        assert handoff is not None
        origin = _grid_origin(start, handoff, rotation.handoff_weekday, zone)
        turn = (_handoff_day(t, handoff, zone) - origin) // rotation.length
    return users[turn % len(users)]


def _window(day: date, restriction: Restriction, zone: ZoneInfo) -> tuple[int, int]:
    end_day = day if restriction.end > restriction.start else day + ONE_DAY
    return wall_us(day, restriction.start, zone), wall_us(end_day, restriction.end, zone)


def _in_window(restrictions: Sequence[Restriction], zone: ZoneInfo, t: int) -> bool:
    today = _local_date(t, zone)
    for day in (today, today - ONE_DAY):  # a window reaches at most into the next day
        weekday = day.weekday()
        for restriction in restrictions:
            if weekday in restriction.weekdays:
                begin, end = _window(day, restriction, zone)
                if begin <= t < end:
                    return True
    return False


def _windows(restrictions: Sequence[Restriction], zone: ZoneInfo, lo: int, hi: int) -> list[Piece]:
    """The union of the restriction windows within ``[lo, hi)``, sorted (user id unused)."""
    raw: list[tuple[int, int]] = []
    day, last = _local_date(lo, zone) - ONE_DAY, _local_date(hi, zone)
    while day <= last:
        weekday = day.weekday()
        for restriction in restrictions:
            if weekday in restriction.weekdays:
                begin, end = _window(day, restriction, zone)
                begin, end = max(begin, lo), min(end, hi)
                if begin < end:
                    raw.append((begin, end))
        day += ONE_DAY
    raw.sort()
    merged: list[Piece] = []
    for begin, end in raw:
        if merged and begin <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end, 0)
        else:
            merged.append((begin, end, 0))
    return merged


def _rotation_pieces(layer: LayerSpec, zone: ZoneInfo, lo: int, hi: int) -> list[Piece]:
    users = layer.users
    start = to_us(layer.start)
    lo = max(lo, start)
    if not users or lo >= hi:
        return []
    count = len(users)
    rotation = layer.rotation
    pieces: list[Piece] = []
    if rotation.unit == "hours":
        length = rotation.length * HOUR_US
        first, last = (lo - start) // length, (hi - 1 - start) // length
        pieces = [
            (start + turn * length, start + (turn + 1) * length, users[turn % count])
            for turn in range(first, last + 1)
        ]
        pieces[0] = (lo, pieces[0][1], pieces[0][2])
        pieces[-1] = (pieces[-1][0], hi, pieces[-1][2])
        return pieces
    handoff = rotation.handoff_time
    assert handoff is not None
    step = rotation.length
    origin = _grid_origin(start, handoff, rotation.handoff_weekday, zone)
    turn = (_handoff_day(lo, handoff, zone) - origin) // step
    begin = wall_us(date.fromordinal(origin + turn * step), handoff, zone)
    while begin < hi:
        end = wall_us(date.fromordinal(origin + (turn + 1) * step), handoff, zone)
        piece_start, piece_end = max(begin, lo), min(end, hi)
        if piece_start < piece_end:
            pieces.append((piece_start, piece_end, users[turn % count]))
        turn += 1
        begin = end
    return pieces


def _clip(pieces: list[Piece], windows: list[Piece]) -> list[Piece]:
    """The parts of ``pieces`` inside ``windows`` (both sorted and non-overlapping)."""
    clipped: list[Piece] = []
    first = 0
    for start, end, user in pieces:
        while first < len(windows) and windows[first][1] <= start:
            first += 1
        index = first
        while index < len(windows) and windows[index][0] < end:
            begin, stop = max(start, windows[index][0]), min(end, windows[index][1])
            if begin < stop:
                clipped.append((begin, stop, user))
            index += 1
    return clipped


def _layer_pieces(layer: LayerSpec, zone: ZoneInfo, lo: int, hi: int) -> list[Piece]:
    pieces = _rotation_pieces(layer, zone, lo, hi)
    if layer.restrictions and pieces:
        pieces = _clip(pieces, _windows(layer.restrictions, zone, pieces[0][0], hi))
    return pieces


# --- stacking ----------------------------------------------------------------------------------


def _underlay(upper: list[Piece], lower: list[Piece]) -> list[Piece]:
    """``upper`` plus the parts of ``lower`` it leaves uncovered (inputs sorted, disjoint)."""
    if not upper:
        return list(lower)
    if not lower:
        return upper
    fill: list[Piece] = []
    above, count = 0, len(upper)
    for start, end, user in lower:
        cursor = start
        while cursor < end:
            while above < count and upper[above][1] <= cursor:
                above += 1
            if above < count and upper[above][0] <= cursor:
                cursor = upper[above][1]
                continue
            stop = min(end, upper[above][0]) if above < count else end
            fill.append((cursor, stop, user))
            cursor = stop
    if not fill:
        return upper
    combined = upper + fill
    combined.sort()
    return combined


def _override_pieces(overrides: Sequence[OverrideSpec], lo: int, hi: int) -> list[Piece]:
    resolved: list[Piece] = []
    for override in reversed(overrides):  # later overrides are laid first: they win
        start, end = max(to_us(override.start), lo), min(to_us(override.end), hi)
        if start < end:
            resolved = _underlay(resolved, [(start, end, override.user_id)])
    return resolved


def _merged_shifts(pieces: list[Piece]) -> list[Shift]:
    merged: list[Piece] = []
    for start, end, user in pieces:
        if merged and merged[-1][1] == start and merged[-1][2] == user:
            merged[-1] = (merged[-1][0], end, user)
        else:
            merged.append((start, end, user))
    found: list[Shift] = []
    previous_us, previous = None, EPOCH
    for start, end, user in merged:  # a boundary is usually the previous shift's end
        begin = previous if start == previous_us else from_us(start)
        previous_us, previous = end, from_us(end)
        found.append(Shift(user, begin, previous))
    return found


# --- public API --------------------------------------------------------------------------------


def oncall_at(schedule: ScheduleSpec, at: datetime) -> tuple[int, ...]:
    """The users on call at ``at``: the latest override covering it, else the highest layer
    that has someone; ``()`` when nobody is. (At most one user today; a tuple so that a future
    "several on call at once" needs no new signature.)"""
    t = to_us(at)
    for override in reversed(schedule.overrides):
        if to_us(override.start) <= t < to_us(override.end):
            return (override.user_id,)
    for layer in schedule.layers:
        user = _user_at(layer, schedule.zone, t)
        if user is not None:
            return (user,)
    return ()


def shifts(schedule: ScheduleSpec, start: datetime, end: datetime) -> list[Shift]:
    """The final shifts within ``[start, end)``: layers stacked, overrides on top, clipped to
    the range, sorted, never overlapping, adjacent stretches of one user merged."""
    lo, hi = to_us(start), to_us(end)
    if hi <= lo:
        return []
    pieces = _override_pieces(schedule.overrides, lo, hi)
    for layer in schedule.layers:
        if sum(end - begin for begin, end, _ in pieces) == hi - lo:
            break  # already covered wall to wall: nothing below can show
        pieces = _underlay(pieces, _layer_pieces(layer, schedule.zone, lo, hi))
    return _merged_shifts(pieces)


def layer_shifts(layer: LayerSpec, zone: ZoneInfo, start: datetime, end: datetime) -> list[Shift]:
    """One layer's own shifts within ``[start, end)`` (restrictions applied, nothing stacked)."""
    lo, hi = to_us(start), to_us(end)
    if hi <= lo:
        return []
    return _merged_shifts(_layer_pieces(layer, zone, lo, hi))


def user_at(layer: LayerSpec, zone: ZoneInfo, at: datetime) -> int | None:
    """Who one layer puts on call at ``at`` (``None``: nobody)."""
    return _user_at(layer, zone, to_us(at))
