"""Monitor tables: uptime checks, their results, heartbeat monitors.

``incident_id`` on a check or heartbeat monitor names the incident opened for the current
outage; it is cleared on recovery. It keeps an outage to one incident even when a responder
resolves that incident by hand while the target is still down.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from slar.db import Base, UTCDateTime
from slar.domain.catalog import models as _catalog  # noqa: F401 - FK target table
from slar.domain.incidents import models as _incidents  # noqa: F401 - FK target table


class UptimeCheck(Base):
    """A target the worker probes every ``interval_seconds`` (HTTP(S), TCP connect, DNS)."""

    __tablename__ = "monitor_checks"
    __table_args__ = (
        CheckConstraint("kind IN ('http', 'tcp', 'dns')", name="kind"),
        CheckConstraint("state IN ('unknown', 'up', 'down')", name="state"),
        CheckConstraint("interval_seconds >= 30", name="interval"),
        CheckConstraint("timeout_seconds > 0", name="timeout"),
        CheckConstraint("failure_threshold >= 1", name="threshold"),
        CheckConstraint("consecutive_failures >= 0", name="failures"),
        Index("ix_monitor_checks_due", "enabled", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(2048))
    http_method: Mapped[str] = mapped_column(String(10), default="GET")
    expected_status: Mapped[str] = mapped_column(String(100), default="200-399")
    keyword: Mapped[str] = mapped_column(String(1000), default="")
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    follow_redirects: Mapped[bool] = mapped_column(Boolean, default=True)
    verify_tls: Mapped[bool] = mapped_column(Boolean, default=True)
    tls_expiry_days: Mapped[int | None] = mapped_column(Integer)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    failure_threshold: Mapped[int] = mapped_column(Integer, default=2)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(10), default="unknown")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckResult(Base):
    """One probe of a check: up or down, how long it took, and how late it started."""

    __tablename__ = "monitor_check_results"
    __table_args__ = (
        Index("ix_monitor_check_results_check", "check_id", "started_at"),
        Index("ix_monitor_check_results_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("monitor_checks.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lateness_ms: Mapped[float] = mapped_column(Float, default=0.0)
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HeartbeatMonitor(Base):
    """A dead-man's switch: something must call ``/heartbeats/{key}`` every interval."""

    __tablename__ = "monitor_heartbeats"
    __table_args__ = (
        CheckConstraint("state IN ('new', 'up', 'down')", name="state"),
        CheckConstraint("interval_seconds >= 30", name="interval"),
        CheckConstraint("grace_seconds >= 0", name="grace"),
        CheckConstraint("length(key) >= 32", name="key_length"),
        Index("ix_monitor_heartbeats_due", "enabled", "due_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(10), default="new")
    last_beat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
