"""Escalation policies over HTTP: CRUD, validation, permissions, and what refuses to break them."""

from __future__ import annotations

from typing import Any

from tests.support.harness import Account, ApiHarness


def _policy(team_id: int, *levels: list[dict[str, Any]], name: str = "Primary") -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": name,
        "repeat_count": 1,
        "levels": [{"delay_minutes": 10, "targets": targets} for targets in levels],
    }


def _setup(api: ApiHarness) -> tuple[int, Account, Account]:
    team = api.make_team("Payments")
    lead = api.make_user("lead@example.com", teams={team: "manager"})
    other = api.make_user("other@example.com")
    return team, lead, other


def test_create_read_replace_and_delete(api: ApiHarness) -> None:
    team, lead, _ = _setup(api)
    http = api.http(lead.token)
    created = http.post(
        "/escalation-policies",
        json=_policy(team, [{"kind": "user", "id": lead.id}], [{"kind": "team", "id": team}]),
    )
    assert created.status_code == 201, created.text
    policy = created.json()
    assert [len(level["targets"]) for level in policy["levels"]] == [1, 1]
    assert policy["levels"][0]["targets"][0] == {"kind": "user", "id": lead.id, "name": "Lead"}
    assert policy["levels"][1]["targets"][0]["name"] == "Payments"

    replaced = http.put(
        f"/escalation-policies/{policy['id']}",
        json=_policy(team, [{"kind": "team", "id": team}], name="Primary v2"),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "Primary v2"
    assert len(replaced.json()["levels"]) == 1
    assert [p["name"] for p in http.get("/escalation-policies").json()] == ["Primary v2"]

    service = http.post(
        "/services", json={"team_id": team, "name": "api", "escalation_policy_id": policy["id"]}
    )
    assert service.status_code == 201, service.text
    in_use = http.delete(f"/escalation-policies/{policy['id']}")
    assert in_use.status_code == 409
    assert in_use.json()["error"]["code"] == "escalation.in_use"

    assert (
        http.patch(
            f"/services/{service.json()['id']}", json={"escalation_policy_id": None}
        ).status_code
        == 200
    )
    assert http.delete(f"/escalation-policies/{policy['id']}").status_code == 204
    assert http.get(f"/escalation-policies/{policy['id']}").status_code == 404


def test_unknown_targets_and_empty_levels_are_refused(api: ApiHarness) -> None:
    team, lead, _ = _setup(api)
    http = api.http(lead.token)
    ghost = http.post("/escalation-policies", json=_policy(team, [{"kind": "schedule", "id": 99}]))
    assert ghost.status_code == 400
    assert ghost.json()["error"]["code"] == "escalation.unknown_target"
    assert "levels[0]" in ghost.json()["error"]["message"]
    empty = http.post("/escalation-policies", json={"team_id": team, "name": "x", "levels": []})
    assert empty.status_code == 422
    no_targets = http.post("/escalation-policies", json=_policy(team, []))
    assert no_targets.status_code == 422


def test_only_team_writers_change_policies(api: ApiHarness) -> None:
    team, lead, other = _setup(api)
    body = _policy(team, [{"kind": "user", "id": lead.id}])
    refused = api.http(other.token).post("/escalation-policies", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.not_team_member"
    observer = api.make_user("watch@example.com", role="observer", teams={team: "member"})
    assert api.http(observer.token).post("/escalation-policies", json=body).status_code == 403
    assert api.http(lead.token).post("/escalation-policies", json=body).status_code == 201
    assert len(api.http(observer.token).get("/escalation-policies").json()) == 1


def test_a_schedule_a_policy_pages_cannot_be_deleted(api: ApiHarness) -> None:
    team, lead, _ = _setup(api)
    http = api.http(lead.token)
    schedule = http.post(
        "/schedules",
        json={
            "team_id": team,
            "name": "Payments primary",
            "time_zone": "Europe/London",
            "layers": [
                {
                    "name": "Weekly",
                    "users": [lead.id],
                    "rotation": {
                        "type": "weekly",
                        "handoff_time": "09:00",
                        "handoff_weekday": "monday",
                    },
                    "start": "2026-03-02T09:00:00Z",
                }
            ],
        },
    )
    assert schedule.status_code == 201, schedule.text
    schedule_id = schedule.json()["id"]
    policy = http.post(
        "/escalation-policies", json=_policy(team, [{"kind": "schedule", "id": schedule_id}])
    )
    assert policy.status_code == 201, policy.text
    refused = http.delete(f"/schedules/{schedule_id}")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["policy_ids"] == [policy.json()["id"]]
    assert http.delete(f"/escalation-policies/{policy.json()['id']}").status_code == 204
    assert http.delete(f"/schedules/{schedule_id}").status_code == 204


def test_manual_escalation_over_http(api: ApiHarness) -> None:
    team, lead, other = _setup(api)
    http = api.http(lead.token)
    policy = http.post(
        "/escalation-policies",
        json=_policy(team, [{"kind": "user", "id": lead.id}], [{"kind": "user", "id": other.id}]),
    ).json()
    service = http.post(
        "/services", json={"team_id": team, "name": "api", "escalation_policy_id": policy["id"]}
    ).json()
    incident = http.post("/incidents", json={"service_id": service["id"], "title": "down"}).json()

    escalated = http.post(f"/incidents/{incident['id']}/escalate")
    assert escalated.status_code == 200, escalated.text
    kinds = [e["kind"] for e in http.get(f"/incidents/{incident['id']}/timeline").json()]
    assert kinds == ["triggered", "escalated"]
    # level 2 of 2 on the policy's first pass; one more pass remains (repeat_count 1)
    assert http.post(f"/incidents/{incident['id']}/escalate").status_code == 200
    assert http.post(f"/incidents/{incident['id']}/escalate").status_code == 200
    last = http.post(f"/incidents/{incident['id']}/escalate")
    assert last.status_code == 409
    assert last.json()["error"]["code"] == "escalation.no_next_level"

    http.post(f"/incidents/{incident['id']}/acknowledge")
    acked = http.post(f"/incidents/{incident['id']}/escalate")
    assert acked.status_code == 409
    assert acked.json()["error"]["code"] == "incident.not_triggered"
    outsider = api.http(other.token).post(f"/incidents/{incident['id']}/escalate")
    assert outsider.status_code == 403
