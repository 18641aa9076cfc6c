"""Handoff notices: "you are on call for <schedule> from <time>", sent ahead of each shift.

A periodic tick (every minute) looks at every schedule's final shifts (overrides included)
and, for each shift *starting* within the next ``NOTICE_AHEAD`` (an hour), makes one e-mail
delivery to the person coming on call: to their first verified e-mail method, else their
account address. The idempotency key is per schedule, user and shift start, so running the tick
every minute (or on two replicas) sends one notice per shift; a shift moved by an override gets
its own notice. A user continuing from one shift into the next gets no notice (the shifts are
merged); inactive users get none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slar.domain.notifications import render
from slar.domain.notifications import repository as repo
from slar.domain.notifications.rules import EMAIL, HANDOFF
from slar.domain.notifications.service import create_delivery
from slar.domain.schedules import oncall
from slar.domain.schedules import repository as schedules

NOTICE_AHEAD = timedelta(minutes=60)
# How far to look for the end of a starting shift (beyond it the notice says no end).
END_HORIZON = timedelta(days=14)
TICK_NAME = "notifications.handoff_notices"
TICK_SECONDS = 60.0


def handoff_notices(session: Session, now: datetime) -> None:
    """The tick: see the module docstring."""
    send_handoff_notices(session, now=now)


def send_handoff_notices(session: Session, *, now: datetime) -> int:
    """Make the notices due at ``now``; returns how many deliveries were created."""
    window_end = now + NOTICE_AHEAD
    specs = schedules.schedule_specs(
        session, schedules.all_schedule_ids(session), overlapping=(now, now + END_HORIZON)
    )
    starting: list[tuple[oncall.ScheduleSpec, oncall.Shift]] = []
    for spec in specs.values():
        # ``shifts`` clips at ``now``: only a start after ``now`` is a real start.
        for shift in oncall.shifts(spec, now, window_end + timedelta(microseconds=1)):
            if now < shift.start <= window_end:
                starting.append((spec, shift))
    if not starting:
        return 0
    people = repo.users(session, [shift.user_id for _, shift in starting])
    created = 0
    for spec, shift in starting:
        person = people.get(shift.user_id)
        if person is None or not person.is_active:
            continue
        end = _shift_end(spec, shift)
        methods = repo.verified_email_methods(session, person.id)
        row = create_delivery(
            session,
            key=f"handoff:schedule:{spec.id}:user:{person.id}:start:{shift.start.isoformat()}",
            user_id=person.id,
            channel=EMAIL,
            address=methods[0].address if methods else person.email,
            purpose=HANDOFF,
            now=now,
            contact_method_id=methods[0].id if methods else None,
            reason=f"on call for {spec.name}",
            rendered=render.handoff(
                recipient=person.name,
                schedule_id=spec.id,
                schedule_name=spec.name,
                start=shift.start,
                end=end,
                timezone=person.timezone,
            ),
        )
        created += row is not None
    return created


def _shift_end(spec: oncall.ScheduleSpec, shift: oncall.Shift) -> datetime | None:
    """Where the shift starting at ``shift.start`` really ends (None: beyond the horizon)."""
    horizon = shift.start + END_HORIZON
    for later in oncall.shifts(spec, shift.start, horizon):
        if later.start == shift.start and later.user_id == shift.user_id:
            return later.end if later.end < horizon else None
    return shift.end
