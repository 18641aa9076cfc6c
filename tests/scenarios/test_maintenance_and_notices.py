"""Scenarios: a maintenance window keeps alerts but pages nobody; handoff notices tell the
person coming on call, once per shift, however often the tick runs."""

from __future__ import annotations

from tests.scenarios.harness import World, notice

from slar.db import Database
from slar.kernel.clock import FakeClock


def test_alerts_during_maintenance_page_nobody_and_a_new_alert_after_it_pages(
    world: World,
) -> None:
    w = world
    alice = w.user("alice", email=True)
    cache = w.service("cache", policy=w.policy("cache", [(5, [alice])]))
    w.maintenance(cache, start=w.now, end=w.at(hours=1))

    w.advance(minutes=10)
    assert w.alert(cache, "Evictions high") is None
    w.run()
    w.advance(minutes=30)
    assert w.alert(cache, "Evictions high") is None
    w.run()
    w.expect_nothing_else()
    assert w.incident_count() == 0

    w.advance(minutes=21)  # 10:01: the window ended at 10:00
    inc = w.alert(cache, "Evictions high")
    assert inc is not None
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()


def test_the_person_coming_on_call_within_the_hour_gets_exactly_one_notice(
    db: Database, clock: FakeClock
) -> None:
    with World(db, clock, ticks=True) as w:
        alice = w.user("alice", email=True)
        bob = w.user("bob", email=True)
        primary = w.schedule("primary", [alice, bob], rotation="daily", handoff="10:00")

        w.run()  # 09:00: alice is on call until 10:00, then bob
        w.expect(notice(bob, primary))
        w.expect_nothing_else()

        w.run()  # the same instant again: the tick is not due
        w.advance(minutes=1)
        w.run()  # 09:01: the tick runs again; bob's notice went already
        w.expect_nothing_else()
        w.run_another_worker()  # a second replica's first tick at the same minute
        w.expect_nothing_else()

        w.advance(hours=1)
        w.run()  # 10:01: bob is on call; alice's next shift is tomorrow 10:00
        w.expect_nothing_else()

        w.advance(hours=23)
        w.run()  # 09:01 the next day
        w.expect(notice(alice, primary))
        w.expect_nothing_else()
        w.advance(minutes=1)
        w.run()
        w.expect_nothing_else()


def test_an_override_starting_soon_gets_its_own_notice(db: Database, clock: FakeClock) -> None:
    with World(db, clock, ticks=True) as w:
        alice = w.user("alice", email=True)
        carol = w.user("carol", email=True)
        primary = w.schedule("primary", [alice], rotation="daily", handoff="09:00")
        w.run()
        w.expect_nothing_else()

        w.override(primary, carol, start=w.at(hours=3), end=w.at(hours=5))
        w.advance(hours=2)
        w.run()  # 11:00: carol takes over at 12:00
        w.expect(notice(carol, primary))
        w.expect_nothing_else()

        w.advance(minutes=59)
        w.run()  # 11:59: alice is back at 14:00, not yet within the hour
        w.expect_nothing_else()
        w.advance(hours=1, minutes=1)
        w.run()  # 13:00
        w.expect(notice(alice, primary))
        w.expect_nothing_else()
        w.advance(minutes=1)
        w.run()
        w.expect_nothing_else()
