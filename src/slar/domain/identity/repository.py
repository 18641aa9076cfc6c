"""Identity queries. All SQL of the identity context lives here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.catalog.models import Service
from slar.domain.identity.models import (
    ApiKey,
    InstanceSecret,
    RefreshToken,
    Team,
    TeamMembership,
    User,
)
from slar.domain.identity.rules import Principal


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_external_id(session: Session, external_id: str) -> User | None:
    return session.scalar(select(User).where(User.external_id == external_id))


FIRST_USER_LOCK = 0x534C4152_0001  # "SLAR" + 1: serialises first-admin creation


def lock_first_user(session: Session) -> None:
    """Serialise "create the first admin if there is no user" across connections until this
    transaction ends (PostgreSQL; SQLite already serialises writers with ``BEGIN IMMEDIATE``):
    two first-run requests racing must not both find no user and both create an admin."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_USER_LOCK})


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


# --- users -------------------------------------------------------------------------------------


def list_users(session: Session, *, query: str | None, limit: int, offset: int) -> list[User]:
    """Users ordered by name; ``query`` matches a substring of email or name, any case."""
    stmt = select(User)
    if query:
        needle = query.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(User.email).contains(needle, autoescape=True),
                func.lower(User.name).contains(needle, autoescape=True),
            )
        )
    stmt = stmt.order_by(func.lower(User.name), User.id).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def active_admins(session: Session) -> list[User]:
    """Active admins, oldest first."""
    stmt = select(User).where(User.role == "admin", User.is_active).order_by(User.id)
    return list(session.scalars(stmt))


def lock_active_admin_ids(session: Session) -> list[int]:
    """Ids of the active admins, row-locked on PostgreSQL so that two concurrent demotions
    cannot both see "another admin remains"."""
    stmt = select(User.id).where(User.role == "admin", User.is_active).with_for_update()
    return list(session.scalars(stmt))


def revoke_refresh_tokens(session: Session, *, user_id: int, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# --- teams -------------------------------------------------------------------------------------


def list_teams_with_counts(session: Session) -> list[tuple[Team, int]]:
    counts = (
        select(TeamMembership.team_id, func.count().label("n"))
        .group_by(TeamMembership.team_id)
        .subquery()
    )
    stmt = (
        select(Team, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.team_id == Team.id)
        .order_by(func.lower(Team.name), Team.id)
    )
    return [(team, int(n)) for team, n in session.execute(stmt).all()]


def team_by_name(session: Session, name: str) -> Team | None:
    """The team called ``name``, compared without regard to case."""
    return session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))


def membership(session: Session, *, team_id: int, user_id: int) -> TeamMembership | None:
    return session.get(TeamMembership, (team_id, user_id))


def count_team_services(session: Session, team_id: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(Service).where(Service.team_id == team_id))
        or 0
    )


# --- API keys ----------------------------------------------------------------------------------


def api_key_by_id(session: Session, key_id: int) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def api_keys_of(session: Session, user_id: int) -> list[ApiKey]:
    stmt = (
        select(ApiKey)
        .where(ApiKey.user_id == user_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return list(session.scalars(stmt))
