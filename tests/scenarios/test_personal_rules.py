"""Scenarios: a page follows the person's own notification rules (method, delay, urgency), and
a delayed rule never fires for an incident someone acknowledged meanwhile."""

from __future__ import annotations

from tests.scenarios.harness import IncidentRef, Person, ServiceRef, World


def _alice_email_then_sms(w: World) -> tuple[Person, ServiceRef]:
    alice = w.user("alice", rules={"high": [("email", 0), ("sms", 5)]})
    return alice, w.service("db", policy=w.policy("db", [(30, [alice])]))


def _fire(w: World, service: ServiceRef, title: str) -> IncidentRef:
    incident = w.alert(service, title)
    assert incident is not None
    w.run()
    return incident


def test_an_unacknowledged_page_emails_at_once_and_texts_after_five_minutes(world: World) -> None:
    w = world
    alice, db = _alice_email_then_sms(w)
    inc = _fire(w, db, "Connections exhausted")
    w.expect(("email", alice, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=4)
    w.advance(minutes=1)
    w.run()
    w.expect(("sms", alice, inc))
    w.expect_nothing_else()


def test_acknowledging_before_the_sms_delay_cancels_the_sms(world: World) -> None:
    w = world
    alice, db = _alice_email_then_sms(w)
    inc = _fire(w, db, "Connections exhausted")
    w.expect(("email", alice, inc))

    w.advance(minutes=3)
    w.ack(inc)
    w.quiet_for(minutes=60)
    assert "notified" in w.kinds(inc)
    assert [k for k in w.kinds(inc) if k == "notified"] == ["notified"]


def test_a_delayed_rule_of_an_earlier_round_does_not_fire_after_a_quick_unacknowledge(
    world: World,
) -> None:
    w = world
    alice, db = _alice_email_then_sms(w)
    inc = _fire(w, db, "Connections exhausted")
    w.expect(("email", alice, inc))

    w.advance(minutes=1)
    w.ack(inc)
    w.advance(minutes=1)
    w.unack(inc)  # minute 2: a new round pages alice again: e-mail now, SMS at minute 7
    w.run()
    w.expect(("email", alice, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=4)  # minutes 3 to 6: the first round's minute-5 SMS must not go
    w.advance(minutes=1)
    w.run()
    w.expect(("sms", alice, inc))
    w.expect_nothing_else()


def test_rules_of_the_other_urgency_are_not_used(world: World) -> None:
    w = world
    alice = w.user("alice", rules={"high": [("sms", 0)], "low": [("email", 0)]})
    bob = w.user("bob", rules={"high": [("webhook", 0), ("email", 2)]})
    quiet = w.service("reports", urgency="low", policy=w.policy("reports", [(30, [alice, bob])]))

    inc = _fire(w, quiet, "Nightly report late")
    w.expect(("email", alice, inc))
    w.expect_nothing_else()  # bob has no low-urgency rule: his choice
    w.quiet_for(minutes=5)
