"""The web UI under test: the real web app over the real, live API (``web`` fixture helpers).

The web app runs in a ``TestClient`` (its own event loop) and calls the live API server of the
``api`` fixture over HTTP, as ``slar web`` does with ``API_BASE_URL``. The browser side is
plain httpx with a cookie jar, on https so that the ``Secure`` session cookie is sent back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.testclient import TestClient

from slar.settings import load_settings
from slar.web.app import create_web_app
from slar.web.connector import ApiConnector
from tests.support.harness import Account, ApiHarness

WEB_SECRET = "web-test-secret-that-is-long-enough-123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    api: ApiHarness
    _clients: list[TestClient]

    def browser(self, **env: str) -> TestClient:
        """A fresh browser (own cookie jar), not signed in; ``env``: extra settings."""
        settings = load_settings(
            {"SLAR_WEB_SECRET_KEY": WEB_SECRET, "DATABASE_URL": "sqlite://", **env}
        )
        app = create_web_app(
            settings, ApiConnector.over_network(self.api.url, 30), now=self.api.clock.now
        )
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        client.__enter__()
        self._clients.append(client)
        return client

    def signed_in(self, account: Account, **env: str) -> TestClient:
        browser = self.browser(**env)
        token = csrf_of(browser.get("/login").text)
        answer = browser.post(
            "/login",
            data={"email": account.email, "password": account.password, "csrf_token": token},
        )
        assert answer.status_code == 303, answer.text
        return browser


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(browser: TestClient, page: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """Open ``page`` like a user, then submit a form to ``action`` with the page's token."""
    token = csrf_of(browser.get(page).text)
    return browser.post(action, data={**data, "csrf_token": token})
