"""The ``jobs`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from slar.db import Base, JSONType, UTCDateTime

JOB_STATUSES = ("queued", "running", "dead")
PENDING_CONDITION = "status IN ('queued', 'running')"


class Job(Base):
    """One unit of background work. Finished jobs are deleted; ``dead`` ones stay for review.

    ``dedup_key`` (optional) makes enqueueing idempotent while an equal job is pending.
    ``locked_until`` is the lease: a ``running`` job whose lease expired is claimable again.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'dead')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_jobs_due", "status", "run_at"),
        Index(
            "uq_jobs_pending_dedup",
            "dedup_key",
            unique=True,
            sqlite_where=text(PENDING_CONDITION),
            postgresql_where=text(PENDING_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    dedup_key: Mapped[str | None] = mapped_column(String(255))
    locked_by: Mapped[str | None] = mapped_column(String(255))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
