"""Schedule tables.

Layers store the rotation as the API states it (type, length, unit for custom rotations,
handoff time and weekday); ``repository`` turns rows into the pure ``oncall`` values. Users
are referenced with RESTRICT: accounts are deactivated, not deleted, and a rotation silently
losing a member would change who is paged. iCal feed tokens are stored as given (like
integration keys) so the owner can read the feed URL again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slar.db import Base, JSONType, UTCDateTime

ROTATION_TYPES = ("hourly", "daily", "weekly", "custom")
ROTATION_UNITS = ("hours", "days")


class Schedule(Base):
    __tablename__ = "schedules"
    __table_args__ = (CheckConstraint("length(ical_token) >= 32", name="ical_token_length"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    ical_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    layers: Mapped[list[ScheduleLayer]] = relationship(
        back_populates="schedule",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ScheduleLayer.position",
    )


class ScheduleLayer(Base):
    """One rotation of a schedule; a higher ``position`` covers lower ones."""

    __tablename__ = "schedule_layers"
    __table_args__ = (
        UniqueConstraint("schedule_id", "position"),
        CheckConstraint(
            "rotation_type IN ('hourly', 'daily', 'weekly', 'custom')", name="rotation_type"
        ),
        CheckConstraint("rotation_length >= 1", name="rotation_length"),
        CheckConstraint(
            "rotation_unit IS NULL OR rotation_unit IN ('hours', 'days')", name="rotation_unit"
        ),
        CheckConstraint(
            "handoff_weekday IS NULL OR (handoff_weekday >= 0 AND handoff_weekday <= 6)",
            name="handoff_weekday",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    rotation_type: Mapped[str] = mapped_column(String(10))
    rotation_length: Mapped[int] = mapped_column(Integer, default=1)
    rotation_unit: Mapped[str | None] = mapped_column(String(5))
    handoff_time: Mapped[str | None] = mapped_column(String(5))
    handoff_weekday: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    schedule: Mapped[Schedule] = relationship(back_populates="layers")
    members: Mapped[list[ScheduleLayerUser]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ScheduleLayerUser.ordinal",
        lazy="selectin",
    )


class ScheduleLayerUser(Base):
    """The ``ordinal``-th turn of a layer's rotation (a user may hold several turns)."""

    __tablename__ = "schedule_layer_users"

    layer_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_layers.id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)


class ScheduleOverride(Base):
    """``user_id`` is on call over ``[starts_at, ends_at)`` whatever the layers say."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ordered"),
        Index("ix_schedule_overrides_schedule_ends", "schedule_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserCalendarToken(Base):
    """The secret of a user's personal on-call calendar feed (all their shifts)."""

    __tablename__ = "user_calendar_tokens"
    __table_args__ = (CheckConstraint("length(token) >= 32", name="token_length"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
