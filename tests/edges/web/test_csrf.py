"""Every state-changing request must carry the session's CSRF token."""

from __future__ import annotations

from tests.support.harness import ApiHarness
from tests.support.web import Web, csrf_of


def _service(api: ApiHarness, token: str) -> int:
    team = api.http(token).post("/teams", json={"name": "Platform"}).json()
    return int(
        api.http(token).post("/services", json={"team_id": team["id"], "name": "web"}).json()["id"]
    )


def test_a_form_without_the_token_is_refused_and_changes_nothing(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    service_id = _service(api, admin.token)
    browser = web.signed_in(admin)
    answer = browser.post(
        f"/services/{service_id}/integrations", data={"kind": "alertmanager", "name": "x"}
    )
    assert answer.status_code == 403
    assert "This form was refused" in answer.text
    assert api.http(admin.token).get(f"/services/{service_id}/integrations").json() == []


def test_a_wrong_or_other_sessions_token_is_refused(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    service_id = _service(api, admin.token)
    mine, theirs = web.signed_in(admin), web.signed_in(admin)
    their_token = csrf_of(theirs.get("/").text)
    for token in ("forged", their_token):
        answer = mine.post(
            f"/services/{service_id}/integrations",
            data={"kind": "generic", "name": "x", "csrf_token": token},
        )
        assert answer.status_code == 403
    assert api.http(admin.token).get(f"/services/{service_id}/integrations").json() == []


def test_sign_in_itself_needs_the_token(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    answer = web.browser().post("/login", data={"email": admin.email, "password": admin.password})
    assert answer.status_code == 403


def test_the_token_changes_at_sign_in(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    browser = web.browser()
    before = csrf_of(browser.get("/login").text)
    browser.post(
        "/login", data={"email": admin.email, "password": admin.password, "csrf_token": before}
    )
    assert csrf_of(browser.get("/").text) != before


def test_the_header_token_is_accepted_for_scripts(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    service_id = _service(api, admin.token)
    browser = web.signed_in(admin)
    token = csrf_of(browser.get("/").text)
    answer = browser.post(
        f"/services/{service_id}/integrations",
        data={"kind": "generic", "name": "script"},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 303
    assert len(api.http(admin.token).get(f"/services/{service_id}/integrations").json()) == 1
