"""Schedule computation benchmark (pure ``slar.domain.schedules.oncall``; no database).

    .venv/bin/python bench/schedules.py [--repeats 20] [--seed 7]

Targets (issue 3): who is on call for 1,000 schedules of 3 layers with overrides < 100 ms in
total; one year of final shifts for one schedule < 50 ms.

The schedules are realistic and varied, so caches do not flatter the figures: each has its own
zone (New York, London, Lord Howe, Kolkata, Berlin, Tokyo, Sydney, Los Angeles), its own
layer starts and handoff times, and

* layer 0: a weekly rotation of 4-8 people, Monday handoff at a random quarter hour;
* layer 1: a daily rotation of 2-5 people restricted to weekday business hours (09:00-17:00);
* layer 2: a 12-hour rotation ("follow the sun") restricted to nights crossing midnight;
* 6 overrides spread over the year.

"Cold" figures clear the wall-clock caches of ``oncall`` before every repetition (the first
question after a restart); "warm" ones do not (a worker asking again a second later). The year
of shifts is also measured for a worst case: three *hourly* layers (26,000 turns), the upper two
restricted so that every layer shows somewhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from slar.domain.schedules import oncall  # noqa: E402
from slar.domain.schedules.oncall import (  # noqa: E402
    LayerSpec,
    OverrideSpec,
    Restriction,
    Rotation,
    ScheduleSpec,
)

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
]
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)
WEEKDAYS = frozenset(range(5))


def _quarter_hour(rng: random.Random) -> time:
    minutes = rng.randrange(0, 24 * 4) * 15
    return time(minutes // 60, minutes % 60)


def realistic_schedule(rng: random.Random, schedule_id: int) -> ScheduleSpec:
    people = list(range(1, 400))
    start = YEAR_START - timedelta(days=rng.randrange(0, 400), minutes=rng.randrange(0, 1440))
    layers = (
        LayerSpec(
            id=schedule_id * 10,
            position=0,
            users=tuple(rng.sample(people, rng.randint(4, 8))),
            rotation=Rotation.weekly(_quarter_hour(rng), 0),
            start=start,
        ),
        LayerSpec(
            id=schedule_id * 10 + 1,
            position=1,
            users=tuple(rng.sample(people, rng.randint(2, 5))),
            rotation=Rotation.daily(_quarter_hour(rng)),
            start=start,
            restrictions=(Restriction(time(9), time(17), WEEKDAYS),),
        ),
        LayerSpec(
            id=schedule_id * 10 + 2,
            position=2,
            users=tuple(rng.sample(people, rng.randint(2, 4))),
            rotation=Rotation.hourly(12),
            start=start,
            restrictions=(Restriction(time(22), time(6)),),
        ),
    )
    overrides = []
    for index in range(6):
        begin = YEAR_START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        overrides.append(
            OverrideSpec(
                id=schedule_id * 10 + index,
                user_id=rng.choice(people),
                start=begin,
                end=begin + timedelta(hours=rng.randint(1, 72)),
            )
        )
    return ScheduleSpec(
        id=schedule_id,
        name=f"schedule {schedule_id}",
        time_zone=rng.choice(ZONES),
        layers=layers,
        overrides=tuple(overrides),
    )


def hourly_schedule() -> ScheduleSpec:
    """Every layer hands off every hour; the upper two are restricted so all three show."""
    windows = [(), (Restriction(time(9), time(17), WEEKDAYS),), (Restriction(time(22), time(6)),)]
    layers = tuple(
        LayerSpec(
            id=i,
            position=i,
            users=(1 + i, 2 + i, 3 + i),
            rotation=Rotation.hourly(),
            start=YEAR_START - timedelta(days=3, minutes=7 * i),
            restrictions=windows[i],
        )
        for i in range(3)
    )
    return ScheduleSpec(id=1, name="hourly", time_zone="America/New_York", layers=layers)


def _clear_caches() -> None:
    oncall.wall_us.cache_clear()
    oncall._grid_origin.cache_clear()


def measure(run: Callable[[], object], *, repeats: int, cold: bool) -> tuple[float, float]:
    """Median and worst wall time in milliseconds."""
    times = []
    for _ in range(repeats):
        if cold:
            _clear_caches()
        began = clock.perf_counter()
        run()
        times.append((clock.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    fleet = [realistic_schedule(rng, i) for i in range(1, 1001)]
    instants = [YEAR_START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60)) for _ in range(4)]

    def oncall_everywhere() -> None:
        at = rng.choice(instants)
        for spec in fleet:
            oncall.oncall_at(spec, at)

    one = fleet[0]
    hourly = hourly_schedule()
    year_shifts = len(oncall.shifts(one, YEAR_START, YEAR_END))
    hourly_shifts = len(oncall.shifts(hourly, YEAR_START, YEAR_END))
    rows = [
        ("who is on call, 1,000 schedules x 3 layers + overrides", 100.0, oncall_everywhere),
        (
            f"one year of final shifts, realistic 3-layer schedule ({year_shifts} shifts)",
            50.0,
            lambda: oncall.shifts(one, YEAR_START, YEAR_END),
        ),
        (
            f"one year of final shifts, 3 hourly layers ({hourly_shifts} shifts)",
            50.0,
            lambda: oncall.shifts(hourly, YEAR_START, YEAR_END),
        ),
    ]
    print(f"# Schedule computation ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    print(
        f"Python {platform.python_version()} on {_cpu()} ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}), {args.repeats} repetitions, seed {args.seed}.\n"
    )
    print("| Measure | Target | Cold median | Cold worst | Warm median | Warm worst |")
    print("|---|---|---|---|---|---|")
    failed = False
    for label, target, run in rows:
        cold_median, cold_worst = measure(run, repeats=args.repeats, cold=True)
        warm_median, warm_worst = measure(run, repeats=args.repeats, cold=False)
        failed |= cold_median >= target
        print(
            f"| {label} | < {target:.0f} ms | {cold_median:.1f} ms | {cold_worst:.1f} ms "
            f"| {warm_median:.1f} ms | {warm_worst:.1f} ms |"
        )
    if failed:
        print("\nA target was missed (cold median).")
        sys.exit(1)


if __name__ == "__main__":
    main()
