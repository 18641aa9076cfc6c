"""Handoff notices: the tick tells each person coming on call, once per shift, within the hour
before the shift starts (overrides included), by e-mail in their own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.notifications.conftest import World

from slar.domain.identity.models import Team, User
from slar.domain.notifications import service
from slar.domain.notifications.handoff import handoff_notices, send_handoff_notices
from slar.domain.notifications.models import ContactMethod
from slar.domain.schedules.models import (
    Schedule,
    ScheduleLayer,
    ScheduleLayerUser,
    ScheduleOverride,
)
from slar.kernel import ids

LAYER_START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)


def _schedule(world: World, *, users: list[int], name: str = "Primary") -> int:
    now = world.clock.now()
    with world.db.transaction() as session:
        team = Team(name=f"team-{name}", description="", created_at=now)
        session.add(team)
        session.flush()
        schedule = Schedule(
            team_id=team.id,
            name=name,
            description="",
            time_zone="Europe/London",
            ical_token=ids.new_token(),
            created_at=now,
            updated_at=now,
        )
        session.add(schedule)
        session.flush()
        layer = ScheduleLayer(
            schedule_id=schedule.id,
            name="daily",
            position=1,
            rotation_type="daily",
            rotation_length=1,
            handoff_time="09:00",
            starts_at=LAYER_START,
            restrictions=[],
            created_at=now,
        )
        session.add(layer)
        session.flush()
        session.add_all(
            ScheduleLayerUser(layer_id=layer.id, ordinal=n, user_id=u) for n, u in enumerate(users)
        )
        return schedule.id


def _tick(world: World) -> int:
    with world.db.transaction() as session:
        return send_handoff_notices(session, now=world.clock.now())


def test_the_person_coming_on_call_is_told_once_within_the_hour(world: World) -> None:
    alice, bob = world.alice.user_id, world.bob.user_id
    _schedule(world, users=[alice, bob])
    # Alice is on call 1 Mar 09:00 -> 2 Mar 09:00; Bob from 2 Mar 09:00 to 3 Mar 09:00.
    world.clock.set(datetime(2026, 3, 2, 7, 59, tzinfo=UTC))
    assert _tick(world) == 0  # 61 minutes ahead: not yet
    world.advance(minutes=1)
    assert _tick(world) == 1
    world.advance(minutes=1)
    assert _tick(world) == 0  # the same shift: no second notice
    with world.db.transaction() as session:
        handoff_notices(session, world.clock.now())  # the tick's own signature
    [delivery] = world.deliveries()
    assert (delivery.user_id, delivery.purpose, delivery.channel) == (bob, "handoff", "email")
    assert delivery.address == "bob@example.com"
    assert delivery.subject == "[SLAR] You are on call for Primary from Mon 02 Mar 2026 09:00 GMT"
    assert "until Tue 03 Mar 2026 09:00 GMT" in delivery.body

    world.run_jobs()
    [mail] = world.channels.emails()
    assert (mail.to, mail.subject) == ("bob@example.com", delivery.subject)


def test_an_override_gets_its_own_notice(world: World) -> None:
    alice, bob = world.alice.user_id, world.bob.user_id
    schedule_id = _schedule(world, users=[alice, bob])
    with world.db.transaction() as session:
        session.add(
            ScheduleOverride(
                schedule_id=schedule_id,
                user_id=world.admin.user_id,
                starts_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
                ends_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
                created_at=world.clock.now(),
            )
        )
    world.clock.set(datetime(2026, 3, 2, 11, 30, tzinfo=UTC))
    assert _tick(world) == 1  # the override's start
    world.clock.set(datetime(2026, 3, 2, 13, 30, tzinfo=UTC))
    assert _tick(world) == 1  # Bob again when the override ends
    notices = [(d.user_id, d.body) for d in world.deliveries()]
    assert notices[0][0] == world.admin.user_id
    assert "from Mon 02 Mar 2026 12:00 GMT until Mon 02 Mar 2026 14:00 GMT" in notices[0][1]
    assert notices[1][0] == bob
    assert "from Mon 02 Mar 2026 14:00 GMT until Tue 03 Mar 2026 09:00 GMT" in notices[1][1]


def test_no_notice_for_inactive_people_and_a_verified_email_method_is_preferred(
    world: World,
) -> None:
    alice, bob = world.alice.user_id, world.bob.user_id
    _schedule(world, users=[alice, bob])
    with world.db.transaction() as session:
        method = service.create_contact_method(
            session,
            principal=world.alice,
            kind="email",
            address="alice.oncall@example.com",
            now=world.clock.now(),
        )
        session.get_one(ContactMethod, method.id).verified = True
        session.get_one(User, bob).is_active = False
    world.clock.set(datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    assert _tick(world) == 0  # Bob's shift, but Bob is inactive
    world.clock.set(datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    assert _tick(world) == 1
    [delivery] = world.deliveries()
    assert (delivery.user_id, delivery.address) == (alice, "alice.oncall@example.com")
