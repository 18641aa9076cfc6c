"""Identity use cases: users, teams, memberships, API keys.

Every function takes the session and keyword arguments, checks the actor's permission, changes
state and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.identity import repository as repo
from slar.domain.identity.models import ApiKey, Team, TeamMembership, User
from slar.domain.identity.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from slar.domain.identity.rules import Principal, require_admin, require_team_manager
from slar.domain.identity.schemas import TeamDetailOut, TeamMemberOut, TeamOut
from slar.kernel import ids
from slar.kernel.clock import ensure_utc
from slar.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied

API_KEY_PREFIX_LENGTH = 12


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
    repo.lock_first_user(session)
    if repo.count_users(session) > 0:
        return False
    _new_user(session, email=email, name=name, password=password, role="admin", now=now)
    return True


def create_user_unchecked(
    session: Session, *, email: str, name: str, password: str | None, role: str, now: datetime
) -> User:
    """Create a user without a permission check: for the operator's CLI (``slar createuser``)."""
    return _new_user(session, email=email, name=name, password=password, role=role, now=now)


# --- users -------------------------------------------------------------------------------------


def _user(session: Session, user_id: int) -> User:
    user = repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", code="user.not_found", user_id=user_id)
    return user


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("name must not be blank", code="user.invalid_name")
    return cleaned


def _check_timezone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown timezone {zone!r}; use an IANA name such as 'Europe/Berlin'",
            code="user.invalid_timezone",
        ) from exc
    return zone


def list_users(
    session: Session,
    *,
    principal: Principal,
    query: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[User]:
    """Every principal may see the directory (to assign incidents, build schedules)."""
    return repo.list_users(session, query=query, limit=limit, offset=offset)


def get_user(session: Session, *, user_id: int, principal: Principal) -> User:
    return _user(session, user_id)


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None,
    principal: Principal,
    now: datetime,
) -> User:
    require_admin(principal)
    return _new_user(
        session, email=email, name=_clean_name(name), password=password, role=role, now=now
    )


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A partial update of a user; ``None`` leaves a field unchanged."""

    name: str | None = None
    role: str | None = None
    is_active: bool | None = None
    timezone: str | None = None
    password: str | None = None
    current_password: str | None = None


def update_user(
    session: Session, *, user_id: int, changes: UserChanges, principal: Principal, now: datetime
) -> User:
    """Admins change name, role, active flag and timezone of anyone; every user (observers too)
    changes their own name, timezone and password. The last active admin cannot be demoted or
    deactivated. A new password ends the user's other sessions (refresh tokens)."""
    user = _user(session, user_id)
    is_self = principal.user_id == user.id
    if not is_self:
        require_admin(principal)
    role_changes = changes.role is not None and changes.role != user.role
    if role_changes or (changes.is_active is not None and changes.is_active != user.is_active):
        require_admin(principal)
    if changes.password is not None and not is_self:
        raise PermissionDenied(
            "only the user themselves can change their password", code="user.password_self_only"
        )

    if changes.name is not None:
        user.name = _clean_name(changes.name)
    if changes.timezone is not None:
        user.timezone = _check_timezone(changes.timezone)
    new_role = changes.role if changes.role is not None else user.role
    new_active = changes.is_active if changes.is_active is not None else user.is_active
    if user.role == "admin" and user.is_active and (new_role != "admin" or not new_active):
        _keep_an_admin(session, user)
    user.role = new_role
    user.is_active = new_active
    if changes.password is not None:
        _change_password(session, user, changes.password, changes.current_password, now)
    session.flush()
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to take away the deployment's last active admin (nobody could manage it)."""
    if not [i for i in repo.lock_active_admin_ids(session) if i != user.id]:
        raise Conflict(
            f"user {user.id} is the last active admin; make another admin first",
            code="user.last_admin",
            user_id=user.id,
        )


def _change_password(
    session: Session, user: User, password: str, current: str | None, now: datetime
) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", code="user.weak_password"
        )
    if not current:
        raise InvalidInput(
            "changing the password needs current_password", code="user.current_password_required"
        )
    if not verify_password(user.password_hash, current):
        raise PermissionDenied("current_password is wrong", code="user.wrong_password")
    user.password_hash = hash_password(password)
    repo.revoke_refresh_tokens(session, user_id=user.id, now=now)


# --- teams -------------------------------------------------------------------------------------


def _team(session: Session, team_id: int) -> Team:
    team = repo.team_by_id(session, team_id)
    if team is None:
        raise NotFound(f"team {team_id} not found", code="team.not_found", team_id=team_id)
    return team


def _team_name(session: Session, name: str, *, team_id: int | None) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("team name must not be blank", code="team.invalid_name")
    existing = repo.team_by_name(session, cleaned)
    if existing is not None and existing.id != team_id:
        raise Conflict(f"a team named {cleaned!r} already exists", code="team.name_taken")
    return cleaned


def _team_detail(team: Team) -> TeamDetailOut:
    members = sorted(team.memberships, key=lambda m: (m.user.name.lower(), m.user_id))
    return TeamDetailOut(
        id=team.id,
        name=team.name,
        description=team.description,
        created_at=team.created_at,
        member_count=len(members),
        members=[_member_out(m) for m in members],
    )


