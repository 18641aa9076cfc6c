"""Incident request and response shapes (pydantic; shared by the API and the typed client)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from slar.domain.incidents.rules import NOTE_MAX, SNOOZE_MAX_MINUTES, TITLE_MAX

Status = Literal["triggered", "acknowledged", "resolved"]
Urgency = Literal["high", "low"]
Severity = Literal["critical", "error", "warning", "info"]


class LinkIn(BaseModel):
    href: str = Field(min_length=1, max_length=2048)
    text: str = Field("", max_length=1024)


class IncidentCreateIn(BaseModel):
    """A user opens an incident by hand. ``urgency`` defaults from the service's setting."""

    service_id: int
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field("", max_length=100_000)
    urgency: Urgency | None = None
    severity: Severity = "error"
    assignee_id: int | None = None
    dedup_key: str | None = Field(None, min_length=1, max_length=255)
    labels: dict[str, str] = Field(default_factory=dict)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)


class ResolveIn(BaseModel):
    note: str | None = Field(None, max_length=NOTE_MAX)


class ReassignIn(BaseModel):
    """``assignee_id`` null unassigns the incident."""

    assignee_id: int | None


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=NOTE_MAX)


class SnoozeIn(BaseModel):
    minutes: int = Field(ge=1, le=SNOOZE_MAX_MINUTES)


class MergeIn(BaseModel):
    """Merge the incident of the URL into ``into_id``."""

    into_id: int


class IncidentOut(BaseModel):
    """An incident as every client sees it. ``number`` is the human-friendly ``#id``."""

    id: int
    number: int
    title: str
    description: str
    status: Status
    urgency: Urgency
    severity: Severity
    service_id: int
    service_name: str
    team_id: int
    assignee_id: int | None
    dedup_key: str | None
    alert_count: int
    labels: dict[str, str]
    links: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    snoozed_until: datetime | None
    merged_into_id: int | None
    integration_id: int | None


class IncidentPage(BaseModel):
    items: list[IncidentOut]
    total: int
    limit: int
    offset: int


class IncidentEventOut(BaseModel):
    """One timeline entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    at: datetime
    kind: str
    actor: str
    actor_user_id: int | None
    message: str
    data: dict[str, Any]


class AlertOut(BaseModel):
    """An alert as shown under its incident (the raw payload only on the single-alert view)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int | None
    service_id: int
    integration_id: int
    fingerprint: str
    dedup_key: str
    status: Status
    summary: str
    description: str
    severity: Severity
    source: str
    labels: dict[str, str]
    links: list[dict[str, Any]]
    suppressed: bool
    suppressed_reason: str
    occurrences: int
    occurred_at: datetime | None = None
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


class AlertDetailOut(AlertOut):
    payload: dict[str, Any]


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int
    limit: int
    offset: int


class ResponseStats(BaseModel):
    """Counts and response times of one group of incidents (seconds; null without data)."""

    count: int
    acknowledged: int
    resolved: int
    mtta_seconds: float | None
    mtta_p50_seconds: float | None
    mttr_seconds: float | None
    mttr_p50_seconds: float | None


class ServiceStats(ResponseStats):
    service_id: int
    service_name: str
    team_id: int


class TeamStats(ResponseStats):
    team_id: int
    team_name: str


class IncidentAnalyticsOut(BaseModel):
    since: datetime
    until: datetime
    overall: ResponseStats
    services: list[ServiceStats]
    teams: list[TeamStats]
