"""Schedule request and response shapes (pydantic; shared by the API and the typed client).

Shape rules are checked here so that mistakes answer 422 naming the field: an IANA zone that
``zoneinfo`` knows, ``HH:MM`` times, a rotation whose fields fit its type, instants between
1970 and 2200 (the computation is exact in that range; nobody schedules beyond it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

RotationType = Literal["hourly", "daily", "weekly", "custom"]
RotationUnit = Literal["hours", "days"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

MAX_LAYERS = 20
MAX_LAYER_USERS = 100
MAX_RESTRICTIONS = 50
MAX_ROTATION_LENGTH = {
    "hourly": 24 * 366,
    "daily": 366,
    "weekly": 52,
    "hours": 24 * 366,
    "days": 366,
}
"""Longest turn per rotation type (or custom unit): a year."""
MAX_RANGE_DAYS = 366
"""Longest ``GET /schedules/{id}/shifts`` range."""

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

HHMM = Annotated[
    str,
    Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="local wall-clock time in the schedule's zone, HH:MM (24 h)",
        examples=["09:00"],
    ),
]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(f"{name!r} is not an IANA time zone (like 'Europe/London')")
    return name


def _in_range(instant: datetime) -> datetime:
    if not EARLIEST <= instant < LATEST:
        raise ValueError("must be between 1970-01-01 and 2200-01-01")
    return instant


TimeZoneName = Annotated[
    str, Field(max_length=64, examples=["Europe/London"]), AfterValidator(_known_zone)
]
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]


# --- layers ------------------------------------------------------------------------------------


class RestrictionIn(BaseModel):
    """A local window when the layer is on: from ``start`` to ``end`` on each listed weekday
    (the day the window starts; no weekdays = every day). ``end`` at or before ``start`` ends
    the next day (``22:00``-``06:00``); ``end == start`` is a whole day."""

    weekdays: list[Weekday] = Field(default_factory=list, max_length=7)
    start: HHMM
    end: HHMM


class RestrictionOut(BaseModel):
    weekdays: list[Weekday]
    start: str
    end: str


class RotationIn(BaseModel):
    """``hourly``/``daily``/``weekly`` every ``length`` hours/days/weeks, or ``custom`` every
    ``length`` ``unit``s. Day-based rotations hand off at ``handoff_time`` (local); weekly ones
    on ``handoff_weekday``; hour-based ones every ``length`` hours from the layer's start."""

    type: RotationType
    length: int = Field(1, ge=1, le=24 * 366)
    unit: RotationUnit | None = Field(None, description="custom rotations only")
    handoff_time: HHMM | None = None
    handoff_weekday: Weekday | None = Field(None, description="weekly rotations only")

    @model_validator(mode="after")
    def _fits_type(self) -> RotationIn:
        if self.type == "custom":
            if self.unit is None:
                raise ValueError("a custom rotation needs a unit ('hours' or 'days')")
        elif self.unit is not None:
            raise ValueError("unit is only for custom rotations")
        limit = MAX_ROTATION_LENGTH[self.type if self.type != "custom" else str(self.unit)]
        if self.length > limit:
            raise ValueError(f"length must be at most {limit} for this rotation")
        if self.unit_of_time == "days":
            if self.handoff_time is None:
                raise ValueError("daily, weekly and day-based rotations need a handoff_time")
        elif self.handoff_time is not None:
            raise ValueError("hour-based rotations hand off every N hours from the layer start")
        if (self.type == "weekly") != (self.handoff_weekday is not None):
            raise ValueError("handoff_weekday is required for weekly rotations and only for them")
        return self

    @property
    def unit_of_time(self) -> RotationUnit:
        if self.type == "custom":
            assert self.unit is not None
            return self.unit
        return "hours" if self.type == "hourly" else "days"


class RotationOut(BaseModel):
    type: RotationType
    length: int
    unit: RotationUnit | None = None
    handoff_time: str | None = None
    handoff_weekday: Weekday | None = None


class LayerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    position: int | None = Field(
        None, ge=0, le=10_000, description="higher covers lower; default: on top"
    )
    users: list[int] = Field(min_length=1, max_length=MAX_LAYER_USERS)
    rotation: RotationIn
    start: Instant = Field(description="the rotation's epoch: the first user is on from here")
    restrictions: list[RestrictionIn] = Field(default_factory=list, max_length=MAX_RESTRICTIONS)


class LayerPatchIn(BaseModel):
    """Fields left out stay; ``users``, ``rotation`` and ``restrictions`` are replaced whole."""

    name: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0, le=10_000)
    users: list[int] | None = Field(None, min_length=1, max_length=MAX_LAYER_USERS)
    rotation: RotationIn | None = None
    start: Instant | None = None
    restrictions: list[RestrictionIn] | None = Field(None, max_length=MAX_RESTRICTIONS)


class LayerOut(BaseModel):
    id: int
    name: str
    position: int
    users: list[int]
    rotation: RotationOut
    start: datetime
    restrictions: list[RestrictionOut]


# --- schedules ---------------------------------------------------------------------------------


class ScheduleCreateIn(BaseModel):
    team_id: int
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    time_zone: TimeZoneName
    layers: list[LayerIn] = Field(default_factory=list, max_length=MAX_LAYERS)


class SchedulePatchIn(BaseModel):
    """Fields left out stay. Moving to another team needs write access to both."""

    team_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    time_zone: TimeZoneName | None = None


class ScheduleOut(BaseModel):
    """A schedule with its layers (highest first). ``ical_url`` is the secret calendar feed:
    shown only to those who may change the schedule."""

    id: int
    team_id: int
    name: str
    description: str
    time_zone: str
    layers: list[LayerOut]
    ical_url: str | None = None
    created_at: datetime
    updated_at: datetime


# --- overrides ---------------------------------------------------------------------------------


class OverrideIn(BaseModel):
    user_id: int
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> OverrideIn:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    schedule_id: int
    user_id: int
    start: datetime
    end: datetime
    created_by_id: int | None = None
    created_at: datetime


# --- who is on call ----------------------------------------------------------------------------


class UserRef(BaseModel):
    id: int
    name: str
    email: str


class OnCallOut(BaseModel):
    schedule_id: int
    schedule_name: str
    at: datetime
    users: list[UserRef]


class ShiftOut(BaseModel):
    user: UserRef
    start: datetime
    end: datetime


class ShiftsOut(BaseModel):
    schedule_id: int
    time_zone: str
    start: datetime
    end: datetime
    shifts: list[ShiftOut]


class CalendarTokenOut(BaseModel):
    """A secret calendar feed: subscribe to ``url`` (anyone holding it can read the feed)."""

    token: str
    url: str
