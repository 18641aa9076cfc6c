"""Escalation policy request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TargetKind = Literal["user", "schedule", "team"]
MAX_LEVELS = 20
MAX_TARGETS = 20


class TargetIn(BaseModel):
    kind: TargetKind
    id: int = Field(ge=1)


class LevelIn(BaseModel):
    delay_minutes: int = Field(15, ge=1, le=1440, description="minutes before the next level")
    targets: list[TargetIn] = Field(min_length=1, max_length=MAX_TARGETS)


class PolicyIn(BaseModel):
    team_id: int
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    repeat_count: int = Field(0, ge=0, le=20, description="extra passes after the last level")
    levels: list[LevelIn] = Field(min_length=1, max_length=MAX_LEVELS)


class TargetOut(BaseModel):
    kind: TargetKind
    id: int
    name: str


class LevelOut(BaseModel):
    position: int
    delay_minutes: int
    targets: list[TargetOut]


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    team_id: int
    name: str
    description: str
    repeat_count: int
    levels: list[LevelOut]
    service_ids: list[int]
    created_at: datetime
    updated_at: datetime
