"""Incident and timeline tables.

The partial unique index ``uq_incidents_open_dedup`` is what makes deduplication safe under
concurrency: at most one open incident per (service, dedup key), whatever the racing writers do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from slar.db import Base, JSONType, UTCDateTime

STATUSES = ("triggered", "acknowledged", "resolved")
URGENCIES = ("high", "low")
SEVERITIES = ("critical", "error", "warning", "info")

OPEN_CONDITION = "status <> 'resolved'"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("status IN ('triggered', 'acknowledged', 'resolved')", name="status"),
        CheckConstraint("urgency IN ('high', 'low')", name="urgency"),
        CheckConstraint("severity IN ('critical', 'error', 'warning', 'info')", name="severity"),
        CheckConstraint("alert_count >= 0", name="alert_count"),
        CheckConstraint("(status = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_at"),
        Index(
            "uq_incidents_open_dedup",
            "service_id",
            "dedup_key",
            unique=True,
            sqlite_where=text(OPEN_CONDITION),
            postgresql_where=text(OPEN_CONDITION),
        ),
        Index("ix_incidents_status_created", "status", "created_at"),
        Index("ix_incidents_service_created", "service_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="triggered")
    urgency: Mapped[str] = mapped_column(String(10), default="high")
    severity: Mapped[str] = mapped_column(String(10), default="error")
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dedup_key: Mapped[str | None] = mapped_column(String(255))
    alert_count: Mapped[int] = mapped_column(Integer, default=1)
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL")
    )
    # Escalation state (see slar.domain.escalation.engine). ``escalation_generation`` fences
    # pending steps: a job carrying an older generation does nothing.
    escalation_policy_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalation_loop: Mapped[int] = mapped_column(Integer, default=0)
    escalation_generation: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentEvent(Base):
    """One timeline entry: who did what to an incident, and when."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
