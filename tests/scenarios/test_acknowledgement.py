"""Scenarios: what people do to an incident changes its escalation. Acknowledge and resolve stop
it; un-acknowledge, the end of a snooze and an acknowledgement timing out start it again from
the first level; a quick acknowledge/un-acknowledge leaves no stale timer behind."""

from __future__ import annotations

from tests.scenarios.harness import IncidentRef, Person, ServiceRef, World


def _two_levels(
    w: World, *, ack_timeout_minutes: int | None = None
) -> tuple[Person, Person, ServiceRef]:
    alice = w.user("alice", email=True)
    bob = w.user("bob", email=True)
    policy = w.policy("web", [(5, [alice]), (5, [bob])])
    return alice, bob, w.service("web", policy=policy, ack_timeout_minutes=ack_timeout_minutes)


def _fire(w: World, service: ServiceRef, title: str) -> IncidentRef:
    incident = w.alert(service, title)
    assert incident is not None
    w.run()
    return incident


def test_acknowledging_stops_escalation_and_unacknowledging_restarts_it_at_level_one(
    world: World,
) -> None:
    w = world
    alice, bob, web = _two_levels(w)
    inc = _fire(w, web, "5xx burst")
    w.expect(("email", alice, inc))

    w.advance(minutes=2)
    w.ack(inc)
    w.quiet_for(minutes=30)
    w.advance(days=3)
    w.run()
    w.expect_nothing_else()

    w.unack(inc)
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()
    w.quiet_for(minutes=4)
    w.advance(minutes=1)
    w.run()
    w.expect(("email", bob, inc))
    w.expect_nothing_else()
    assert w.kinds(inc).count("unacknowledged") == 1


def test_resolving_stops_escalation(world: World) -> None:
    w = world
    alice, _bob, web = _two_levels(w)
    inc = _fire(w, web, "Disk full")
    w.expect(("email", alice, inc))

    w.advance(minutes=3)
    w.resolve(inc)
    w.quiet_for(minutes=30)
    w.advance(days=1)
    w.run()
    w.expect_nothing_else()
    assert w.status(inc) == "resolved"


def test_a_snoozed_incident_stays_quiet_until_the_snooze_ends_then_pages_level_one_again(
    world: World,
) -> None:
    w = world
    alice, bob, web = _two_levels(w)
    inc = _fire(w, web, "Queue backlog")
    w.expect(("email", alice, inc))

    w.advance(minutes=1)
    w.snooze(inc, minutes=30)
    assert w.status(inc) == "acknowledged"
    w.quiet_for(minutes=29)

    w.advance(minutes=1)  # minute 31: the snooze ends
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()
    assert w.status(inc) == "triggered"
    assert ("unacknowledged", "Snooze ended: triggered again") in w.timeline(inc)

    w.quiet_for(minutes=4)
    w.advance(minutes=1)
    w.run()
    w.expect(("email", bob, inc))
    w.expect_nothing_else()


def test_an_acknowledgement_times_out_per_service_setting_and_the_incident_pages_again(
    world: World,
) -> None:
    w = world
    alice, _bob, web = _two_levels(w, ack_timeout_minutes=20)
    inc = _fire(w, web, "Replica lag")
    w.expect(("email", alice, inc))

    w.advance(minutes=2)
    w.ack(inc)
    w.quiet_for(minutes=19)
    w.advance(minutes=1)  # twenty minutes after the acknowledgement
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()
    assert w.status(inc) == "triggered"
    assert ("unacknowledged", "Acknowledgement timed out: triggered again") in w.timeline(inc)

    w.advance(minutes=1)
    w.ack(inc)  # a fresh acknowledgement starts a fresh timeout
    w.quiet_for(minutes=19)
    w.advance(minutes=1)
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()


def test_resolving_an_acknowledged_incident_cancels_its_acknowledgement_timeout(
    world: World,
) -> None:
    w = world
    alice, _bob, web = _two_levels(w, ack_timeout_minutes=20)
    inc = _fire(w, web, "Cert expiring")
    w.expect(("email", alice, inc))

    w.ack(inc)
    w.advance(minutes=10)
    w.resolve(inc)
    w.advance(minutes=30)
    w.run()
    w.expect_nothing_else()
    assert w.status(inc) == "resolved"


def test_acknowledge_then_unacknowledge_leaves_no_stale_timer_from_the_first_round(
    world: World,
) -> None:
    w = world
    alice, bob, web = _two_levels(w)
    inc = _fire(w, web, "Flapping check")
    w.expect(("email", alice, inc))

    w.advance(minutes=2)
    w.ack(inc)
    w.advance(minutes=1)
    w.unack(inc)  # minute 3: a new round starts; the first round's level 2 was due at 5
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=4)  # minutes 4 to 7: nothing, the old minute-5 timer is fenced
    w.advance(minutes=1)  # minute 8: the new round's level 2
    w.run()
    w.expect(("email", bob, inc))
    w.expect_nothing_else()
    w.quiet_for(minutes=30)


def test_a_repeated_alert_counts_on_the_open_incident_and_pages_nobody_again(world: World) -> None:
    w = world
    alice, bob, web = _two_levels(w)
    inc = _fire(w, web, "Heartbeat missed")
    w.expect(("email", alice, inc))

    w.advance(minutes=2)
    again = w.alert(web, "Heartbeat missed")
    assert again == inc
    w.run()
    w.expect_nothing_else()

    w.quiet_for(minutes=2)
    w.advance(minutes=1)  # level 2 stays on the original schedule: minute 5
    w.run()
    w.expect(("email", bob, inc))
    w.expect_nothing_else()
    assert w.incident_count() == 1
    assert "alert_repeated" in w.kinds(inc)
