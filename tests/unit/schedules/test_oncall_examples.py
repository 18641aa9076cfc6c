"""Worked examples of ``oncall``: rotations, layers, restrictions, overrides, and the 2026 DST
transitions (New York 8 Mar / 1 Nov, London 29 Mar / 25 Oct, Lord Howe 5 Apr / 4 Oct)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from slar.domain.schedules.oncall import (
    LayerSpec,
    OverrideSpec,
    Restriction,
    Rotation,
    ScheduleSpec,
    Shift,
    from_us,
    layer_shifts,
    oncall_at,
    shifts,
    wall_us,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
KOLKATA = ZoneInfo("Asia/Kolkata")
A, B, C, D = 1, 2, 3, 4
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)  # type: ignore[misc]


def layer(
    rotation: Rotation,
    start: datetime,
    users: tuple[int, ...] = (A, B, C),
    *,
    position: int = 0,
    restrictions: tuple[Restriction, ...] = (),
    layer_id: int = 1,
) -> LayerSpec:
    return LayerSpec(
        id=layer_id,
        position=position,
        users=users,
        rotation=rotation,
        start=start,
        restrictions=restrictions,
    )


def schedule(
    zone: ZoneInfo, *layers: LayerSpec, overrides: tuple[OverrideSpec, ...] = ()
) -> ScheduleSpec:
    return ScheduleSpec(
        id=1, name="primary", time_zone=zone.key, layers=layers, overrides=overrides
    )


def as_local(found: list[Shift], zone: ZoneInfo) -> list[tuple[int, str, str]]:
    return [
        (s.user_id, s.start.astimezone(zone).isoformat(), s.end.astimezone(zone).isoformat())
        for s in found
    ]


# --- day-based handoffs keep their wall-clock time ---------------------------------------------


def test_daily_0900_handoff_across_both_new_york_transitions() -> None:
    spec = schedule(NY, layer(Rotation.daily(time(9)), local(NY, 2026, 3, 6, 9)))
    spring = shifts(spec, local(NY, 2026, 3, 7, 0), local(NY, 2026, 3, 9, 12))
    assert as_local(spring, NY) == [
        (A, "2026-03-07T00:00:00-05:00", "2026-03-07T09:00:00-05:00"),
        (B, "2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00"),
        (C, "2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"),
        (A, "2026-03-09T09:00:00-04:00", "2026-03-09T12:00:00-04:00"),
    ]
    assert spring[1].end - spring[1].start == timedelta(hours=23)

    autumn = shifts(spec, local(NY, 2026, 10, 31, 9), local(NY, 2026, 11, 2, 9))
    assert [s.end - s.start for s in autumn] == [timedelta(hours=25), timedelta(hours=24)]
    assert all(s.start.astimezone(NY).time() == time(9) for s in autumn)


def test_daily_handoff_in_london_and_lord_howe_stays_local() -> None:
    london = schedule(LONDON, layer(Rotation.daily(time(9)), local(LONDON, 2026, 3, 1, 9)))
    week = shifts(london, local(LONDON, 2026, 3, 27, 9), local(LONDON, 2026, 3, 31, 9))
    assert [s.end - s.start for s in week] == [timedelta(hours=h) for h in (24, 23, 24, 24)]
    assert {s.start.astimezone(LONDON).time() for s in week} == {time(9)}

    howe = schedule(LORD_HOWE, layer(Rotation.daily(time(9)), local(LORD_HOWE, 2026, 4, 1, 9)))
    days = shifts(howe, local(LORD_HOWE, 2026, 4, 4, 9), local(LORD_HOWE, 2026, 4, 6, 9))
    # Lord Howe falls back by only 30 minutes.
    assert [s.end - s.start for s in days] == [timedelta(hours=24, minutes=30), timedelta(hours=24)]
    days = shifts(howe, local(LORD_HOWE, 2026, 10, 3, 9), local(LORD_HOWE, 2026, 10, 5, 9))
    assert [s.end - s.start for s in days] == [timedelta(hours=23, minutes=30), timedelta(hours=24)]


def test_weekly_handoff_on_monday_morning_across_spring_forward() -> None:
    rotation = Rotation.weekly(time(9, 30), MON)
    spec = schedule(NY, layer(rotation, local(NY, 2026, 3, 4, 12), users=(A, B)))  # a Wednesday
    found = shifts(spec, local(NY, 2026, 3, 4, 12), local(NY, 2026, 3, 23, 9, 30))
    assert as_local(found, NY) == [
        (A, "2026-03-04T12:00:00-05:00", "2026-03-09T09:30:00-04:00"),
        (B, "2026-03-09T09:30:00-04:00", "2026-03-16T09:30:00-04:00"),
        (A, "2026-03-16T09:30:00-04:00", "2026-03-23T09:30:00-04:00"),
    ]
    assert oncall_at(spec, local(NY, 2026, 3, 9, 9, 29)) == (A,)
    assert oncall_at(spec, local(NY, 2026, 3, 9, 9, 30)) == (B,)


def test_every_three_days_at_0800() -> None:
    spec = schedule(KOLKATA, layer(Rotation.daily(time(8), every=3), local(KOLKATA, 2026, 1, 1, 8)))
    found = shifts(spec, local(KOLKATA, 2026, 1, 1, 8), local(KOLKATA, 2026, 1, 10, 8))
    assert as_local(found, KOLKATA) == [
        (A, "2026-01-01T08:00:00+05:30", "2026-01-04T08:00:00+05:30"),
        (B, "2026-01-04T08:00:00+05:30", "2026-01-07T08:00:00+05:30"),
        (C, "2026-01-07T08:00:00+05:30", "2026-01-10T08:00:00+05:30"),
    ]


# --- times that do not exist or exist twice ----------------------------------------------------


def test_a_skipped_handoff_time_happens_at_the_jump() -> None:
    # 02:30 does not exist in New York on 8 March: the clock passes it at 03:00 EDT.
    assert from_us(wall_us(local(NY, 2026, 3, 8).date(), time(2, 30), NY)) == local(
        NY, 2026, 3, 8, 3
    )
    spec = schedule(NY, layer(Rotation.daily(time(2, 30)), local(NY, 2026, 3, 1, 2, 30)))
    found = shifts(spec, local(NY, 2026, 3, 7, 2, 30), local(NY, 2026, 3, 9, 2, 30))
    assert as_local(found, NY) == [
        (A, "2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00"),
        (B, "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"),
    ]
    # Lord Howe skips 02:00-02:30 on 4 October: a 02:15 handoff happens at 02:30.
    jump = from_us(wall_us(local(LORD_HOWE, 2026, 10, 4).date(), time(2, 15), LORD_HOWE))
    assert jump.astimezone(LORD_HOWE).isoformat() == "2026-10-04T02:30:00+11:00"


def test_an_ambiguous_handoff_time_is_its_first_occurrence() -> None:
    spec = schedule(NY, layer(Rotation.daily(time(1, 30)), local(NY, 2026, 10, 1, 1, 30)))
    found = shifts(spec, local(NY, 2026, 10, 31, 1, 30), local(NY, 2026, 11, 2, 1, 30))
    assert as_local(found, NY) == [
        (A, "2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00"),
        (B, "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"),
    ]
    assert found[1].end - found[1].start == timedelta(hours=25)
    first = from_us(wall_us(local(LORD_HOWE, 2026, 4, 5).date(), time(1, 45), LORD_HOWE))
    assert first.astimezone(LORD_HOWE).isoformat() == "2026-04-05T01:45:00+11:00"


# --- hour-based rotations keep real durations --------------------------------------------------


def test_hourly_rotation_counts_real_hours_across_spring_forward() -> None:
    spec = schedule(NY, layer(Rotation.hourly(), local(NY, 2026, 3, 8, 0), users=(A, B)))
    found = shifts(spec, local(NY, 2026, 3, 8, 0), local(NY, 2026, 3, 8, 5))
    assert [s.end - s.start for s in found] == [timedelta(hours=1)] * 4  # 00 01 03 04 local
    assert [s.user_id for s in found] == [A, B, A, B]
    assert [s.start.astimezone(NY).hour for s in found] == [0, 1, 3, 4]


def test_twelve_hour_rotation_across_lord_howe_spring_forward() -> None:
    start = local(LORD_HOWE, 2026, 10, 3, 8)
    spec = schedule(LORD_HOWE, layer(Rotation("hours", 12), start, users=(A, B)))
    found = shifts(spec, start, start.astimezone(UTC) + timedelta(days=3))
    assert len(found) == 6
    assert {s.end - s.start for s in found} == {timedelta(hours=12)}
    # After the 30-minute jump the wall-clock handoff moves from 08:00/20:00 to 08:30/20:30.
    assert found[-1].start.astimezone(LORD_HOWE).time() == time(20, 30)


# --- restrictions ------------------------------------------------------------------------------


def test_business_hours_restriction_leaves_nights_and_weekends_empty() -> None:
    hours = Restriction(time(9), time(17), frozenset({MON, TUE, WED, THU, FRI}))
    spec = schedule(
        LONDON,
        layer(Rotation.weekly(time(9), MON), local(LONDON, 2026, 3, 2, 9), restrictions=(hours,)),
    )
    found = shifts(spec, local(LONDON, 2026, 3, 6, 0), local(LONDON, 2026, 3, 10, 0))
    assert as_local(found, LONDON) == [
        (A, "2026-03-06T09:00:00+00:00", "2026-03-06T17:00:00+00:00"),
        (B, "2026-03-09T09:00:00+00:00", "2026-03-09T17:00:00+00:00"),
    ]
    assert oncall_at(spec, local(LONDON, 2026, 3, 7, 12)) == ()
    assert oncall_at(spec, local(LONDON, 2026, 3, 9, 16, 59)) == (B,)
    assert oncall_at(spec, local(LONDON, 2026, 3, 9, 17)) == ()


def test_a_window_crossing_midnight_belongs_to_the_day_it_starts() -> None:
    nights = Restriction(time(22), time(6), frozenset({FRI}))
    spec = schedule(
        KOLKATA,
        layer(Rotation.daily(time(12)), local(KOLKATA, 2026, 1, 1, 12), restrictions=(nights,)),
    )
    found = shifts(spec, local(KOLKATA, 2026, 1, 1), local(KOLKATA, 2026, 1, 12))
    # Fridays 2 and 9 January, 22:00 to 06:00; the noon handoff on Saturday is outside.
    assert as_local(found, KOLKATA) == [
        (B, "2026-01-02T22:00:00+05:30", "2026-01-03T06:00:00+05:30"),
        (C, "2026-01-09T22:00:00+05:30", "2026-01-10T06:00:00+05:30"),
    ]
    assert oncall_at(spec, local(KOLKATA, 2026, 1, 3, 5, 59)) == (B,)


def test_a_whole_day_window_and_a_window_inside_the_gap() -> None:
    weekend = Restriction(time(0), time(0), frozenset({SAT, SUN}))
    spec = schedule(
        NY, layer(Rotation.daily(time(9)), local(NY, 2026, 3, 1, 9), restrictions=(weekend,))
    )
    found = shifts(spec, local(NY, 2026, 3, 6), local(NY, 2026, 3, 10))
    assert as_local(found, NY) == [
        (C, "2026-03-07T00:00:00-05:00", "2026-03-07T09:00:00-05:00"),
        (A, "2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00"),
        (B, "2026-03-08T09:00:00-04:00", "2026-03-09T00:00:00-04:00"),
    ]
    skipped = Restriction(time(2, 5), time(2, 55), frozenset({SUN}))
    gap = schedule(
        NY, layer(Rotation.daily(time(9)), local(NY, 2026, 3, 1, 9), restrictions=(skipped,))
    )
    assert shifts(gap, local(NY, 2026, 3, 8), local(NY, 2026, 3, 9)) == []
    assert len(shifts(gap, local(NY, 2026, 3, 15), local(NY, 2026, 3, 16))) == 1


# --- layers and overrides ----------------------------------------------------------------------


def test_a_higher_layer_covers_the_lower_only_where_it_has_someone() -> None:
    base = layer(Rotation.weekly(time(9), MON), local(NY, 2026, 3, 2, 9), users=(A,), layer_id=1)
    evenings = layer(
        Rotation.daily(time(9)),
        local(NY, 2026, 3, 2, 9),
        users=(D,),
        position=5,
        restrictions=(Restriction(time(18), time(22)),),
        layer_id=2,
    )
    spec = schedule(NY, base, evenings)
    found = shifts(spec, local(NY, 2026, 3, 3, 12), local(NY, 2026, 3, 4, 12))
    assert as_local(found, NY) == [
        (A, "2026-03-03T12:00:00-05:00", "2026-03-03T18:00:00-05:00"),
        (D, "2026-03-03T18:00:00-05:00", "2026-03-03T22:00:00-05:00"),
        (A, "2026-03-03T22:00:00-05:00", "2026-03-04T12:00:00-05:00"),
    ]
    assert spec.layers[0].position == 5  # highest first, whatever the given order


def test_overrides_beat_layers_and_gaps_and_the_later_one_wins() -> None:
    start = local(NY, 2026, 3, 2, 9)
    first = OverrideSpec(1, C, local(NY, 2026, 3, 3, 10), local(NY, 2026, 3, 3, 14))
    later = OverrideSpec(2, D, local(NY, 2026, 3, 3, 12), local(NY, 2026, 3, 3, 13))
    before = OverrideSpec(3, B, local(NY, 2026, 3, 1, 0), local(NY, 2026, 3, 1, 6))
    spec = schedule(
        NY, layer(Rotation.daily(time(9)), start, users=(A,)), overrides=(first, later, before)
    )
    found = shifts(spec, local(NY, 2026, 3, 1), local(NY, 2026, 3, 4))
    assert as_local(found, NY) == [
        (B, "2026-03-01T00:00:00-05:00", "2026-03-01T06:00:00-05:00"),
        (A, "2026-03-02T09:00:00-05:00", "2026-03-03T10:00:00-05:00"),
        (C, "2026-03-03T10:00:00-05:00", "2026-03-03T12:00:00-05:00"),
        (D, "2026-03-03T12:00:00-05:00", "2026-03-03T13:00:00-05:00"),
        (C, "2026-03-03T13:00:00-05:00", "2026-03-03T14:00:00-05:00"),
        (A, "2026-03-03T14:00:00-05:00", "2026-03-04T00:00:00-05:00"),
    ]
    assert oncall_at(spec, local(NY, 2026, 3, 3, 12, 30)) == (D,)
    assert oncall_at(spec, local(NY, 2026, 3, 1, 7)) == ()


def test_before_its_start_a_layer_has_nobody_and_the_first_turn_starts_there() -> None:
    start = local(NY, 2026, 3, 4, 15)
    spec = schedule(NY, layer(Rotation.daily(time(9)), start))
    assert oncall_at(spec, start - timedelta(microseconds=1)) == ()
    assert oncall_at(spec, start) == (A,)
    found = shifts(spec, local(NY, 2026, 3, 4), local(NY, 2026, 3, 6))
    assert as_local(found, NY)[0] == (A, "2026-03-04T15:00:00-05:00", "2026-03-05T09:00:00-05:00")


def test_repeated_users_and_merged_pieces() -> None:
    spec = schedule(NY, layer(Rotation.daily(time(9)), local(NY, 2026, 3, 2, 9), users=(A, A, B)))
    found = shifts(spec, local(NY, 2026, 3, 2, 9), local(NY, 2026, 3, 8, 9))
    assert as_local(found, NY) == [
        (A, "2026-03-02T09:00:00-05:00", "2026-03-04T09:00:00-05:00"),
        (B, "2026-03-04T09:00:00-05:00", "2026-03-05T09:00:00-05:00"),
        (A, "2026-03-05T09:00:00-05:00", "2026-03-07T09:00:00-05:00"),
        (B, "2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00"),
    ]


def test_layer_shifts_show_one_layer_alone() -> None:
    top = layer(Rotation.daily(time(9)), local(NY, 2026, 3, 2, 9), users=(D,), position=1)
    base = layer(Rotation.daily(time(9)), local(NY, 2026, 3, 2, 9), users=(A, B), layer_id=2)
    spec = schedule(NY, base, top)
    window = (local(NY, 2026, 3, 2, 9), local(NY, 2026, 3, 4, 9))
    assert {s.user_id for s in shifts(spec, *window)} == {D}
    assert [s.user_id for s in layer_shifts(base, NY, *window)] == [A, B]


def test_empty_and_reversed_ranges_and_empty_schedules() -> None:
    spec = schedule(NY, layer(Rotation.daily(time(9)), local(NY, 2026, 3, 2, 9)))
    at = local(NY, 2026, 3, 5)
    assert shifts(spec, at, at) == []
    assert shifts(spec, at, at - timedelta(hours=1)) == []
    assert oncall_at(schedule(NY), at) == ()
    assert shifts(schedule(NY), at, at + timedelta(days=1)) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rotation("hours", 0),
        lambda: Rotation("days", 1),
        lambda: Rotation("hours", 1, time(9)),
        lambda: Rotation("days", 3, time(9), MON),
        lambda: Restriction(time(9), time(17), frozenset()),
        lambda: Restriction(time(9), time(17), frozenset({7})),
        lambda: LayerSpec(1, 0, (A,), Rotation.hourly(), datetime(2026, 1, 1)),
    ],
)
def test_invalid_values_are_refused(make: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        make()  # type: ignore[operator]


def test_instants_in_any_zone_mean_the_same_thing() -> None:
    spec = schedule(KOLKATA, layer(Rotation.hourly(), datetime(2026, 1, 1, tzinfo=UTC)))
    at_utc = datetime(2026, 1, 1, 5, 30, tzinfo=UTC)
    assert oncall_at(spec, at_utc) == oncall_at(spec, at_utc.astimezone(NY))
