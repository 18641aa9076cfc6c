"""Alert table. ``uq_alerts_open_fingerprint`` dedups open alerts per integration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from slar.db import Base, JSONType, UTCDateTime

OPEN_CONDITION = "status <> 'resolved'"


class Alert(Base):
    """One alert from one integration; many alerts can group into one incident."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('triggered', 'acknowledged', 'resolved')", name="status"),
        CheckConstraint("severity IN ('critical', 'error', 'warning', 'info')", name="severity"),
        CheckConstraint("occurrences >= 1", name="occurrences"),
        Index(
            "uq_alerts_open_fingerprint",
            "integration_id",
            "fingerprint",
            unique=True,
            sqlite_where=text(OPEN_CONDITION),
            postgresql_where=text(OPEN_CONDITION),
        ),
        Index("ix_alerts_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    fingerprint: Mapped[str] = mapped_column(String(255))
    dedup_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="triggered")
    summary: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10), default="error")
    source: Mapped[str] = mapped_column(String(1024), default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    suppressed_reason: Mapped[str] = mapped_column(Text, default="")
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the sender's own time
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
