"""API keys through real HTTP: shown once, usable as a bearer credential, revocable."""

from __future__ import annotations

from datetime import timedelta

from tests.support.harness import ApiHarness

from slar.domain.identity.models import ApiKey
from slar.kernel import ids


def test_api_key_lifecycle(api: ApiHarness) -> None:
    alice = api.make_user("alice@example.com")
    http = api.http(alice.token)

    created = http.post("/api-keys", json={"name": "ci pipeline"})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["key"]
    assert secret.startswith("slar_")
    assert body["key_prefix"] == secret[:12]
    assert body["name"] == "ci pipeline"
    assert body["user_id"] == alice.id
    assert body["created_at"].startswith("2026-03-02T09:00:00")

    # Only the digest is stored.
    with api.db.transaction() as session:
        stored = session.get(ApiKey, body["id"])
        assert stored is not None
        assert stored.key_digest == ids.digest(secret)
        assert secret not in (stored.key_digest, stored.key_prefix)

    as_key = api.http(secret)
    me = as_key.get("/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "alice@example.com"
    assert me.json()["via_api_key"] is True

    listed = http.get("/api-keys")
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["id"] == body["id"]
    assert entry["key_prefix"] == secret[:12]
    assert entry["last_used_at"] is not None
    assert "key" not in entry
    assert secret not in listed.text

    assert http.delete(f"/api-keys/{body['id']}").status_code == 204
    revoked = as_key.get("/auth/me")
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "auth.revoked_api_key"
    [entry] = http.get("/api-keys").json()
    assert entry["revoked_at"] is not None
    assert http.delete(f"/api-keys/{body['id']}").status_code == 204  # idempotent


def test_keys_are_private_to_their_owner_except_for_admins(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    alice = api.make_user("alice@example.com")
    mallory = api.make_user("mallory@example.com")
    key = api.http(alice.token).post("/api-keys", json={"name": "laptop"}).json()

    as_mallory = api.http(mallory.token)
    assert as_mallory.get("/api-keys").json() == []
    peek = as_mallory.get("/api-keys", params={"user_id": alice.id})
    assert peek.status_code == 403
    steal = as_mallory.delete(f"/api-keys/{key['id']}")
    assert steal.status_code == 404
    assert steal.json()["error"]["code"] == "api_key.not_found"
    assert api.http(key["key"]).get("/auth/me").status_code == 200

    as_admin = api.http(admin.token)
    seen = as_admin.get("/api-keys", params={"user_id": alice.id})
    assert [k["name"] for k in seen.json()] == ["laptop"]
    assert as_admin.delete(f"/api-keys/{key['id']}").status_code == 204
    assert api.http(key["key"]).get("/auth/me").status_code == 401


def test_observer_key_is_read_only_and_keys_cannot_mint_keys(api: ApiHarness) -> None:
    olive = api.make_user("olive@example.com", role="observer")
    created = api.http(olive.token).post("/api-keys", json={"name": "dashboards"})
    assert created.status_code == 201
    as_key = api.http(created.json()["key"])
    assert as_key.get("/users").status_code == 200
    write = as_key.post("/teams", json={"name": "Nope"})
    assert write.status_code == 403
    minted = as_key.post("/api-keys", json={"name": "another"})
    assert minted.status_code == 403
    assert minted.json()["error"]["code"] == "api_key.needs_session"


def test_expiring_key(api: ApiHarness) -> None:
    alice = api.make_user("alice@example.com")
    http = api.http(alice.token)
    past = http.post(
        "/api-keys",
        json={"name": "old", "expires_at": (api.clock.now() - timedelta(hours=1)).isoformat()},
    )
    assert past.status_code == 400
    assert past.json()["error"]["code"] == "api_key.invalid_expiry"

    soon = api.clock.now() + timedelta(hours=1)
    created = http.post("/api-keys", json={"name": "temp", "expires_at": soon.isoformat()})
    assert created.status_code == 201
    as_key = api.http(created.json()["key"])
    assert as_key.get("/auth/me").status_code == 200
    api.advance(hours=2)
    expired = as_key.get("/auth/me")
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "auth.expired_api_key"


def test_unknown_key_is_refused(api: ApiHarness) -> None:
    refused = api.http(ids.new_api_key()).get("/auth/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "auth.invalid_api_key"
