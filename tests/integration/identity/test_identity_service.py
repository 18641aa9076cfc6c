"""Identity services on a real database: permissions, invariants and what gets stored."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from slar.db import Database
from slar.domain.identity import repository as repo
from slar.domain.identity import service
from slar.domain.identity.models import ApiKey, RefreshToken, User
from slar.domain.identity.passwords import verify_password
from slar.domain.identity.rules import Principal
from slar.kernel import ids
from slar.kernel.clock import FakeClock
from slar.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied


def _principal(user: User) -> Principal:
    return repo.principal_for(user)


def _make(db: Database, clock: FakeClock, email: str, role: str) -> int:
    with db.transaction() as session:
        user = service.create_user_unchecked(
            session, email=email, name=email, password="password one", role=role, now=clock.now()
        )
        return user.id


def test_create_first_admin_only_once(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        assert service.create_first_admin(
            session, email="a@example.com", name="A", password="password one", now=clock.now()
        )
        assert not service.create_first_admin(
            session, email="b@example.com", name="B", password="password one", now=clock.now()
        )
        assert repo.count_admins(session) == 1


def test_racing_first_runs_create_one_admin(db: Database, clock: FakeClock) -> None:
    """Two first-run requests at once (``POST /auth/setup`` is public): the second waits for
    the first to commit, then finds a user and creates nothing."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race needs PostgreSQL")
    created_first = threading.Event()
    finish_first = threading.Event()
    results: dict[str, bool] = {}

    def first() -> None:
        with db.transaction() as session:
            results["a"] = service.create_first_admin(
                session, email="a@example.com", name="A", password="password one", now=clock.now()
            )
            created_first.set()
            finish_first.wait(5)

    def second() -> None:
        with db.transaction() as session:
            results["b"] = service.create_first_admin(
                session, email="b@example.com", name="B", password="password one", now=clock.now()
            )

    one = threading.Thread(target=first)
    one.start()
    assert created_first.wait(5)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive()  # waiting for the first to end
    finish_first.set()
    one.join(5)
    two.join(5)
    assert results == {"a": True, "b": False}
    with db.read() as session:
        assert repo.count_users(session) == 1


def test_create_user_needs_admin_and_unique_email(db: Database, clock: FakeClock) -> None:
    admin_id = _make(db, clock, "root@example.com", "admin")
    resp_id = _make(db, clock, "resp@example.com", "responder")
    with db.transaction() as session:
        admin = _principal(session.get_one(User, admin_id))
        responder = _principal(session.get_one(User, resp_id))
        with pytest.raises(PermissionDenied):
            service.create_user(
                session,
                email="x@example.com",
                name="X",
                role="responder",
                password=None,
                principal=responder,
                now=clock.now(),
            )
        user = service.create_user(
            session,
            email=" X@Example.com ",
            name="  X  ",
            role="observer",
            password=None,
            principal=admin,
            now=clock.now(),
        )
        assert (user.email, user.name, user.password_hash) == ("x@example.com", "X", None)
        with pytest.raises(Conflict) as taken:
            service.create_user(
                session,
                email="x@example.com",
                name="X",
                role="observer",
                password=None,
                principal=admin,
                now=clock.now(),
            )
        assert taken.value.code == "user.email_taken"
        with pytest.raises(InvalidInput):
            service.create_user(
                session,
                email="y@example.com",
                name="   ",
                role="observer",
                password=None,
                principal=admin,
                now=clock.now(),
            )


def test_password_change_rehashes_and_revokes_refresh_tokens(
    db: Database, clock: FakeClock
) -> None:
    user_id = _make(db, clock, "u@example.com", "observer")
    with db.transaction() as session:
        session.add(
            RefreshToken(
                user_id=user_id,
                token_digest=ids.digest("refresh"),
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(days=1),
            )
        )
    clock.advance(timedelta(minutes=3))
    with db.transaction() as session:
        me = _principal(session.get_one(User, user_id))
        service.update_user(
            session,
            user_id=user_id,
            changes=service.UserChanges(password="password two", current_password="password one"),
            principal=me,
            now=clock.now(),
        )
    with db.transaction() as session:
        user = session.get_one(User, user_id)
        assert verify_password(user.password_hash, "password two")
        assert not verify_password(user.password_hash, "password one")
        token = repo.refresh_token_by_digest(session, ids.digest("refresh"))
        assert token is not None
        assert token.revoked_at == clock.now()


