"""Composition root: the only place that builds settings, engine and adapters and wires them."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from slar.api.state import ApiState
from slar.db import Database, create_database
from slar.domain.identity import service as identity_service
from slar.domain.identity.auth import AuthConfig, resolve_signing_key
from slar.kernel.clock import Clock, SystemClock
from slar.migrations import upgrade_to_head
from slar.settings import Settings

log = logging.getLogger("slar.bootstrap")


def build_database(settings: Settings) -> Database:
    return create_database(
        settings.database.url,
        pool_size=settings.database.pool_size,
        pool_timeout=settings.database.pool_timeout,
        echo=settings.database.echo,
    )


def build_api_state(
    settings: Settings, *, db: Database | None = None, clock: Clock | None = None
) -> ApiState:
    """Everything the API needs; resolves the token signing key once."""
    db = db or build_database(settings)
    clock = clock or SystemClock()
    with db.transaction() as session:
        key = resolve_signing_key(session, configured=settings.auth.secret_key, now=clock.now())
    config = AuthConfig(
        signing_key=key,
        access_token_ttl=settings.auth.access_token_ttl,
        refresh_token_ttl=settings.auth.refresh_token_ttl,
        supabase_jwt_secret=settings.auth.supabase_jwt_secret,
        supabase_default_role=settings.auth.supabase_default_role,
    )
    return ApiState(settings=settings, db=db, clock=clock, auth=config)


def migrate(settings: Settings) -> None:
    upgrade_to_head(settings.database.url)


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    password: str


def ensure_first_admin(
    db: Database, clock: Clock, email: str = "admin@slar.local"
) -> FirstAdmin | None:
    """Create an admin with a random password when the deployment has no user at all."""
    password = secrets.token_urlsafe(12)
    with db.transaction() as session:
        created = identity_service.create_first_admin(
            session, email=email, name="Administrator", password=password, now=clock.now()
        )
    return FirstAdmin(email=email, password=password) if created else None
