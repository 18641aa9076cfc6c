"""Catalog request and response shapes (pydantic; shared by the API and the typed client)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Urgency = Literal["high", "low", "dynamic"]
IntegrationKind = Literal["alertmanager", "pagerduty", "datadog", "grafana", "generic"]
Operator = Literal["equals", "not_equals", "regex", "in", "exists"]

MAX_RULES = 100
MAX_CONDITIONS = 20


# --- services --------------------------------------------------------------------------------


class ServiceCreateIn(BaseModel):
    team_id: int
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    urgency: Urgency = "high"
    escalation_policy_id: int | None = None
    ack_timeout_minutes: int | None = Field(None, ge=1, le=1440)


class ServicePatchIn(BaseModel):
    """Fields left out stay as they are; ``escalation_policy_id`` and ``ack_timeout_minutes``
    may be set to ``null`` explicitly. Changing ``team_id`` needs write access to both teams."""

    team_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    urgency: Urgency | None = None
    escalation_policy_id: int | None = None
    ack_timeout_minutes: int | None = Field(None, ge=1, le=1440)


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    team_id: int
    name: str
    description: str
    urgency: Urgency
    escalation_policy_id: int | None = None
    ack_timeout_minutes: int | None = None
    created_at: datetime


# --- integrations ----------------------------------------------------------------------------


class IntegrationCreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: IntegrationKind
    expect_every_seconds: int | None = Field(
        None,
        ge=60,
        le=31 * 86_400,
        description="Open an incident when nothing arrives for this long (null: never).",
    )


class IntegrationPatchIn(BaseModel):
    """Rename, or move to another service (needs write access to both services' teams)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    service_id: int | None = None
    expect_every_seconds: int | None = Field(
        None, ge=60, le=31 * 86_400, description="Expected traffic period; null switches it off."
    )


class IntegrationOut(BaseModel):
    """An integration with ready-to-use sender settings.

    ``key``, ``url`` and ``routing_key`` are secrets: they are ``null`` for callers who may not
    change the integration (observers, and members of other teams).
    """

    id: int
    service_id: int
    name: str
    kind: IntegrationKind
    key: str | None = None
    url: str | None = None
    routing_key: str | None = None
    created_at: datetime
    key_rotated_at: datetime | None = None
    last_seen_at: datetime | None = None
    expect_every_seconds: int | None = None


# --- routing rules ---------------------------------------------------------------------------


class ConditionIn(BaseModel):
    field: str = Field(
        min_length=1,
        max_length=200,
        description="severity, source, summary or labels.<name>",
    )
    op: Operator
    value: str | list[str] | None = None


class RoutingRuleIn(BaseModel):
    """One rule; its position is its place in the list."""

    conditions: list[ConditionIn] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    service_id: int
    description: str = Field("", max_length=2000)


class ConditionOut(BaseModel):
    field: str
    op: Operator
    value: str | list[str] | None = None


class RoutingRuleOut(BaseModel):
    id: int
    position: int
    conditions: list[ConditionOut]
    service_id: int
    description: str


# --- maintenance windows ---------------------------------------------------------------------


class MaintenanceWindowIn(BaseModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    description: str = Field("", max_length=2000)


class MaintenanceWindowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service_id: int
    starts_at: datetime
    ends_at: datetime
    description: str
    created_by_id: int | None = None
    created_at: datetime
