"""The forms do what they say: each one changes what the API then reports."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.support.harness import Account, ApiHarness
from tests.support.web import Web, post_form

from slar.web.views.snippets import sample_alertmanager_payload


@pytest.fixture
def admin(api: ApiHarness) -> Account:
    return api.make_user("admin@example.com", role="admin")


def _follow(browser: Any, answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text[:500]
    return str(browser.get(answer.headers["location"]).text)


def test_team_service_integration_and_an_alert_through_the_shown_url(
    web: Web, api: ApiHarness, admin: Account
) -> None:
    browser = web.signed_in(admin)
    _follow(browser, post_form(browser, "/teams", "/teams", {"name": "Platform"}))
    team_id = api.http(admin.token).get("/teams").json()[0]["id"]
    html = _follow(
        browser,
        post_form(
            browser,
            "/services",
            "/services",
            {"name": "checkout", "team_id": team_id, "urgency": "low", "description": "Shop"},
        ),
    )
    service = api.http(admin.token).get("/services").json()[0]
    assert (service["name"], service["urgency"], service["description"]) == (
        "checkout",
        "low",
        "Shop",
    )
    assert "Service checkout created" in html
    page = f"/services/{service['id']}"
    html = _follow(
        browser,
        post_form(browser, page, f"{page}/integrations", {"kind": "alertmanager", "name": "Prom"}),
    )
    integration = api.http(admin.token).get(f"/services/{service['id']}/integrations").json()[0]
    assert integration["url"] in html and "webhook_configs" in html
    sent = api.http().post(
        integration["url"].split("/api", 1)[1], json=sample_alertmanager_payload("Disk full")
    )
    assert sent.status_code == 202
    assert "Disk full" in browser.get("/incidents/rows").text


def test_incident_actions(web: Web, api: ApiHarness, admin: Account) -> None:
    team = api.make_team("Platform")
    rita = api.make_user("rita@example.com", teams={team: "member"})
    http = api.http(admin.token)
    service = http.post("/services", json={"team_id": team, "name": "web"}).json()
    incident = http.post("/incidents", json={"service_id": service["id"], "title": "Down"}).json()
    page = f"/incidents/{incident['id']}"
    browser = web.signed_in(admin)
    _follow(browser, post_form(browser, page, f"{page}/reassign", {"assignee_id": rita.id}))
    assert http.get(page.replace("/incidents", "/incidents", 1)).json()["assignee_id"] == rita.id
    _follow(browser, post_form(browser, page, f"{page}/note", {"text": "Looking at the LB"}))
    html = _follow(browser, post_form(browser, page, f"{page}/snooze", {"minutes": "60"}))
    assert "Snoozed for 60 minutes." in html
    assert "Looking at the LB" in html
    assert http.get(page).json()["snoozed_until"] is not None
    html = _follow(browser, post_form(browser, page, f"{page}/resolve", {}))
    assert http.get(page).json()["status"] == "resolved"
    assert "Resolved." in html
    html = _follow(browser, post_form(browser, page, f"{page}/snooze", {"minutes": "soon"}))
    assert "snooze minutes: a whole number is required" in html


def test_schedule_with_a_layer_and_an_override(web: Web, api: ApiHarness, admin: Account) -> None:
    team = api.make_team("Platform")
    bob = api.make_user("bob@example.com", teams={team: "member"})
    browser = web.signed_in(admin)
    form = {
        "name": "Primary",
        "team_id": team,
        "time_zone": "Europe/London",
        "layer_name": "Week",
        "users": [str(admin.id), str(bob.id)],
        "rotation": "weekly",
        "length": "1",
        "handoff_time": "09:00",
        "handoff_weekday": "monday",
        "start": "2026-03-02T09:00",
    }
    html = _follow(browser, post_form(browser, "/schedules", "/schedules", form))
    schedule = api.http(admin.token).get("/schedules").json()[0]
    assert schedule["layers"][0]["users"] == [admin.id, bob.id]
    assert "<svg" in html and "Bob" in html
    page = f"/schedules/{schedule['id']}"
    override = {"user_id": bob.id, "start": "2026-03-03T00:00", "end": "2026-03-04T00:00"}
    _follow(browser, post_form(browser, page, f"{page}/overrides", override))
    overrides = api.http(admin.token).get(f"/schedules/{schedule['id']}/overrides").json()
    assert [o["user_id"] for o in overrides] == [bob.id]


def test_escalation_policy_editor(web: Web, api: ApiHarness, admin: Account) -> None:
    team = api.make_team("Platform")
    browser = web.signed_in(admin)
    form = {
        "name": "Default",
        "team_id": team,
        "repeat_count": "1",
        "level-0-targets": f"user:{admin.id}",
        "level-0-delay": "5",
    }
    _follow(browser, post_form(browser, "/escalation-policies", "/escalation-policies", form))
    policy = api.http(admin.token).get("/escalation-policies").json()[0]
    assert policy["levels"][0]["targets"][0]["id"] == admin.id
    page = f"/escalation-policies/{policy['id']}"
    form |= {"level-1-targets": f"team:{team}", "level-1-delay": "10"}
    _follow(browser, post_form(browser, page, page, form))
    assert len(api.http(admin.token).get(page).json()["levels"]) == 2


def test_api_key_is_shown_once_and_works(web: Web, api: ApiHarness, admin: Account) -> None:
    browser = web.signed_in(admin)
    answer = post_form(browser, "/profile", "/profile/api-keys", {"name": "laptop"})
    assert answer.status_code == 200
    key = answer.text.split('id="new-key" readonly value="')[1].split('"')[0]
    assert api.http(key).get("/auth/me").json()["email"] == admin.email
    assert key not in browser.get("/profile").text


def test_contact_method_and_rules(web: Web, api: ApiHarness, admin: Account) -> None:
    browser = web.signed_in(admin)
    form = {"kind": "email", "address": "me@example.com", "label": "work"}
    _follow(browser, post_form(browser, "/profile", "/profile/contact-methods", form))
    method = api.http(admin.token).get("/notifications/contact-methods").json()[0]
    rules = {f"rule-{method['id']}-high": "0", f"rule-{method['id']}-low": "30"}
    html = _follow(browser, post_form(browser, "/profile", "/profile/rules", rules))
    saved = api.http(admin.token).get("/notifications/rules").json()
    assert "Notification rules saved." in html
    assert sorted((r["urgency"], r["delay_minutes"]) for r in saved["rules"]) == [
        ("high", 0),
        ("low", 30),
    ]
