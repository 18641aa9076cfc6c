"""Scenarios: people steering an incident by hand. Manual escalation pages the next level now
and the policy carries on from there; reassignment pages the new assignee."""

from __future__ import annotations

import pytest
from tests.scenarios.harness import IncidentRef, Person, ServiceRef, World

from slar.kernel.errors import Conflict


def _three_levels(w: World) -> tuple[Person, Person, Person, ServiceRef]:
    alice = w.user("alice", email=True)
    bob = w.user("bob", sms=True, rules={"high": [("sms", 0)]})
    carol = w.user("carol", email=True)
    policy = w.policy("storage", [(10, [alice]), (10, [bob]), (10, [carol])])
    return alice, bob, carol, w.service("storage", policy=policy)


def _fire(w: World, service: ServiceRef, title: str) -> IncidentRef:
    incident = w.alert(service, title)
    assert incident is not None
    w.run()
    return incident


def test_manual_escalation_pages_the_next_level_now_and_the_policy_continues_from_there(
    world: World,
) -> None:
    w = world
    alice, bob, carol, storage = _three_levels(w)
    inc = _fire(w, storage, "Volume degraded")
    w.expect(("email", alice, inc))

    w.advance(minutes=3)
    assert w.escalate(inc) == 1
    w.run()
    w.expect(("sms", bob, inc))
    w.expect_nothing_else()

    w.quiet_for(minutes=9)  # minutes 4 to 12: level 2's original minute-10 timer is gone
    w.advance(minutes=1)  # minute 13: level 3, ten minutes after the manual escalation
    w.run()
    w.expect(("email", carol, inc))
    w.expect_nothing_else()
    w.quiet_for(minutes=30)
    assert ("escalated", "Escalated to level 2 by Admin") in w.timeline(inc)


def test_manual_escalation_past_the_last_level_is_refused_and_pages_nobody(world: World) -> None:
    w = world
    alice, bob, carol, storage = _three_levels(w)
    inc = _fire(w, storage, "Volume degraded")
    w.expect(("email", alice, inc))
    w.escalate(inc)
    w.run()
    w.expect(("sms", bob, inc))
    w.escalate(inc)
    w.run()
    w.expect(("email", carol, inc))

    with pytest.raises(Conflict) as refused:
        w.escalate(inc)
    assert refused.value.code == "escalation.no_next_level"
    w.run()
    w.quiet_for(minutes=30)


def test_manual_escalation_of_an_acknowledged_incident_is_refused(world: World) -> None:
    w = world
    alice, _bob, _carol, storage = _three_levels(w)
    inc = _fire(w, storage, "Volume degraded")
    w.expect(("email", alice, inc))
    w.ack(inc)

    with pytest.raises(Conflict) as refused:
        w.escalate(inc)
    assert refused.value.code == "incident.not_triggered"
    w.quiet_for(minutes=30)


def test_reassigning_pages_the_new_assignee_once(world: World) -> None:
    w = world
    alice, _bob, _carol, storage = _three_levels(w)
    dave = w.user("dave", webhook=True, rules={"high": [("webhook", 0)]})
    inc = _fire(w, storage, "Backups failing")
    w.expect(("email", alice, inc))

    w.advance(minutes=2)
    w.reassign(inc, dave)
    w.run()
    w.expect(("webhook", dave, inc))
    w.expect_nothing_else()

    w.reassign(inc, dave)  # unchanged: nothing happens
    w.run()
    w.expect_nothing_else()
    assert w.kinds(inc).count("reassigned") == 1


def test_reassigning_back_to_an_earlier_assignee_pages_them_again(world: World) -> None:
    w = world
    alice, _bob, _carol, storage = _three_levels(w)
    dave = w.user("dave", email=True)
    erin = w.user("erin", email=True)
    inc = _fire(w, storage, "Backups failing")
    w.expect(("email", alice, inc))

    w.advance(minutes=1)
    w.reassign(inc, dave)
    w.run()
    w.expect(("email", dave, inc))
    w.advance(minutes=1)
    w.reassign(inc, erin)
    w.run()
    w.expect(("email", erin, inc))
    w.advance(minutes=1)
    w.reassign(inc, dave)
    w.run()
    w.expect(("email", dave, inc))
    w.expect_nothing_else()


def test_reassigning_an_acknowledged_incident_still_tells_the_new_assignee(world: World) -> None:
    w = world
    alice, _bob, _carol, storage = _three_levels(w)
    dave = w.user("dave", email=True)
    inc = _fire(w, storage, "Backups failing")
    w.expect(("email", alice, inc))

    w.advance(minutes=1)
    w.ack(inc)
    w.reassign(inc, dave)
    w.run()
    w.expect(("email", dave, inc))  # told it is theirs now, though nobody is being paged
    w.quiet_for(minutes=30)  # and escalation stays stopped
