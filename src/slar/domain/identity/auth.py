"""Authentication: login, refresh, and turning a bearer credential into a ``Principal``.

A bearer credential is one of: a SLAR access token (JWT, ``iss=slar``), a Supabase access token
(JWT, accepted only when ``SUPABASE_JWT_SECRET`` is set; first sight creates the user), or an
API key (``slar_...``, looked up by digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slar.domain.identity import repository as repo
from slar.domain.identity import tokens
from slar.domain.identity.models import RefreshToken, User
from slar.domain.identity.passwords import verify_password
from slar.domain.identity.rules import Principal
from slar.kernel import ids
from slar.kernel.errors import Unauthenticated

SIGNING_KEY_NAME = "jwt_signing_key"


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """What authentication needs from settings, resolved once at start-up."""

    signing_key: str
    access_token_ttl: int
    refresh_token_ttl: int
    supabase_jwt_secret: str | None = None
    supabase_default_role: str = "responder"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret


def resolve_signing_key(session: Session, *, configured: str | None, now: datetime) -> str:
    """``SLAR_SECRET_KEY`` if set, else the deployment's generated key (shared by replicas)."""
    if configured:
        return configured
    return repo.get_or_create_secret(
        session, SIGNING_KEY_NAME, ids.new_token() + ids.new_token(), now
    )


def _issue(session: Session, user: User, config: AuthConfig, now: datetime) -> TokenPair:
    refresh = ids.new_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_digest=ids.digest(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=config.refresh_token_ttl),
        )
    )
    access = tokens.issue_access_token(
        user_id=user.id, key=config.signing_key, now=now, ttl_seconds=config.access_token_ttl
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=config.access_token_ttl)


def login(
    session: Session, *, email: str, password: str, config: AuthConfig, now: datetime
) -> TokenPair:
    user = repo.user_by_email(session, email)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Unauthenticated("email or password is wrong", code="auth.bad_credentials")
    user.last_login_at = now
    return _issue(session, user, config, now)


def refresh(
    session: Session, *, refresh_token: str, config: AuthConfig, now: datetime
) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token stops working (rotation)."""
    stored = repo.refresh_token_by_digest(session, ids.digest(refresh_token))
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise Unauthenticated("refresh token is invalid or expired", code="auth.invalid_refresh")
    user = repo.user_by_id(session, stored.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("account is disabled", code="auth.disabled")
    stored.revoked_at = now
    return _issue(session, user, config, now)


def logout(session: Session, *, refresh_token: str, now: datetime) -> None:
    stored = repo.refresh_token_by_digest(session, ids.digest(refresh_token))
    if stored is not None and stored.revoked_at is None:
        stored.revoked_at = now


def authenticate(
    session: Session, *, credential: str, config: AuthConfig, now: datetime
) -> Principal:
    """The principal behind a bearer credential, or ``Unauthenticated``."""
    credential = credential.strip()
    if not credential:
        raise Unauthenticated("missing credentials")
    if credential.startswith(ids.API_KEY_PREFIX):
        return _authenticate_api_key(session, credential, now)
    issuer = tokens.peek_issuer(credential)
    if issuer == tokens.ISSUER:
        user_id = tokens.decode_access_token(credential, key=config.signing_key, now=now)
        user = repo.user_by_id(session, user_id)
    elif config.supabase_jwt_secret:
        identity = tokens.decode_supabase_token(
            credential, secret=config.supabase_jwt_secret, now=now
        )
        user = _supabase_user(session, identity, config, now)
    else:
        raise Unauthenticated("token is invalid", code="auth.invalid_token")
    if user is None or not user.is_active:
        raise Unauthenticated("account is unknown or disabled", code="auth.disabled")
    return repo.principal_for(user)


def _authenticate_api_key(session: Session, credential: str, now: datetime) -> Principal:
    key = repo.api_key_by_digest(session, ids.digest(credential))
    if key is None:
        raise Unauthenticated("API key is invalid", code="auth.invalid_api_key")
    if key.revoked_at is not None:
        raise Unauthenticated("API key has been revoked", code="auth.revoked_api_key")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated("API key has expired", code="auth.expired_api_key")
    user = repo.user_by_id(session, key.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("account is disabled", code="auth.disabled")
    # Recording use costs a write; do it at most once a minute per key.
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now
    return repo.principal_for(user, api_key_id=key.id)


def _supabase_user(
    session: Session, identity: tokens.SupabaseIdentity, config: AuthConfig, now: datetime
) -> User:
    user = repo.user_by_external_id(session, identity.subject)
    if user is not None:
        return user
    user = repo.user_by_email(session, identity.email)
    if user is not None and user.external_id is None:
        # Supabase is the configured identity provider: it vouches for the address.
        user.external_id = identity.subject
        return user
    user = User(
        email=identity.email,
        name=identity.name,
        role=config.supabase_default_role,
        external_id=identity.subject,
        is_active=True,
        timezone="UTC",
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user
