"""Identity queries. All SQL of the identity context lives here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.identity.models import ApiKey, InstanceSecret, RefreshToken, Team, User
from slar.domain.identity.rules import Principal


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_external_id(session: Session, external_id: str) -> User | None:
    return session.scalar(select(User).where(User.external_id == external_id))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def count_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin", User.is_active)
        )
        or 0
    )


def api_key_by_digest(session: Session, key_digest: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_digest == key_digest))


def refresh_token_by_digest(session: Session, token_digest: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_digest == token_digest))


def team_by_id(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)


def principal_for(user: User, *, api_key_id: int | None = None) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        team_roles={m.team_id: m.role for m in user.memberships},
        api_key_id=api_key_id,
    )


def get_or_create_secret(session: Session, name: str, make: str, now: datetime) -> str:
    """The instance secret ``name``, creating it with value ``make`` if absent (race-safe)."""
    existing = session.get(InstanceSecret, name)
    if existing is not None:
        return existing.value
    try:
        with session.begin_nested():
            session.add(InstanceSecret(name=name, value=make, created_at=now))
    except IntegrityError:
        pass  # another replica created it first
    found = session.get(InstanceSecret, name, populate_existing=True)
    assert found is not None
    return found.value
