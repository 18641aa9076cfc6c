"""Notification tables: contact methods, personal rules, deliveries.

``deliveries.idempotency_key`` is unique: whoever asks for the same message twice (a retried
escalation step, two racing workers) gets one row, so one person is paged once per step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from slar.db import Base, UTCDateTime


class ContactMethod(Base):
    """One way to reach a user. Only ``verified`` methods receive pages."""

    __tablename__ = "contact_methods"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'sms', 'slack', 'webhook')", name="kind"),
        CheckConstraint("verification_attempts >= 0", name="verification_attempts"),
        UniqueConstraint("user_id", "kind", "address"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str | None] = mapped_column(String(128))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verification_digest: Mapped[str | None] = mapped_column(String(64))
    verification_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verification_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationRule(Base):
    """ "For a page of this urgency, use this method after this many minutes"."""

    __tablename__ = "notification_rules"
    __table_args__ = (
        CheckConstraint("urgency IN ('high', 'low')", name="urgency"),
        CheckConstraint("delay_minutes >= 0 AND delay_minutes <= 1440", name="delay_minutes"),
        UniqueConstraint("contact_method_id", "urgency", "delay_minutes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_method_id: Mapped[int] = mapped_column(
        ForeignKey("contact_methods.id", ondelete="CASCADE"), index=True
    )
    urgency: Mapped[str] = mapped_column(String(10))
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One message to one address, and what became of it.

    ``address`` and ``channel`` are copied from the contact method when the delivery is made,
    so history stays true when the method changes later.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms', 'slack', 'webhook')", name="channel"),
        CheckConstraint("purpose IN ('page', 'test', 'verification', 'handoff')", name="purpose"),
        CheckConstraint(
            "status IN ('queued', 'sent', 'delivered', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_deliveries_incident", "incident_id", "id"),
        Index("ix_deliveries_user", "user_id", "id"),
        Index("ix_deliveries_contact_method", "contact_method_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    contact_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_methods.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(2048))
    purpose: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