def _member_out(membership: TeamMembership) -> TeamMemberOut:
    return TeamMemberOut(
        user_id=membership.user_id,
        email=membership.user.email,
        name=membership.user.name,
        role=membership.role,
    )


def list_teams(session: Session, *, principal: Principal) -> list[TeamOut]:
    return [
        TeamOut(
            id=team.id,
            name=team.name,
            description=team.description,
            created_at=team.created_at,
            member_count=count,
        )
        for team, count in repo.list_teams_with_counts(session)
    ]


def get_team(session: Session, *, team_id: int, principal: Principal) -> TeamDetailOut:
    return _team_detail(_team(session, team_id))


def create_team(
    session: Session, *, name: str, description: str, principal: Principal, now: datetime
) -> TeamDetailOut:
    require_admin(principal)
    team = Team(
        name=_team_name(session, name, team_id=None),
        description=description.strip(),
        created_at=now,
    )
    session.add(team)
    session.flush()
    return _team_detail(team)


def update_team(
    session: Session,
    *,
    team_id: int,
    name: str | None,
    description: str | None,
    principal: Principal,
) -> TeamDetailOut:
    team = _team(session, team_id)
    require_team_manager(principal, team_id)
    if name is not None:
        team.name = _team_name(session, name, team_id=team.id)
    if description is not None:
        team.description = description.strip()
    session.flush()
    return _team_detail(team)


def delete_team(session: Session, *, team_id: int, principal: Principal) -> None:
    """Only a team no service belongs to can go; its memberships go with it."""
    team = _team(session, team_id)
    require_admin(principal)
    services = repo.count_team_services(session, team_id)
    if services:
        raise Conflict(
            f"team {team_id} still owns {services} service(s); move or delete them first",
            code="team.has_services",
            team_id=team_id,
        )
    try:
        with session.begin_nested():
            session.delete(team)
            session.flush()
    except IntegrityError as exc:
        # Another context (schedules, policies) still points at the team.
        raise Conflict(
            f"team {team_id} is still referenced and cannot be deleted",
            code="team.in_use",
            team_id=team_id,
        ) from exc


def set_membership(
    session: Session, *, team_id: int, user_id: int, role: str, principal: Principal
) -> TeamMemberOut:
    """Add ``user_id`` to the team with ``role``, or change their role (admin or manager)."""
    _team(session, team_id)
    require_team_manager(principal, team_id)
    _user(session, user_id)
    current = repo.membership(session, team_id=team_id, user_id=user_id)
    if current is None:
        current = TeamMembership(team_id=team_id, user_id=user_id, role=role)
        session.add(current)
    else:
        current.role = role
    session.flush()
    session.refresh(current)
    return _member_out(current)


def remove_membership(
    session: Session, *, team_id: int, user_id: int, principal: Principal
) -> None:
    _team(session, team_id)
    require_team_manager(principal, team_id)
    current = repo.membership(session, team_id=team_id, user_id=user_id)
    if current is None:
        raise NotFound(
            f"user {user_id} is not a member of team {team_id}",
            code="team.not_member",
            team_id=team_id,
            user_id=user_id,
        )
    session.delete(current)
    session.flush()


# --- API keys ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """A freshly created key and its plain secret, which is never stored nor shown again."""

    key: ApiKey
    secret: str


def list_api_keys(
    session: Session, *, principal: Principal, user_id: int | None = None
) -> list[ApiKey]:
    """The caller's own keys; an admin may list anyone's."""
    owner = principal.user_id if user_id is None else user_id
    if owner != principal.user_id:
        require_admin(principal)
        _user(session, owner)
    return repo.api_keys_of(session, owner)


def create_api_key(
    session: Session,
    *,
    name: str,
    expires_at: datetime | None,
    principal: Principal,
    now: datetime,
) -> CreatedApiKey:
    """A key acting as the caller (observers get read-only keys: permissions follow the owner).

    A key cannot mint further keys: otherwise a leaked key could outlive its own revocation.
    """
    if principal.api_key_id is not None:
        raise PermissionDenied(
            "API keys cannot create API keys; sign in to create one",
            code="api_key.needs_session",
        )
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput("API key name must not be blank", code="api_key.invalid_name")
    if expires_at is not None:
        expires_at = ensure_utc(expires_at)
        if expires_at <= now:
            raise InvalidInput("expires_at must be in the future", code="api_key.invalid_expiry")
    secret = ids.new_api_key()
    key = ApiKey(
        user_id=principal.user_id,
        name=cleaned,
        key_digest=ids.digest(secret),
        key_prefix=secret[:API_KEY_PREFIX_LENGTH],
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return CreatedApiKey(key=key, secret=secret)


def revoke_api_key(session: Session, *, key_id: int, principal: Principal, now: datetime) -> None:
    """Revoke a key (its owner or an admin). Revoking twice keeps the first instant."""
    key = repo.api_key_by_id(session, key_id)
    if key is None or (key.user_id != principal.user_id and not principal.is_admin):
        # Someone else's key is reported as absent: ids of others' keys are not disclosed.
        raise NotFound(f"API key {key_id} not found", code="api_key.not_found", key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = now
