"""Supabase-issued JWTs, accepted by an API started with ``SUPABASE_JWT_SECRET``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import jwt
import pytest
from tests.conftest import settings_for
from tests.support.harness import ApiHarness
from tests.support.server import LiveServer

from slar.api.app import create_api_app
from slar.bootstrap import build_api_state

SUPABASE_SECRET = "supabase-jwt-secret-for-tests-0123456789abcdef"


@pytest.fixture
def supabase_api(api: ApiHarness, database_url: str) -> Iterator[httpx.Client]:
    """A second live API on the same database and clock, with Supabase tokens enabled."""
    settings = settings_for(database_url, SUPABASE_JWT_SECRET=SUPABASE_SECRET)
    state = build_api_state(settings, db=api.db, clock=api.clock)
    server = LiveServer(create_api_app(state)).start()
    client = httpx.Client(base_url=server.url, timeout=30)
    yield client
    client.close()
    server.stop()


def _token(
    api: ApiHarness,
    *,
    sub: str,
    email: str,
    aud: str = "authenticated",
    secret: str = SUPABASE_SECRET,
    ttl: timedelta = timedelta(hours=1),
) -> str:
    now = api.clock.now()
    claims = {
        "sub": sub,
        "aud": aud,
        "email": email,
        "role": "authenticated",
        "iss": "https://project.supabase.co/auth/v1",
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "user_metadata": {"full_name": "Sam Supa"},
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_first_supabase_request_creates_a_responder(
    api: ApiHarness, supabase_api: httpx.Client
) -> None:
    sub = str(uuid.uuid4())
    token = _token(api, sub=sub, email="Sam@Example.com")
    first = _me(supabase_api, token)
    assert first.status_code == 200, first.text
    me = first.json()
    assert me["email"] == "sam@example.com"
    assert me["name"] == "Sam Supa"
    assert me["role"] == "responder"
    assert me["via_api_key"] is False

    again = _me(supabase_api, token)
    assert again.json()["id"] == me["id"]  # the same user, not a second one

    admin = api.make_user("root@example.com", role="admin")
    users = api.http(admin.token).get("/users", params={"q": "sam@"}).json()
    assert [u["id"] for u in users] == [me["id"]]

    # The server without SUPABASE_JWT_SECRET does not accept the token.
    assert api.http(token).get("/auth/me").status_code == 401


def test_bad_supabase_tokens_are_refused(api: ApiHarness, supabase_api: httpx.Client) -> None:
    sub = str(uuid.uuid4())
    cases = {
        "wrong audience": _token(api, sub=sub, email="a@example.com", aud="anon-key"),
        "expired": _token(api, sub=sub, email="a@example.com", ttl=timedelta(seconds=-5)),
        "wrong secret": _token(
            api, sub=sub, email="a@example.com", secret="another-secret-0123456789abcdef-xyz"
        ),
    }
    for label, token in cases.items():
        refused = _me(supabase_api, token)
        assert refused.status_code == 401, label
        assert refused.json()["error"]["code"] in ("auth.invalid_token", "auth.token_expired")

    # None of them created an account.
    admin = api.make_user("root@example.com", role="admin")
    assert [u["email"] for u in api.http(admin.token).get("/users").json()] == ["root@example.com"]

    # A token valid now is refused once the harness clock passes its expiry.
    token = _token(api, sub=sub, email="a@example.com", ttl=timedelta(minutes=5))
    assert _me(supabase_api, token).status_code == 200
    api.advance(minutes=6)
    late = _me(supabase_api, token)
    assert late.status_code == 401
    assert late.json()["error"]["code"] == "auth.token_expired"
