"""Users through real HTTP: the directory, admin-only creation, self-service profile changes,
and the guard that keeps at least one active admin."""

from __future__ import annotations

from tests.support.harness import ApiHarness


def test_admin_creates_lists_and_changes_users(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    http = api.http(admin.token)

    created = http.post(
        "/users",
        json={
            "email": "Carol@Example.com",
            "name": "Carol Danvers",
            "role": "observer",
            "password": "a long password",
        },
    )
    assert created.status_code == 201, created.text
    carol = created.json()
    assert carol["email"] == "carol@example.com"
    assert carol["role"] == "observer"
    assert carol["is_active"] is True
    assert "password" not in carol
    assert "password_hash" not in carol

    # The new user can sign in with the password the admin set.
    login = api.http().post(
        "/auth/login", json={"email": "carol@example.com", "password": "a long password"}
    )
    assert login.status_code == 200

    duplicate = http.post(
        "/users", json={"email": "carol@example.com", "name": "Other", "role": "responder"}
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "user.email_taken"

    short = http.post("/users", json={"email": "d@example.com", "name": "D", "password": "short"})
    assert short.status_code == 422
    assert "password" in short.json()["error"]["message"]

    everyone = http.get("/users")
    assert everyone.status_code == 200
    assert {u["email"] for u in everyone.json()} == {"root@example.com", "carol@example.com"}
    found = http.get("/users", params={"q": "DANV"}).json()
    assert [u["email"] for u in found] == ["carol@example.com"]
    assert http.get("/users", params={"q": "%"}).json() == []  # LIKE wildcards are literal

    patched = http.patch(
        f"/users/{carol['id']}",
        json={"name": "Captain Marvel", "role": "responder", "timezone": "Europe/Berlin"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Captain Marvel"
    assert patched.json()["role"] == "responder"
    assert patched.json()["timezone"] == "Europe/Berlin"
    assert http.get(f"/users/{carol['id']}").json()["role"] == "responder"

    deactivated = http.patch(f"/users/{carol['id']}", json={"is_active": False})
    assert deactivated.json()["is_active"] is False
    refused = api.http().post(
        "/auth/login", json={"email": "carol@example.com", "password": "a long password"}
    )
    assert refused.status_code == 401

    missing = http.get("/users/9999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "user.not_found"


def test_responders_and_observers_cannot_create_or_change_others(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    for role in ("responder", "observer"):
        account = api.make_user(f"{role}@example.com", role=role)
        http = api.http(account.token)
        assert http.get("/users").status_code == 200  # everyone may read the directory
        denied = http.post(
            "/users", json={"email": f"new-{role}@example.com", "name": "New", "role": "admin"}
        )
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "auth.admin_required"

        other = http.patch(f"/users/{admin.id}", json={"name": "Hacked"})
        assert other.status_code == 403
        promote = http.patch(f"/users/{account.id}", json={"role": "admin"})
        assert promote.status_code == 403
        assert promote.json()["error"]["code"] == "auth.admin_required"

    assert api.http(admin.token).get(f"/users/{admin.id}").json()["name"] == "Root"


def test_observer_edits_own_profile_and_password(api: ApiHarness) -> None:
    olive = api.make_user("olive@example.com", role="observer")
    http = api.http(olive.token)

    own = http.patch(f"/users/{olive.id}", json={"name": "Olive Oyl", "timezone": "Asia/Tokyo"})
    assert own.status_code == 200, own.text
    assert own.json()["name"] == "Olive Oyl"
    assert own.json()["timezone"] == "Asia/Tokyo"
    # Sending one's unchanged role along with the profile (a whole form) is fine.
    same_role = http.patch(f"/users/{olive.id}", json={"name": "Olive", "role": "observer"})
    assert same_role.status_code == 200

    bad_zone = http.patch(f"/users/{olive.id}", json={"timezone": "Mars/Olympus_Mons"})
    assert bad_zone.status_code == 400
    assert bad_zone.json()["error"]["code"] == "user.invalid_timezone"

    no_current = http.patch(f"/users/{olive.id}", json={"password": "brand new password"})
    assert no_current.status_code == 400
    assert no_current.json()["error"]["code"] == "user.current_password_required"
    wrong = http.patch(
        f"/users/{olive.id}",
        json={"password": "brand new password", "current_password": "not my password"},
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "user.wrong_password"

    old_session = api.http().post(
        "/auth/login", json={"email": olive.email, "password": olive.password}
    )
    changed = http.patch(
        f"/users/{olive.id}",
        json={"password": "brand new password", "current_password": olive.password},
    )
    assert changed.status_code == 200, changed.text

    anon = api.http()
    old = anon.post("/auth/login", json={"email": olive.email, "password": olive.password})
    assert old.status_code == 401
    new = anon.post("/auth/login", json={"email": olive.email, "password": "brand new password"})
    assert new.status_code == 200
    # Sessions opened before the change cannot be refreshed any more.
    stale = anon.post("/auth/refresh", json={"refresh_token": old_session.json()["refresh_token"]})
    assert stale.status_code == 401


def test_admin_cannot_set_someone_elses_password(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    bob = api.make_user("bob@example.com")
    resp = api.http(admin.token).patch(
        f"/users/{bob.id}", json={"password": "chosen by admin", "current_password": "x"}
    )
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "user.password_self_only"


def test_last_active_admin_cannot_be_demoted_or_deactivated(api: ApiHarness) -> None:
    first = api.make_user("first@example.com", role="admin")
    http = api.http(first.token)

    for change in ({"role": "responder"}, {"is_active": False}):
        refused = http.patch(f"/users/{first.id}", json=change)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "user.last_admin"
    assert http.get(f"/users/{first.id}").json()["role"] == "admin"

    # With a second active admin the first may step down...
    second = api.make_user("second@example.com", role="admin")
    stepped_down = http.patch(f"/users/{first.id}", json={"role": "responder"})
    assert stepped_down.status_code == 200
    # ...and then the second is the last one.
    last = api.http(second.token).patch(f"/users/{second.id}", json={"is_active": False})
    assert last.status_code == 409
    assert last.json()["error"]["code"] == "user.last_admin"

    # An inactive admin does not count as the remaining admin.
    third = api.make_user("third@example.com", role="admin")
    assert (
        api.http(second.token).patch(f"/users/{third.id}", json={"is_active": False}).status_code
        == 200
    )
    again = api.http(second.token).patch(f"/users/{second.id}", json={"role": "observer"})
    assert again.status_code == 409


def test_identity_routes_refuse_anonymous_callers(api: ApiHarness) -> None:
    anonymous = api.http()
    for method, path in [
        ("GET", "/users"),
        ("POST", "/users"),
        ("GET", "/users/1"),
        ("PATCH", "/users/1"),
        ("GET", "/teams"),
        ("POST", "/teams"),
        ("GET", "/teams/1"),
        ("PATCH", "/teams/1"),
        ("DELETE", "/teams/1"),
        ("PUT", "/teams/1/members/1"),
        ("DELETE", "/teams/1/members/1"),
        ("GET", "/api-keys"),
        ("POST", "/api-keys"),
        ("DELETE", "/api-keys/1"),
    ]:
        response = anonymous.request(method, path, json={})
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
