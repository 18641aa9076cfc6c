"""Catalog tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slar.db import Base, JSONType, UTCDateTime
from slar.domain.escalation import models as _escalation  # noqa: F401 - FK target table

URGENCIES = ("high", "low", "dynamic")
INTEGRATION_KINDS = ("alertmanager", "pagerduty", "datadog", "grafana", "generic")


class Service(Base):
    """Something a team runs and gets paged for."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("urgency IN ('high', 'low', 'dynamic')", name="urgency"),
        CheckConstraint(
            "ack_timeout_minutes IS NULL OR ack_timeout_minutes > 0", name="ack_timeout"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10), default="high")
    escalation_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="RESTRICT")
    )
    ack_timeout_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    integrations: Mapped[list[Integration]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        foreign_keys="Integration.service_id",
    )


class Integration(Base):
    """An inbound endpoint of a service, authenticated by its unguessable key."""

    __tablename__ = "integrations"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('alertmanager', 'pagerduty', 'datadog', 'grafana', 'generic')", name="kind"
        ),
        CheckConstraint("length(key) >= 32", name="key_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expect_every_seconds: Mapped[int | None] = mapped_column(Integer)
    """Silence longer than this opens an incident (monitors' integration health); None: off."""

    service: Mapped[Service] = relationship(
        back_populates="integrations", foreign_keys=[service_id]
    )
    routing_rules: Mapped[list[RoutingRule]] = relationship(
        back_populates="integration",
        cascade="all, delete-orphan",
        order_by="RoutingRule.position",
        lazy="selectin",
    )


class RoutingRule(Base):
    """Ordered rule on an integration: when every condition matches, route to ``service_id``."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("integration_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text, default="")

    integration: Mapped[Integration] = relationship(back_populates="routing_rules")


class MaintenanceWindow(Base):
    """While a window is open, alerts for the service are stored but page nobody."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ordered"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
