"""Monitor request and response shapes (pydantic; shared by the API and the typed client)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from slar.domain.monitors.rules import (
    MAX_INTERVAL_SECONDS,
    MAX_TIMEOUT_SECONDS,
    MIN_INTERVAL_SECONDS,
)

CheckKind = Literal["http", "tcp", "dns"]
HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "OPTIONS"]
CheckState = Literal["unknown", "up", "down"]
HeartbeatState = Literal["new", "up", "down"]

RESULTS_LIMIT_MAX = 1000


# --- uptime checks ---------------------------------------------------------------------------


class CheckIn(BaseModel):
    """A new uptime check. ``target``: an http(s) URL, ``host:port`` (tcp) or a host name
    (dns). ``keyword``: text the HTTP body must contain, or an address the DNS name must
    resolve to. ``tls_expiry_days``: an https check fails when the server's certificate
    expires within that many days (null: not checked)."""

    service_id: int
    name: str = Field(min_length=1, max_length=200)
    kind: CheckKind
    target: str = Field(min_length=1, max_length=2048)
    http_method: HttpMethod = "GET"
    expected_status: str = Field("200-399", min_length=3, max_length=100)
    keyword: str = Field("", max_length=1000)
    timeout_seconds: float = Field(10.0, gt=0, le=MAX_TIMEOUT_SECONDS)
    follow_redirects: bool = True
    verify_tls: bool = True
    tls_expiry_days: int | None = Field(14, ge=1, le=365)
    interval_seconds: int = Field(60, ge=MIN_INTERVAL_SECONDS, le=MAX_INTERVAL_SECONDS)
    failure_threshold: int = Field(2, ge=1, le=100)
    enabled: bool = True


class CheckPatchIn(BaseModel):
    """Fields left out stay as they are; ``tls_expiry_days`` may be set to ``null``."""

    service_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: CheckKind | None = None
    target: str | None = Field(None, min_length=1, max_length=2048)
    http_method: HttpMethod | None = None
    expected_status: str | None = Field(None, min_length=3, max_length=100)
    keyword: str | None = Field(None, max_length=1000)
    timeout_seconds: float | None = Field(None, gt=0, le=MAX_TIMEOUT_SECONDS)
    follow_redirects: bool | None = None
    verify_tls: bool | None = None
    tls_expiry_days: int | None = Field(None, ge=1, le=365)
    interval_seconds: int | None = Field(None, ge=MIN_INTERVAL_SECONDS, le=MAX_INTERVAL_SECONDS)
    failure_threshold: int | None = Field(None, ge=1, le=100)
    enabled: bool | None = None


class CheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    service_id: int
    name: str
    kind: CheckKind
    target: str
    http_method: str
    expected_status: str
    keyword: str
    timeout_seconds: float
    follow_redirects: bool
    verify_tls: bool
    tls_expiry_days: int | None
    interval_seconds: int
    failure_threshold: int
    enabled: bool
    state: CheckState
    consecutive_failures: int
    next_run_at: datetime
    last_checked_at: datetime | None
    last_error: str
    incident_id: int | None
    created_at: datetime
    updated_at: datetime


class CheckResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    check_id: int
    due_at: datetime
    started_at: datetime
    lateness_ms: float
    ok: bool
    latency_ms: float | None
    status_code: int | None
    error: str
    cert_expires_at: datetime | None


class UptimeOut(BaseModel):
    """Share of successful results over a window, in percent (null: no result yet)."""

    window: Literal["24h", "7d", "30d"]
    percent: float | None
    results: int


class CheckStatsOut(BaseModel):
    """Uptime over 24 h / 7 d / 30 d and latency percentiles (ms) of the last 24 h's
    successful results."""

    check_id: int
    state: CheckState
    uptime: list[UptimeOut]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    samples: int


# --- heartbeats ------------------------------------------------------------------------------


class HeartbeatIn(BaseModel):
    """A new heartbeat monitor: expect a beat every ``interval_seconds``; after
    ``interval + grace`` without one, an incident opens on the service."""

    service_id: int
    name: str = Field(min_length=1, max_length=200)
    interval_seconds: int = Field(ge=MIN_INTERVAL_SECONDS, le=31 * 86_400)
    grace_seconds: int = Field(0, ge=0, le=7 * 86_400)
    enabled: bool = True


class HeartbeatPatchIn(BaseModel):
    service_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    interval_seconds: int | None = Field(None, ge=MIN_INTERVAL_SECONDS, le=31 * 86_400)
    grace_seconds: int | None = Field(None, ge=0, le=7 * 86_400)
    enabled: bool | None = None


class HeartbeatOut(BaseModel):
    """A heartbeat monitor. ``key`` and ``url`` are secrets (anyone holding them can beat):
    null for callers who may not change the monitor."""

    id: int
    service_id: int
    name: str
    key: str | None
    url: str | None
    interval_seconds: int
    grace_seconds: int
    enabled: bool
    state: HeartbeatState
    last_beat_at: datetime | None
    due_by: datetime | None
    incident_id: int | None
    created_at: datetime
    updated_at: datetime


class BeatOut(BaseModel):
    """The answer to a beat."""

    ok: bool = True
    monitor_id: int
    state: HeartbeatState
    due_by: datetime


# --- integration health ----------------------------------------------------------------------


class IntegrationHealthOut(BaseModel):
    """When an integration was last heard from and whether its expected traffic is missing.
    ``last_seen_at`` is written at most every 30 s (ingestion's hot path)."""

    integration_id: int
    service_id: int
    name: str
    kind: str
    last_seen_at: datetime | None
    expect_every_seconds: int | None
    silent: bool
    silent_since: datetime | None