def test_last_admin_guard(db: Database, clock: FakeClock) -> None:
    admin_id = _make(db, clock, "root@example.com", "admin")
    with db.transaction() as session:
        admin = _principal(session.get_one(User, admin_id))
        for changes in (service.UserChanges(role="observer"), service.UserChanges(is_active=False)):
            with pytest.raises(Conflict) as last:
                service.update_user(
                    session, user_id=admin_id, changes=changes, principal=admin, now=clock.now()
                )
            assert last.value.code == "user.last_admin"
        # Renaming the last admin is fine.
        service.update_user(
            session,
            user_id=admin_id,
            changes=service.UserChanges(name="Boss", role="admin", is_active=True),
            principal=admin,
            now=clock.now(),
        )
    with db.transaction() as session:
        stored = session.get_one(User, admin_id)
        assert (stored.name, stored.role, stored.is_active) == ("Boss", "admin", True)


def test_api_key_stores_only_digest_and_revocation(db: Database, clock: FakeClock) -> None:
    owner_id = _make(db, clock, "o@example.com", "observer")
    other_id = _make(db, clock, "p@example.com", "responder")
    with db.transaction() as session:
        owner = _principal(session.get_one(User, owner_id))
        created = service.create_api_key(
            session, name=" cli ", expires_at=None, principal=owner, now=clock.now()
        )
        key_id = created.key.id
    with db.transaction() as session:
        stored = session.get_one(ApiKey, key_id)
        assert stored.name == "cli"
        assert stored.key_digest == ids.digest(created.secret)
        assert stored.key_prefix == created.secret[:12]
        other = _principal(session.get_one(User, other_id))
        with pytest.raises(NotFound):
            service.revoke_api_key(session, key_id=key_id, principal=other, now=clock.now())
        with pytest.raises(PermissionDenied):
            service.list_api_keys(session, principal=other, user_id=owner_id)
    clock.advance(timedelta(minutes=1))
    with db.transaction() as session:
        owner = _principal(session.get_one(User, owner_id))
        service.revoke_api_key(session, key_id=key_id, principal=owner, now=clock.now())
        first = clock.now()
    clock.advance(timedelta(minutes=1))
    with db.transaction() as session:
        owner = _principal(session.get_one(User, owner_id))
        service.revoke_api_key(session, key_id=key_id, principal=owner, now=clock.now())
        [key] = service.list_api_keys(session, principal=owner)
        assert key.revoked_at == first


def test_team_membership_by_manager(db: Database, clock: FakeClock) -> None:
    admin_id = _make(db, clock, "root@example.com", "admin")
    manager_id = _make(db, clock, "m@example.com", "responder")
    member_id = _make(db, clock, "n@example.com", "responder")
    with db.transaction() as session:
        admin = _principal(session.get_one(User, admin_id))
        team = service.create_team(
            session, name=" Core ", description="", principal=admin, now=clock.now()
        )
        assert team.name == "Core"
        service.set_membership(
            session, team_id=team.id, user_id=manager_id, role="manager", principal=admin
        )
    with db.transaction() as session:
        manager = _principal(session.get_one(User, manager_id))
        member = service.set_membership(
            session, team_id=team.id, user_id=member_id, role="member", principal=manager
        )
        assert (member.email, member.role) == ("n@example.com", "member")
        with pytest.raises(NotFound) as no_user:
            service.set_membership(
                session, team_id=team.id, user_id=9999, role="member", principal=manager
            )
        assert no_user.value.code == "user.not_found"
    with db.transaction() as session:
        plain = _principal(session.get_one(User, member_id))
        with pytest.raises(PermissionDenied):
            service.remove_membership(session, team_id=team.id, user_id=manager_id, principal=plain)
        [summary] = service.list_teams(session, principal=plain)
        assert summary.member_count == 2
