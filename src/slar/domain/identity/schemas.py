"""Identity request and response shapes (pydantic; shared by the API and the client)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from slar.kernel.emails import normalise_email

Role = Literal["admin", "responder", "observer"]
TeamRole = Literal["manager", "member"]
EmailAddress = Annotated[str, AfterValidator(normalise_email)]


class LoginIn(BaseModel):
    email: EmailAddress
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


class UserCreateIn(BaseModel):
    """An admin creates a user; without a password the user signs in through SSO only."""

    email: EmailAddress
    name: str = Field(min_length=1, max_length=200)
    role: Role = "responder"
    password: str | None = Field(None, min_length=8, max_length=1024)


class UserPatchIn(BaseModel):
    """Fields left out stay as they are. ``role`` and ``is_active`` are for admins only;
    a new ``password`` needs the ``current_password`` and only the user may change their own."""

    name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    timezone: str | None = Field(None, min_length=1, max_length=64)
    password: str | None = Field(None, min_length=8, max_length=1024)
    current_password: str | None = Field(None, min_length=1, max_length=1024)


class TeamCreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)


class TeamPatchIn(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)


class TeamOut(BaseModel):
    id: int
    name: str
    description: str
    created_at: datetime
    member_count: int


class TeamMemberOut(BaseModel):
    user_id: int
    email: str
    name: str
    role: TeamRole


class TeamDetailOut(TeamOut):
    members: list[TeamMemberOut] = []


class TeamMemberIn(BaseModel):
    role: TeamRole = "member"


class ApiKeyCreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = None


class ApiKeyOut(BaseModel):
    """An API key as listed: never the secret, only its first characters to recognise it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyCreatedOut(ApiKeyOut):
    """The answer to creating a key: the only time the plain ``key`` is ever shown."""

    key: str


class SetupStatusOut(BaseModel):
    """Whether the deployment still needs its first admin (no user exists yet)."""

    needs_setup: bool


class SetupIn(BaseModel):
    """The first admin, created from the first-run screen while no user exists."""

    email: EmailAddress
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=1024)
