"""Login, refresh rotation, logout and token checks through real HTTP."""

from __future__ import annotations

import jwt
from tests.support.harness import ApiHarness


def test_login_me_refresh_and_logout(api: ApiHarness) -> None:
    alice = api.make_user("alice@example.com", role="responder")
    anon = api.http()
    bad = anon.post("/auth/login", json={"email": alice.email, "password": "wrong password"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "auth.bad_credentials"

    tokens = anon.post("/auth/login", json={"email": alice.email, "password": alice.password})
    assert tokens.status_code == 200, tokens.text
    pair = tokens.json()
    me = api.http(pair["access_token"]).get("/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"
    assert me.json()["via_api_key"] is False

    rotated = anon.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert rotated.status_code == 200
    # The old refresh token was rotated out and no longer works.
    again = anon.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 401

    new_pair = rotated.json()
    out = api.http(new_pair["access_token"]).post(
        "/auth/logout", json={"refresh_token": new_pair["refresh_token"]}
    )
    assert out.status_code == 204
    assert (
        anon.post("/auth/refresh", json={"refresh_token": new_pair["refresh_token"]}).status_code
        == 401
    )


def test_expired_and_wrongly_signed_tokens_are_refused(api: ApiHarness) -> None:
    bob = api.make_user("bob@example.com")
    assert api.http(bob.token).get("/auth/me").status_code == 200
    api.advance(minutes=16)  # access tokens live 15 minutes
    expired = api.http(bob.token).get("/auth/me")
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "auth.token_expired"

    forged = jwt.encode(
        {
            "sub": str(bob.id),
            "iss": "slar",
            "aud": "slar",
            "typ": "access",
            "exp": int(api.clock.now().timestamp()) + 600,
        },
        "some-other-secret-that-is-long-enough-to-sign",
        algorithm="HS256",
    )
    refused = api.http(forged).get("/auth/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.invalid_token"


def test_the_first_admin_of_a_fresh_install_can_sign_in(api: ApiHarness) -> None:
    from slar.bootstrap import ensure_first_admin

    admin = ensure_first_admin(api.db, api.clock)
    assert admin is not None
    assert admin.email == "admin@slar.local"  # a special-use domain: must still be accepted
    signed_in = api.http().post(
        "/auth/login", json={"email": admin.email, "password": admin.password}
    )
    assert signed_in.status_code == 200, signed_in.text
    assert ensure_first_admin(api.db, api.clock) is None  # only ever once
