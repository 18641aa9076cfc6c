"""A newcomer's path in a real browser against a real ``slar serve``.

Sign in with the printed admin → create a team and a service with an Alertmanager integration →
POST a real Alertmanager payload to the URL the page shows → the incident appears on the open
list without a reload → acknowledge it → the timeline says who did. Plus: a form without its
CSRF token is refused, and an observer sees no write buttons and cannot post. Every page visited
is screenshotted (desktop, and the incident list on a phone-sized screen).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.web.conftest import Serve

from slar.web.views.snippets import sample_alertmanager_payload

pytestmark = pytest.mark.timeout(240)
TIMEOUT_MS = 15_000


class Flow:
    def __init__(self, page: Any, serve: Serve, shots: Path, backend: str) -> None:
        self.page, self.serve, self.shots, self.backend = page, serve, shots, backend

    def go(self, path: str) -> None:
        self.page.goto(self.serve.url + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.backend}-{name}.png"), full_page=True)

    def sign_in(self, email: str, password: str) -> None:
        self.go("/login")
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.serve.url + "/")


def test_alert_to_acknowledged_incident(browser: Any, serve: Serve, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    flow = Flow(context.new_page(), serve, shots, serve.backend)
    page = flow.page
    page.set_default_timeout(TIMEOUT_MS)

    flow.go("/")
    assert page.url.startswith(serve.url + "/login")
    flow.shot("login")
    flow.sign_in(serve.admin_email, serve.admin_password)
    cookie = next(c for c in context.cookies() if c["name"] == "slar_session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    flow.shot("dashboard-empty")

    flow.go("/teams")
    page.get_by_role("region", name="New team").get_by_label("Name").fill("Platform")
    page.get_by_role("button", name="Create team").click()
    page.wait_for_url("**/teams/*")

    flow.go("/services")
    page.get_by_role("region", name="New service").get_by_label("Name").fill("checkout-api")
    page.get_by_role("button", name="Create service").click()
    page.wait_for_url("**/services/*")
    page.get_by_label("Add an integration").select_option("alertmanager")
    page.locator("#integrations").get_by_label("Name").fill("Prometheus")
    page.get_by_role("button", name="Add integration").click()
    url_box = page.locator("input.integration-url").first
    ingest_url = url_box.input_value()
    assert ingest_url.startswith(serve.url + "/api/integrations/")
    assert ingest_url.endswith("/alertmanager")
    flow.shot("service-integration")

    flow.go("/incidents")
    page.evaluate("window.__noReload = true")
    flow.shot("incidents-empty")
    sent = httpx.post(ingest_url, json=sample_alertmanager_payload("Disk almost full on db-1"))
    assert sent.status_code == 202, sent.text
    row = page.get_by_role("link", name="Disk almost full on db-1")
    row.wait_for()
    assert page.evaluate("window.__noReload") is True  # it came without a reload
    flow.shot("incidents")

    row.click()
    page.wait_for_url("**/incidents/*")
    flow.shot("incident-triggered")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.locator("#incident-status").inner_text() == "acknowledged"
    timeline = page.locator("#timeline").inner_text()
    assert "Administrator" in timeline and "acknowledged" in timeline.lower()
    flow.shot("incident-acknowledged")

    for path, name in (
        ("/", "dashboard"),
        ("/schedules", "schedules"),
        ("/escalation-policies", "escalation"),
        ("/teams", "teams"),
        ("/profile", "profile"),
        ("/admin", "admin"),
        ("/monitors", "monitors"),
        ("/runbooks", "runbooks"),
    ):
        flow.go(path)
        assert page.locator("h1").first.is_visible()
        flow.shot(name)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.add_cookies(context.cookies())
    phone_flow = Flow(phone.new_page(), serve, shots, flow.backend)
    phone_flow.go("/incidents")
    phone_flow.page.get_by_role("link", name="Disk almost full on db-1").wait_for()
    phone_flow.shot("phone-incidents")
    phone.close()

    # A form whose CSRF token was removed is refused, and nothing changes.
    flow.go("/services")
    page.locator('form[action="/services"] input[name="csrf_token"]').evaluate("e => e.remove()")
    page.get_by_role("region", name="New service").get_by_label("Name").fill("sneaky")
    page.get_by_role("button", name="Create service").click()
    assert "This form was refused" in page.content()
    flow.shot("csrf-refused")
    flow.go("/services")
    assert "sneaky" not in page.content()

    # An observer: made through the UI, sees no write buttons, and a forged post changes nothing.
    flow.go("/teams")
    new_user = page.get_by_role("region", name="New user")
    new_user.get_by_label("E-mail").fill("otto@example.com")
    new_user.get_by_label("Name").fill("Otto Observer")
    new_user.get_by_label("Role").select_option("observer")
    new_user.get_by_label("Password").fill("otto-password")
    page.get_by_role("button", name="Create user").click()
    page.wait_for_load_state()
    assert "User otto@example.com created." in page.content()
    incident_path = "/incidents/1"
    context.close()

    observer = browser.new_context(viewport={"width": 1280, "height": 900})
    o_flow = Flow(observer.new_page(), serve, shots, flow.backend)
    o_flow.page.set_default_timeout(TIMEOUT_MS)
    o_flow.sign_in("otto@example.com", "otto-password")
    o_flow.go(incident_path)
    o_page = o_flow.page
    assert o_page.get_by_role("button", name="Resolve").count() == 0
    assert o_page.get_by_role("button", name="Un-acknowledge").count() == 0
    o_flow.shot("observer-incident")
    status = o_page.evaluate(
        """async (path) => {
            const token = document.querySelector('input[name="csrf_token"]').value;
            const body = new URLSearchParams({csrf_token: token});
            const r = await fetch(path + '/resolve', {method: 'POST', body});
            return r.status;
        }""",
        incident_path,
    )
    assert status == 200  # the redirect back, with the API's refusal as a flash message
    o_flow.go(incident_path)
    assert o_page.locator("#incident-status").inner_text() == "acknowledged"
    observer.close()
