"""Every page renders for every role; observers get no write forms and their posts are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from tests.support.harness import Account, ApiHarness
from tests.support.web import Web, csrf_of

from slar.web.views.snippets import sample_alertmanager_payload

POST_FORM = re.compile(r'<form method="post" action="([^"]+)"')


@dataclass
class World:
    admin: Account
    responder: Account
    observer: Account
    service_id: int
    incident_id: int
    schedule_id: int
    policy_id: int
    team_id: int


@pytest.fixture
def world(api: ApiHarness) -> World:
    team_id = api.make_team("Platform")
    admin = api.make_user("admin@example.com", role="admin")
    responder = api.make_user("rita@example.com", teams={team_id: "member"})
    observer = api.make_user("otto@example.com", role="observer")
    http = api.http(admin.token)
    service = http.post("/services", json={"team_id": team_id, "name": "checkout"}).json()
    integration = http.post(
        f"/services/{service['id']}/integrations", json={"name": "Prom", "kind": "alertmanager"}
    ).json()
    sent = http.post(
        f"/integrations/{integration['key']}/alertmanager",
        json=sample_alertmanager_payload("Disk full on db-1"),
    )
    assert sent.status_code == 202, sent.text
    schedule = http.post(
        "/schedules",
        json={
            "team_id": team_id,
            "name": "Primary",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "L1",
                    "users": [admin.id, responder.id],
                    "rotation": {"type": "daily", "handoff_time": "09:00"},
                    "start": "2026-03-01T09:00:00Z",
                }
            ],
        },
    ).json()
    policy = http.post(
        "/escalation-policies",
        json={
            "team_id": team_id,
            "name": "Default",
            "levels": [
                {"delay_minutes": 5, "targets": [{"kind": "schedule", "id": schedule["id"]}]}
            ],
        },
    ).json()
    check = http.post(
        "/monitors/checks",
        json={
            "service_id": service["id"],
            "name": "Home",
            "kind": "http",
            "target": "https://example.com/",
        },
    )
    assert check.status_code == 201, check.text
    heartbeat = http.post(
        "/monitors/heartbeats",
        json={"service_id": service["id"], "name": "Backup", "interval_seconds": 3600},
    )
    assert heartbeat.status_code == 201, heartbeat.text
    runbook = http.post(
        "/runbooks", json={"title": "Disk full", "body": "# Disk full\nDelete logs."}
    )
    assert runbook.status_code == 201, runbook.text
    return World(
        admin,
        responder,
        observer,
        service["id"],
        sent.json()["incidents"][0],
        schedule["id"],
        policy["id"],
        team_id,
    )


def _pages(w: World) -> list[str]:
    return [
        "/",
        "/incidents",
        "/incidents?status=resolved&urgency=high&q=disk",
        "/incidents/rows",
        f"/incidents/{w.incident_id}",
        "/services",
        f"/services/{w.service_id}",
        "/schedules",
        f"/schedules/{w.schedule_id}",
        "/escalation-policies",
        f"/escalation-policies/{w.policy_id}",
        "/teams",
        f"/teams/{w.team_id}",
        "/profile",
        "/monitors",
        "/monitors/checks/1",
        "/runbooks",
        "/runbooks?q=disk",
        "/runbooks/1",
    ]


@pytest.mark.parametrize("role", ["admin", "responder", "observer"])
def test_every_page_renders_for_every_role(web: Web, world: World, role: str) -> None:
    browser = web.signed_in(getattr(world, role))
    for page in _pages(world):
        answer = browser.get(page)
        assert answer.status_code == 200, f"{role} {page}: {answer.status_code} {answer.text[:500]}"
        assert "Traceback" not in answer.text
    admin_page = browser.get("/admin")
    assert admin_page.status_code == (200 if role == "admin" else 403)


def test_observers_see_no_write_forms(web: Web, world: World) -> None:
    browser = web.signed_in(world.observer)
    for page in _pages(world):
        if page == "/profile":  # their own contact methods, rules and keys are theirs to change
            continue
        actions = set(POST_FORM.findall(browser.get(page).text))
        assert actions <= {"/logout"}, f"{page} offers {actions}"
    detail = browser.get(f"/services/{world.service_id}").text
    assert "/api/integrations/" not in detail  # the URL holds the key: not for observers


def test_an_observers_post_is_refused_by_the_api_and_changes_nothing(
    web: Web, world: World, api: ApiHarness
) -> None:
    browser = web.signed_in(world.observer)
    token = csrf_of(browser.get(f"/incidents/{world.incident_id}").text)
    answer = browser.post(f"/incidents/{world.incident_id}/acknowledge", data={"csrf_token": token})
    assert answer.status_code == 303
    page = browser.get(answer.headers["location"]).text
    assert "flash-error" in page
    incident = api.http(world.admin.token).get(f"/incidents/{world.incident_id}").json()
    assert incident["status"] == "triggered"


def test_the_responder_acknowledges_and_the_timeline_names_them(web: Web, world: World) -> None:
    browser = web.signed_in(world.responder)
    page = f"/incidents/{world.incident_id}"
    token = csrf_of(browser.get(page).text)
    answer = browser.post(f"{page}/acknowledge", data={"csrf_token": token})
    assert answer.status_code == 303
    html = browser.get(page).text
    assert "Acknowledged." in html
    assert 'id="incident-status">acknowledged' in html
    timeline = html.split('id="timeline"')[1]
    assert "Rita" in timeline
