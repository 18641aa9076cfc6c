"""Scenarios: who a level pages is decided when it fires. A schedule target pages whoever is on
call at that instant (an override added after the trigger counts, and so does a rotation
handing off between two levels); a team target pages every member."""

from __future__ import annotations

from datetime import timedelta

from tests.scenarios.harness import World


def test_an_override_added_after_the_trigger_decides_who_the_schedule_level_pages(
    world: World,
) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    carol = w.user("carol", email=True)
    dave = w.user("dave", sms=True, rules={"high": [("sms", 0)]})
    primary = w.schedule("primary", [alice, bob], rotation="daily", handoff="09:00")
    policy = w.policy("ledger", [(10, [carol]), (10, [primary])])
    ledger = w.service("ledger", policy=policy)

    inc = w.alert(ledger, "Ledger out of balance")
    assert inc is not None
    w.run()
    w.expect(("email", carol, inc))
    w.expect_nothing_else()

    w.advance(minutes=5)
    w.override(primary, dave, start=w.now, end=w.at(hours=2))
    w.quiet_for(minutes=4)
    w.advance(minutes=1)  # minute 10: the schedule level fires; dave covers alice
    w.run()
    w.expect(("sms", dave, inc))
    w.expect_nothing_else()


def test_a_rotation_handing_off_between_levels_pages_the_new_person(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    hourly = w.schedule(
        "hourly", [alice, bob], rotation="hourly", start=w.now - timedelta(minutes=30)
    )
    policy = w.policy("edge", [(45, [hourly]), (45, [hourly])])
    edge = w.service("edge", policy=policy)

    inc = w.alert(edge, "TLS handshake failures")  # 09:00: alice's hour (08:30-09:30)
    assert inc is not None
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()

    w.advance(minutes=44)
    w.run()
    w.expect_nothing_else()
    w.advance(minutes=1)  # 09:45: bob's hour (09:30-10:30)
    w.run()
    w.expect(("email", bob, inc))
    w.expect_nothing_else()


def test_a_schedule_with_nobody_on_call_pages_nobody_and_the_policy_moves_on(
    world: World,
) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    later = w.schedule("starts tomorrow", [alice], start=w.now + timedelta(days=1))
    policy = w.policy("batch", [(5, [later]), (5, [bob])])
    batch = w.service("batch", policy=policy)

    inc = w.alert(batch, "Batch stuck")
    assert inc is not None
    w.run()
    w.expect_nothing_else()
    assert ("escalation_step", "Level 1: nobody to page at this level") in w.timeline(inc)

    w.quiet_for(minutes=4)
    w.advance(minutes=1)
    w.run()
    w.expect(("email", bob, inc))
    w.expect_nothing_else()


def test_a_team_target_pages_every_member_once(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", sms=True, rules={"high": [("sms", 0)]})
    carol = w.user("carol", webhook=True, rules={"high": [("webhook", 0)]})
    w.user("dave", email=True)  # not in the team
    dba = w.team_of("DBA", [alice, bob, carol])
    policy = w.policy("warehouse", [(10, [dba, alice])])
    warehouse = w.service("warehouse", policy=policy)

    inc = w.alert(warehouse, "Vacuum stalled")
    assert inc is not None
    w.run()
    w.expect(("email", alice, inc), ("sms", bob, inc), ("webhook", carol, inc))
    w.expect_nothing_else()
    assert ("escalation_step", "Level 1: paged Alice, Bob, Carol") in w.timeline(inc)
    w.quiet_for(minutes=30)
