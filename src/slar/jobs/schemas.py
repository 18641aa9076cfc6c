"""Response shapes of the job review API (pydantic; shared by the API and the typed client)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["queued", "running", "dead"]

DEAD_LIST_LIMIT_DEFAULT = 50
DEAD_LIST_LIMIT_MAX = 500


class JobOut(BaseModel):
    """One job as stored. ``updated_at`` of a dead job is when it died."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    payload: dict[str, Any]
    status: JobStatus
    attempts: int
    max_attempts: int | None = None
    run_at: datetime
    dedup_key: str | None = None
    last_error: str
    created_at: datetime
    updated_at: datetime


class DeadJobPage(BaseModel):
    items: list[JobOut]
    total: int = Field(description="dead jobs matching the filter, in all")


class JobStats(BaseModel):
    """Queue depth and lag (the numbers an operator watches)."""

    by_status: dict[str, int] = Field(description="jobs per status (queued, running, dead)")
    by_kind: dict[str, dict[str, int]] = Field(description="kind -> status -> jobs")
    oldest_due_lag_seconds: float = Field(
        description="how long the longest-waiting claimable job has been due; 0 when none is"
    )
