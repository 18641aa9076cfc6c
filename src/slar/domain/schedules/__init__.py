"""Schedules: who is on call, and when.

A schedule (owned by a team, in one IANA time zone) stacks ordered layers of rotations with
optional time-of-day restrictions; overrides beat every layer. Nothing is materialised: the pure
``oncall`` module computes the answer for any instant or range, so editing a rotation takes
effect everywhere at once. ``repository.schedule_spec(s)`` hands other contexts (escalation)
the values ``oncall`` needs; ``ical`` renders the shifts as a subscribable calendar.
"""
