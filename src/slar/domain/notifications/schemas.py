"""Notification request and response shapes (pydantic; shared by the API and the client)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from slar.domain.notifications.rules import (
    ADDRESS_MAX,
    LABEL_MAX,
    MAX_DELAY_MINUTES,
    MAX_RULES,
)

Kind = Literal["email", "sms", "slack", "webhook"]
Urgency = Literal["high", "low"]
Purpose = Literal["page", "test", "verification", "handoff"]
DeliveryStatus = Literal["queued", "sent", "delivered", "failed", "cancelled"]


class ContactMethodIn(BaseModel):
    """A new contact method. Admins may create one for another user (``user_id``)."""

    kind: Kind
    address: str = Field(
        min_length=1,
        max_length=ADDRESS_MAX,
        description="e-mail address, E.164 phone number, Slack member id, or http(s) URL",
    )
    label: str = Field("", max_length=LABEL_MAX)
    user_id: int | None = Field(None, description="whose method (admins only); default: yours")


class ContactMethodPatchIn(BaseModel):
    """Change a method. A new address must be verified again; ``rotate_secret`` renews the
    webhook signing secret."""

    label: str | None = Field(None, max_length=LABEL_MAX)
    address: str | None = Field(None, min_length=1, max_length=ADDRESS_MAX)
    rotate_secret: bool = False


class ContactMethodOut(BaseModel):
    id: int
    user_id: int
    kind: Kind
    label: str
    address: str
    verified: bool
    secret: str | None = Field(
        None, description="webhook HMAC-SHA256 signing secret (webhooks only)"
    )
    created_at: datetime
    updated_at: datetime


class VerifyIn(BaseModel):
    code: str = Field(pattern=r"^\s*\d{6}\s*$", description="the 6-digit code that was sent")


class RuleIn(BaseModel):
    contact_method_id: int
    urgency: Urgency
    delay_minutes: int = Field(0, ge=0, le=MAX_DELAY_MINUTES)


class RulesIn(BaseModel):
    rules: list[RuleIn] = Field(max_length=MAX_RULES)


class RuleOut(BaseModel):
    id: int
    contact_method_id: int
    kind: Kind
    label: str
    verified: bool
    urgency: Urgency
    delay_minutes: int


class RulesOut(BaseModel):
    """A user's rules. ``using_default``: none are set, so pages go by e-mail to the account
    address at once."""

    user_id: int
    rules: list[RuleOut]
    using_default: bool


class DeliveryOut(BaseModel):
    id: int
    user_id: int
    incident_id: int | None
    contact_method_id: int | None
    channel: Kind
    address: str
    purpose: Purpose
    urgency: Urgency | None
    reason: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    subject: str
    body: str
    created_at: datetime
    run_at: datetime
    sent_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int
