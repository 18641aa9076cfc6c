"""Scenarios: an unacknowledged incident climbs its policy level by level, on time, repeats the
policy as often as it says, then stops and says so. Incidents without a policy page nobody,
and incidents sharing a policy escalate independently."""

from __future__ import annotations

from tests.scenarios.harness import World


def test_a_trigger_pages_the_first_level_at_once_and_nobody_else(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    policy = w.policy("checkout", [(10, [alice]), (10, [bob])])
    checkout = w.service("checkout", policy=policy)

    inc = w.alert(checkout, "CPU high")
    assert inc is not None
    w.run()

    w.expect(("email", alice, inc))
    w.expect_nothing_else()
    assert w.timeline(inc)[:3] == [
        ("triggered", "Triggered by integration:checkout monitoring: CPU high"),
        ("escalation_step", "Level 1: paged Alice"),
        ("notified", "Paged Alice by e-mail"),
    ]


def test_each_level_pages_exactly_when_the_previous_levels_delay_has_passed(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", sms=True, rules={"high": [("sms", 0)]})
    carol = w.user("carol", webhook=True, rules={"high": [("webhook", 0)]})
    policy = w.policy("payments", [(5, [alice]), (10, [bob]), (15, [carol])])
    payments = w.service("payments", policy=policy)

    inc = w.alert(payments, "Card declines spiking")
    assert inc is not None
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=4)
    w.advance(minutes=1)
    w.run()
    w.expect(("sms", bob, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=9)
    w.advance(minutes=1)
    w.run()
    w.expect(("webhook", carol, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=20)
    w.advance(days=1)
    w.run()
    w.expect_nothing_else()
    steps = [message for kind, message in w.timeline(inc) if kind == "escalation_step"]
    assert steps == ["Level 1: paged Alice", "Level 2: paged Bob", "Level 3: paged Carol"]
    escalation = [kind for kind in w.kinds(inc) if kind.startswith("escalation")]
    assert escalation == ["escalation_step"] * 3 + ["escalation_exhausted"]


def test_the_policy_repeats_its_count_then_stops_and_records_that_it_is_exhausted(
    world: World,
) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    policy = w.policy("search", [(5, [alice]), (5, [bob])], repeat=2)
    search = w.service("search", policy=policy)

    inc = w.alert(search, "Index lagging")
    assert inc is not None
    w.run()
    w.expect(("email", alice, inc))
    for minute in range(5, 30, 5):
        w.quiet_for(minutes=4)
        w.advance(minutes=1)
        w.run()
        w.expect(("email", bob if minute % 10 == 5 else alice, inc))
        w.expect_nothing_else()

    w.quiet_for(minutes=30)
    w.advance(days=2)
    w.run()
    w.expect_nothing_else()
    entries = [(k, m) for k, m in w.timeline(inc) if k.startswith("escalation")]
    assert entries == [
        ("escalation_step", "Level 1: paged Alice"),
        ("escalation_step", "Level 2: paged Bob"),
        ("escalation_step", "Level 1 (pass 2): paged Alice"),
        ("escalation_step", "Level 2 (pass 2): paged Bob"),
        ("escalation_step", "Level 1 (pass 3): paged Alice"),
        ("escalation_step", "Level 2 (pass 3): paged Bob"),
        (
            "escalation_exhausted",
            "Escalation policy exhausted: no further pages until someone acts",
        ),
    ]


def test_an_incident_of_a_service_without_a_policy_pages_nobody_and_says_so(world: World) -> None:
    w = world
    w.user("alice", email=True)
    orphan = w.service("orphan")

    inc = w.alert(orphan, "Nobody listens")
    assert inc is not None
    w.run()
    w.advance(hours=6)
    w.run()

    w.expect_nothing_else()
    [(kind, message)] = w.timeline(inc)
    assert kind == "triggered"
    assert message.endswith("(no escalation policy: nobody is paged)")


def test_two_incidents_on_one_policy_escalate_independently(world: World) -> None:
    w = world
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    api = w.service("api", policy=w.policy("api", [(5, [alice]), (5, [bob])]))

    first = w.alert(api, "Latency high")
    assert first is not None
    w.run()
    w.expect(("email", alice, first))

    w.advance(minutes=3)
    second = w.alert(api, "Error rate high")
    assert second is not None and second.id != first.id
    w.run()
    w.expect(("email", alice, second))
    w.expect_nothing_else()

    w.advance(minutes=1)
    w.ack(first)
    w.run()
    w.advance(minutes=1)  # minute 5: the first incident's level 2 would be due
    w.run()
    w.expect_nothing_else()

    w.quiet_for(minutes=2)
    w.advance(minutes=1)  # minute 8: the second incident's level 2
    w.run()
    w.expect(("email", bob, second))
    w.expect_nothing_else()

    w.quiet_for(minutes=30)
    assert w.status(first) == "acknowledged"
