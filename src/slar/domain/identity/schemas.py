"""Identity request and response shapes (pydantic; shared by the API and the client)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Role = Literal["admin", "responder", "observer"]
TeamRole = Literal["manager", "member"]


class LoginIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class MembershipOut(BaseModel):
    team_id: int
    role: TeamRole


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    is_active: bool
    timezone: str
    created_at: datetime
    last_login_at: datetime | None = None


class MeOut(UserOut):
    teams: list[MembershipOut] = []
    via_api_key: bool = False
