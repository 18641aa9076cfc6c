"""From the API's vocabulary to ``oncall`` values, and back (pure; no SQLAlchemy).

Layers are stored as the API states them (``rotation_type`` ``weekly``, ``length`` 2, weekday
names, ``HH:MM`` strings); ``oncall`` wants one normalised rotation (every N hours, or every N
days at a local time, optionally aligned on a weekday). Both directions live here so that the
repository (rows to specs) and the service (requests to rows, rows to responses) agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from typing import Any

from slar.domain.schedules.oncall import EVERY_DAY, LayerSpec, Restriction, Rotation
from slar.domain.schedules.schemas import WEEKDAYS, RestrictionIn, RestrictionOut, RotationOut


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def weekday_number(name: str | None) -> int | None:
    return None if name is None else WEEKDAYS.index(name)


def rotation_of(
    rotation_type: str,
    length: int,
    unit: str | None,
    handoff_time: str | None,
    handoff_weekday: int | None,
) -> Rotation:
    """The normalised rotation of stored (or requested) rotation fields."""
    handoff = parse_hhmm(handoff_time) if handoff_time is not None else None
    if rotation_type == "hourly" or (rotation_type == "custom" and unit == "hours"):
        return Rotation("hours", length)
    if rotation_type == "weekly":
        assert handoff is not None
        assert handoff_weekday is not None
        return Rotation.weekly(handoff, handoff_weekday, every=length)
    assert handoff is not None
    return Rotation.daily(handoff, every=length)


def restriction_json(restrictions: Iterable[RestrictionIn]) -> list[dict[str, Any]]:
    """Stored form: weekday names in week order, no duplicates; ``[]`` means every day."""
    stored = []
    for restriction in restrictions:
        days = sorted(set(restriction.weekdays), key=WEEKDAYS.index)
        if len(days) == len(WEEKDAYS):
            days = []
        stored.append({"weekdays": days, "start": restriction.start, "end": restriction.end})
    return stored


def restriction_of(stored: Mapping[str, Any]) -> Restriction:
    names = stored.get("weekdays") or []
    weekdays = frozenset(WEEKDAYS.index(n) for n in names) if names else EVERY_DAY
    return Restriction(parse_hhmm(stored["start"]), parse_hhmm(stored["end"]), weekdays)


def restrictions_out(stored: Sequence[Mapping[str, Any]]) -> list[RestrictionOut]:
    return [
        RestrictionOut(weekdays=list(r.get("weekdays") or []), start=r["start"], end=r["end"])
        for r in stored
    ]


def rotation_out(
    rotation_type: str,
    length: int,
    unit: str | None,
    handoff_time: str | None,
    handoff_weekday: int | None,
) -> RotationOut:
    return RotationOut(
        type=rotation_type,
        length=length,
        unit=unit,
        handoff_time=handoff_time,
        handoff_weekday=None if handoff_weekday is None else WEEKDAYS[handoff_weekday],
    )


def layer_spec(
    *,
    layer_id: int,
    name: str,
    position: int,
    users: Sequence[int],
    rotation_type: str,
    length: int,
    unit: str | None,
    handoff_time: str | None,
    handoff_weekday: int | None,
    start: datetime,
    restrictions: Sequence[Mapping[str, Any]],
) -> LayerSpec:
    return LayerSpec(
        id=layer_id,
        name=name,
        position=position,
        users=tuple(users),
        rotation=rotation_of(rotation_type, length, unit, handoff_time, handoff_weekday),
        start=start,
        restrictions=tuple(restriction_of(r) for r in restrictions),
    )
