"""Identity use cases: users, teams, memberships, API keys.

Every function takes the session and keyword arguments, checks the actor's permission, changes
state and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from slar.domain.identity import repository as repo
from slar.domain.identity.models import User
from slar.domain.identity.passwords import MIN_PASSWORD_LENGTH, hash_password
from slar.kernel.errors import Conflict, InvalidInput


def _new_user(
    session: Session, *, email: str, name: str, password: str | None, role: str, now: datetime
) -> User:
    email = email.strip().lower()
    if repo.user_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email} already exists", code="user.email_taken")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", code="user.weak_password"
        )
    user = User(
        email=email,
        name=name.strip() or email,
        password_hash=hash_password(password) if password else None,
        role=role,
        is_active=True,
        timezone="UTC",
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def create_first_admin(
    session: Session, *, email: str, name: str, password: str, now: datetime
) -> bool:
    """Create an admin only if the deployment has no user yet; True when one was created."""
    if repo.count_users(session) > 0:
        return False
    _new_user(session, email=email, name=name, password=password, role="admin", now=now)
    return True


def create_user_unchecked(
    session: Session, *, email: str, name: str, password: str | None, role: str, now: datetime
) -> User:
    """Create a user without a permission check: for the operator's CLI (``slar createuser``)."""
    return _new_user(session, email=email, name=name, password=password, role=role, now=now)
