"""The assistant page: shown only with a model provider; its token needs the CSRF header."""

from __future__ import annotations

from tests.support.harness import ApiHarness
from tests.support.web import Web, csrf_of

AI = {"ANTHROPIC_API_KEY": "sk-test-not-used"}


def test_without_a_provider_there_is_no_assistant_page_or_link(web: Web, api: ApiHarness) -> None:
    browser = web.signed_in(api.make_user("rita@example.com"))
    assert 'href="/chat"' not in browser.get("/").text
    assert browser.get("/chat").status_code == 404


def test_the_chat_page_and_its_token(web: Web, api: ApiHarness) -> None:
    rita = api.make_user("rita@example.com")
    browser = web.signed_in(rita, **AI)
    page = browser.get("/chat")
    assert page.status_code == 200 and 'href="/chat"' in page.text
    assert "/static/chat.js" in page.text
    assert browser.post("/chat/token").status_code == 403
    answer = browser.post("/chat/token", headers={"X-CSRF-Token": csrf_of(page.text)})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    token = answer.json()["token"]
    assert token not in page.text
    assert api.http(token).get("/auth/me").json()["email"] == rita.email
