"""Escalation policy tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slar.db import Base, UTCDateTime

TARGET_KINDS = ("user", "schedule", "team")


class EscalationPolicy(Base):
    """Who to page, in which order, and how many times to go round."""

    __tablename__ = "escalation_policies"
    __table_args__ = (CheckConstraint("repeat_count >= 0 AND repeat_count <= 20", name="repeat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    levels: Mapped[list[EscalationLevel]] = relationship(
        back_populates="policy",
        cascade="all, delete-orphan",
        order_by="EscalationLevel.position",
        lazy="selectin",
    )


class EscalationLevel(Base):
    """One step: page its targets, wait ``delay_minutes``, then go to the next level."""

    __tablename__ = "escalation_levels"
    __table_args__ = (
        UniqueConstraint("policy_id", "position"),
        CheckConstraint("delay_minutes >= 1 AND delay_minutes <= 1440", name="delay"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=15)

    policy: Mapped[EscalationPolicy] = relationship(back_populates="levels")
    targets: Mapped[list[EscalationTarget]] = relationship(
        back_populates="level",
        cascade="all, delete-orphan",
        order_by="EscalationTarget.id",
        lazy="selectin",
    )


class EscalationTarget(Base):
    """A user, a schedule (whoever is on call when the level fires) or a team (every member)."""

    __tablename__ = "escalation_targets"
    __table_args__ = (
        CheckConstraint("kind IN ('user', 'schedule', 'team')", name="kind"),
        UniqueConstraint("level_id", "kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_levels.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)

    level: Mapped[EscalationLevel] = relationship(back_populates="targets")
