"""Signing in and out, the first-run screen, and the session cookie's protections."""

from __future__ import annotations

from tests.support.harness import ApiHarness
from tests.support.web import WEB_SECRET, Web, csrf_of

from slar.web.session import COOKIE, SessionCodec, WebSession, derive_key


def test_anonymous_visitors_are_sent_to_sign_in(web: Web) -> None:
    web.api.make_user("admin@example.com", role="admin")
    browser = web.browser()
    answer = browser.get("/incidents?status=resolved")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/incidents%3Fstatus%3Dresolved"


def test_sign_in_sets_a_secure_http_only_lax_cookie_and_shows_the_dashboard(web: Web) -> None:
    admin = web.api.make_user("admin@example.com", role="admin")
    browser = web.browser()
    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login", data={"email": admin.email, "password": admin.password, "csrf_token": token}
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    page = browser.get("/")
    assert page.status_code == 200
    assert "My open incidents" in page.text
    assert admin.token not in page.text and "access_token" not in page.text


def test_a_wrong_password_is_refused_with_the_apis_message(web: Web) -> None:
    admin = web.api.make_user("admin@example.com", role="admin")
    browser = web.browser()
    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login", data={"email": admin.email, "password": "wrong-password", "csrf_token": token}
    )
    assert answer.status_code == 400
    assert "flash-error" in answer.text
    assert browser.get("/").status_code == 303


def test_sign_out_ends_the_session(web: Web) -> None:
    admin = web.api.make_user("admin@example.com", role="admin")
    browser = web.signed_in(admin)
    token = csrf_of(browser.get("/").text)
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 303
    assert browser.get("/").status_code == 303


def test_first_run_creates_the_first_admin_then_closes(web: Web, api: ApiHarness) -> None:
    browser = web.browser()
    assert browser.get("/login").headers["location"] == "/setup"
    token = csrf_of(browser.get("/setup").text)
    form = {
        "name": "Ada",
        "email": "ada@example.com",
        "password": "a-long-password",
        "password_again": "a-long-password",
        "csrf_token": token,
    }
    answer = browser.post("/setup", data=form)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "Ada" in browser.get("/").text
    assert web.browser().get("/setup").headers["location"] == "/login"
    again = api.http().post(
        "/auth/setup", json={"email": "eve@example.com", "name": "Eve", "password": "x" * 10}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "setup.done"


def test_an_expired_access_token_is_refreshed_transparently(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    pair = api.http().post("/auth/login", json={"email": admin.email, "password": admin.password})
    tokens = pair.json()
    stale = WebSession(
        access_token="expired", refresh_token=tokens["refresh_token"], access_expires_at=0.0
    )
    browser = web.browser()
    codec = SessionCodec(derive_key(WEB_SECRET), 3600)
    browser.cookies.set(COOKIE, codec.encode(stale), domain="testserver.local")
    answer = browser.get("/")
    assert answer.status_code == 200, (answer.headers, browser.cookies)
    renewed = codec.decode(answer.cookies[COOKIE])
    assert renewed is not None and renewed.access_fresh()
    assert renewed.refresh_token != tokens["refresh_token"]  # rotated
    assert renewed.csrf == stale.csrf  # forms open in other tabs keep working


def test_a_tampered_cookie_is_no_session(web: Web, api: ApiHarness) -> None:
    api.make_user("admin@example.com", role="admin")
    browser = web.browser()
    browser.cookies.set(COOKIE, "gAAAAABbogus", domain="testserver.local")
    assert browser.get("/").status_code == 303
