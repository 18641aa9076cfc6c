"""Property tests of ``oncall`` in zones with awkward DST: New York and London (one hour),
Lord Howe (thirty minutes), Kolkata (none, half-hour offset).

Ranges and layer starts are drawn around 2025-2027 and, for the DST properties, pinned around
the transitions themselves, so every example crosses or touches a change of offset often.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slar.domain.schedules.oncall import (
    LayerSpec,
    OverrideSpec,
    Restriction,
    Rotation,
    ScheduleSpec,
    Shift,
    layer_shifts,
    oncall_at,
    shifts,
)

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]
TRANSITIONS = [  # 2026 offset changes, UTC
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York spring forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York fall back
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # London spring forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # London fall back
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe fall back (30 min)
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # Lord Howe spring forward (30 min)
]
BASE = datetime(2026, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

users = st.lists(st.integers(1, 6), min_size=1, max_size=5).map(tuple)
minutes_of_day = st.one_of(
    st.sampled_from([0, 90, 120, 135, 150, 540, 1020, 1439]),  # around the usual jumps
    st.integers(0, 1439),
)
wall_times = minutes_of_day.map(lambda m: time(m // 60, m % 60))


def _instant(anchor: datetime, spread_hours: int) -> st.SearchStrategy[datetime]:
    return st.integers(-spread_hours * 60, spread_hours * 60).map(
        lambda m: anchor + timedelta(minutes=m)
    )


instants = st.one_of(
    st.sampled_from(TRANSITIONS).flatmap(lambda t: _instant(t, 72)),
    _instant(BASE + timedelta(days=180), 24 * 200),
)

hour_rotations = st.integers(1, 36).map(Rotation.hourly)
day_rotations = st.builds(Rotation.daily, wall_times, st.integers(1, 4))
week_rotations = st.builds(Rotation.weekly, wall_times, st.integers(0, 6), st.integers(1, 2))
rotations = st.one_of(hour_rotations, day_rotations, week_rotations)

restrictions = st.builds(
    Restriction,
    wall_times,
    wall_times,
    st.frozensets(st.integers(0, 6), min_size=1),
)


@st.composite
def layer_specs(draw: st.DrawFn, *, position: int, restricted: bool | None = None) -> LayerSpec:
    has_restrictions = draw(st.booleans()) if restricted is None else restricted
    return LayerSpec(
        id=position + 1,
        position=position,
        users=draw(users),
        rotation=draw(rotations),
        start=draw(instants) - timedelta(days=draw(st.integers(0, 40))),
        restrictions=tuple(draw(st.lists(restrictions, min_size=1, max_size=3)))
        if has_restrictions
        else (),
    )


@st.composite
def override_specs(draw: st.DrawFn, index: int) -> OverrideSpec:
    start = draw(instants)
    return OverrideSpec(
        id=index,
        user_id=draw(st.integers(7, 9)),
        start=start,
        end=start + timedelta(minutes=draw(st.integers(1, 60 * 72))),
    )


@st.composite
def schedules(draw: st.DrawFn) -> ScheduleSpec:
    count = draw(st.integers(1, 3))
    layers = tuple(draw(layer_specs(position=p)) for p in draw(st.permutations(range(count))))
    overrides = tuple(draw(override_specs(i)) for i in range(draw(st.integers(0, 4))))
    return ScheduleSpec(
        id=1, name="s", time_zone=draw(st.sampled_from(ZONES)), layers=layers, overrides=overrides
    )


@st.composite
def ranges(draw: st.DrawFn) -> tuple[datetime, datetime]:
    start = draw(instants)
    return start, start + timedelta(minutes=draw(st.integers(1, 60 * 24 * 21)))


def _check_well_formed(found: list[Shift], start: datetime, end: datetime) -> None:
    for shift in found:
        assert start <= shift.start < shift.end <= end
    for before, after in itertools.pairwise(found):
        assert before.end <= after.start, "final shifts overlap"
        assert not (before.end == after.start and before.user_id == after.user_id), "not merged"


@PROPERTY_SETTINGS
@given(schedules(), ranges())
def test_final_shifts_are_sorted_clipped_merged_and_never_overlap(
    spec: ScheduleSpec, window: tuple[datetime, datetime]
) -> None:
    _check_well_formed(shifts(spec, *window), *window)


@PROPERTY_SETTINGS
@given(schedules(), ranges(), st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_oncall_at_agrees_with_the_shift_containing_the_instant(
    spec: ScheduleSpec, window: tuple[datetime, datetime], fractions: list[float]
) -> None:
    start, end = window
    found = shifts(spec, start, end)
    probes = [start + (end - start) * f for f in fractions]
    probes = [p for p in probes if start <= p < end]
    for shift in found:  # every boundary, from both sides: intervals are half-open
        probes += [shift.start, shift.end - US]
    for t in probes:
        containing = [s.user_id for s in found if s.start <= t < s.end]
        assert len(containing) <= 1
        assert oncall_at(spec, t) == tuple(containing), t


@PROPERTY_SETTINGS
@given(st.data(), ranges())
def test_an_unrestricted_layer_covers_the_whole_range_once_started(
    data: st.DataObject, window: tuple[datetime, datetime]
) -> None:
    start, end = window
    full = data.draw(layer_specs(position=data.draw(st.integers(0, 2)), restricted=False))
    others = tuple(
        data.draw(layer_specs(position=p)) for p in range(3, 3 + data.draw(st.integers(0, 2)))
    )
    overrides = tuple(data.draw(override_specs(i)) for i in range(data.draw(st.integers(0, 3))))
    spec = ScheduleSpec(
        id=1,
        name="s",
        time_zone=data.draw(st.sampled_from(ZONES)),
        layers=(full, *others),
        overrides=overrides,
    )
    assume(full.start <= start)
    found = shifts(spec, start, end)
    assert found[0].start == start
    assert found[-1].end == end
    for before, after in itertools.pairwise(found):
        assert before.end == after.start, "a gap in a fully covered range"


@PROPERTY_SETTINGS
@given(schedules(), st.data())
def test_overrides_always_win(spec: ScheduleSpec, data: st.DataObject) -> None:
    assume(spec.overrides)
    override = data.draw(st.sampled_from(spec.overrides))
    fraction = data.draw(st.floats(0, 1, exclude_max=True))
    t = override.start + (override.end - override.start) * fraction
    t = min(max(t, override.start), override.end - US)
    winner = [o.user_id for o in spec.overrides if o.start <= t < o.end][-1]
    assert oncall_at(spec, t) == (winner,)
    found = shifts(spec, t, t + US)
    assert [s.user_id for s in found] == [winner]


ZONE_TRANSITIONS = [
    ("America/New_York", TRANSITIONS[0]),
    ("America/New_York", TRANSITIONS[1]),
    ("Europe/London", TRANSITIONS[2]),
    ("Europe/London", TRANSITIONS[3]),
    ("Australia/Lord_Howe", TRANSITIONS[4]),
    ("Australia/Lord_Howe", TRANSITIONS[5]),
    ("Asia/Kolkata", TRANSITIONS[0]),  # no DST: the properties must hold trivially too
]


@st.composite
def near_a_transition(draw: st.DrawFn) -> tuple[ZoneInfo, datetime, time]:
    """A zone, one of its transitions, and a wall time close to (often inside) the jump."""
    name, transition = draw(st.sampled_from(ZONE_TRANSITIONS))
    zone = ZoneInfo(name)
    local = transition.astimezone(zone)
    shift = draw(st.sampled_from([-75, -60, -45, -30, -15, 0, 15, 29, 30, 45, 60, 75]))
    minutes = (local.hour * 60 + local.minute + shift) % (24 * 60)
    wall = draw(st.one_of(st.just(time(minutes // 60, minutes % 60)), wall_times))
    return zone, transition, wall


@PROPERTY_SETTINGS
@given(near_a_transition(), st.integers(1, 36), st.integers(1, 24 * 30), st.integers(0, 59))
def test_hourly_shift_lengths_are_invariant_across_dst(
    near: tuple[ZoneInfo, datetime, time], every: int, lead_hours: int, lead_minutes: int
) -> None:
    zone, transition, _ = near
    start, end = transition - timedelta(days=3), transition + timedelta(days=3)
    layer = LayerSpec(
        id=1,
        position=0,
        users=(1, 2),  # distinct neighbours: every turn is its own shift
        rotation=Rotation.hourly(every),
        start=start - timedelta(hours=lead_hours, minutes=lead_minutes),
    )
    length = timedelta(hours=every)
    turns = layer_shifts(layer, zone, start, end)
    interior = [s for s in turns if s.start != start and s.end != end]
    assert interior or every > 24
    for shift in interior:
        assert shift.end - shift.start == length
        assert (shift.start - layer.start) % length == timedelta(0)


@PROPERTY_SETTINGS
@given(near_a_transition(), st.data())
def test_day_based_handoffs_keep_their_local_wall_clock_time(
    near: tuple[ZoneInfo, datetime, time], data: st.DataObject
) -> None:
    zone, transition, wall = near
    weekly = data.draw(st.booleans())
    weekday = data.draw(
        st.one_of(st.just(transition.astimezone(zone).weekday()), st.integers(0, 6))
    )
    every = data.draw(st.integers(1, 3 if not weekly else 2))
    rotation = Rotation.weekly(wall, weekday, every) if weekly else Rotation.daily(wall, every)
    start, end = transition - timedelta(days=15), transition + timedelta(days=15)
    layer = LayerSpec(  # distinct neighbours: every handoff is a visible boundary
        id=1,
        position=0,
        users=(1, 2),
        rotation=rotation,
        start=start - timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 40))),
    )
    handoffs = [s.start for s in layer_shifts(layer, zone, start, end) if s.start != start]
    assert handoffs
    for handoff in handoffs:
        reading = handoff.astimezone(zone)
        day = _handoff_date(handoff, wall, zone)
        wanted = datetime.combine(day, wall)
        if _exists(wanted, zone):
            assert reading.replace(tzinfo=None) == wanted
            assert reading.fold == 0 or not _ambiguous(wanted, zone), "not the first occurrence"
        else:  # skipped: the handoff is the jump, the first instant reading later than wanted
            assert reading.replace(tzinfo=None) > wanted
            before = (handoff - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
            assert before < wanted
        if weekly:
            assert day.weekday() == weekday
    for before, after in itertools.pairwise(handoffs):
        gap = _handoff_date(after, wall, zone) - _handoff_date(before, wall, zone)
        assert gap == timedelta(days=rotation.length)


@PROPERTY_SETTINGS
@given(schedules(), ranges(), st.floats(0, 1))
def test_splitting_a_range_changes_nothing(
    spec: ScheduleSpec, window: tuple[datetime, datetime], fraction: float
) -> None:
    start, end = window
    middle = min(max(start + (end - start) * fraction, start), end)
    whole = shifts(spec, start, end)
    pieces = shifts(spec, start, middle) + shifts(spec, middle, end)
    rejoined: list[Shift] = []
    for shift in pieces:
        if rejoined and rejoined[-1].end == shift.start and rejoined[-1].user_id == shift.user_id:
            rejoined[-1] = Shift(shift.user_id, rejoined[-1].start, shift.end)
        else:
            rejoined.append(shift)
    assert rejoined == whole


# --- reference helpers (independent of the implementation) -------------------------------------


def _exists(wanted: datetime, zone: ZoneInfo) -> bool:
    round_trip = wanted.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == wanted


def _ambiguous(wanted: datetime, zone: ZoneInfo) -> bool:
    return (
        wanted.replace(tzinfo=zone, fold=0).utcoffset()
        != wanted.replace(tzinfo=zone, fold=1).utcoffset()
    )


def _handoff_date(handoff: datetime, wall: time, zone: ZoneInfo) -> date:
    """The local date a handoff belongs to (no jump in these zones crosses midnight)."""
    reading = handoff.astimezone(zone)
    assert reading.time() >= wall, "a handoff before its wall-clock time"
    return reading.date()
