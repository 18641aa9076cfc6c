"""``X-Slar-Via: assistant`` marks the timeline (rights stay the token's), and
``/incidents/{id}/similar`` through real HTTP."""

from __future__ import annotations

from tests.support.harness import ApiHarness

VIA = {"X-Slar-Via": "assistant"}


def _setup(api: ApiHarness) -> tuple[str, int, int]:
    team = api.make_team("Payments")
    alice = api.make_user("alice@example.com", teams={team: "member"})
    http = api.http(alice.token)
    policy = http.post(
        "/escalation-policies",
        json={
            "team_id": team,
            "name": "primary",
            "levels": [
                {"delay_minutes": 10, "targets": [{"kind": "user", "id": alice.id}]},
                {"delay_minutes": 10, "targets": [{"kind": "user", "id": alice.id}]},
            ],
        },
    )
    assert policy.status_code == 201, policy.text
    service = http.post(
        "/services",
        json={"team_id": team, "name": "checkout", "escalation_policy_id": policy.json()["id"]},
    )
    assert service.status_code == 201, service.text
    return alice.token, service.json()["id"], alice.id


def test_actions_through_the_assistant_are_marked_on_the_timeline(api: ApiHarness) -> None:
    token, service_id, alice_id = _setup(api)
    http = api.http(token)
    opened = http.post(
        "/incidents", json={"service_id": service_id, "title": "Checkout down"}, headers=VIA
    )
    assert opened.status_code == 201, opened.text
    iid = opened.json()["id"]
    steps = [
        http.post(f"/incidents/{iid}/escalate", headers=VIA),
        http.post(f"/incidents/{iid}/acknowledge", headers=VIA),
        http.post(f"/incidents/{iid}/notes", json={"text": "rolled back"}, headers=VIA),
        http.post(f"/incidents/{iid}/reassign", json={"assignee_id": alice_id}, headers=VIA),
        http.post(f"/incidents/{iid}/snooze", json={"minutes": 30}, headers=VIA),
        http.post(f"/incidents/{iid}/notes", json={"text": "by hand"}),  # no header
        http.post(f"/incidents/{iid}/resolve", headers=VIA),
    ]
    for response in steps:
        assert response.status_code in (200, 201), response.text
    timeline = http.get(f"/incidents/{iid}/timeline").json()
    by_alice = [e for e in timeline if e["actor_user_id"] == alice_id]
    kinds = [e["kind"] for e in by_alice]
    for kind in ("triggered", "escalated", "acknowledged", "reassigned", "snoozed", "resolved"):
        assert kind in kinds, kinds
    for entry in by_alice:
        if entry["kind"] == "note" and entry["message"] == "by hand":
            assert entry["actor"] == "Alice" and "via" not in entry["data"]
        else:
            assert entry["actor"] == "Alice (via assistant)", entry
            assert entry["data"]["via"] == "assistant", entry
    resolved = next(e for e in by_alice if e["kind"] == "resolved")
    assert resolved["message"] == "Resolved by Alice (via assistant)"


def test_the_header_is_a_label_not_a_right(api: ApiHarness) -> None:
    token, service_id, _ = _setup(api)
    iid = api.http(token).post("/incidents", json={"service_id": service_id, "title": "x"})
    observer = api.make_user("olive@example.com", role="observer")
    refused = api.http(observer.token).post(
        f"/incidents/{iid.json()['id']}/acknowledge", headers=VIA
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.read_only"


def test_an_unknown_via_value_is_refused(api: ApiHarness) -> None:
    token, service_id, _ = _setup(api)
    http = api.http(token)
    iid = http.post("/incidents", json={"service_id": service_id, "title": "x"}).json()["id"]
    for value in ("Assistant", "slackbot", ""):
        response = http.post(f"/incidents/{iid}/acknowledge", headers={"X-Slar-Via": value})
        assert response.status_code == 422, (value, response.text)
        error = response.json()["error"]
        assert error["code"] == "request.invalid"
        assert error["details"]["problems"][0]["field"] == "header.x-slar-via"
    assert http.get(f"/incidents/{iid}").json()["status"] == "triggered"  # nothing happened


def test_similar_incidents_of_the_same_service(api: ApiHarness) -> None:
    token, service_id, _ = _setup(api)
    http = api.http(token)
    team = http.get(f"/services/{service_id}").json()["team_id"]
    other = http.post("/services", json={"team_id": team, "name": "search"}).json()["id"]

    def open_(title: str, labels: dict[str, str], service: int = service_id) -> int:
        api.advance(minutes=1)
        response = http.post(
            "/incidents", json={"service_id": service, "title": title, "labels": labels}
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    old = open_("Disk full on db-1", {"host": "db-1"})
    unrelated = open_("Certificate expires soon", {})
    near = open_("Disk full on db-2", {"host": "db-2"})
    elsewhere = open_("Disk full on db-1", {"host": "db-1"}, service=other)
    target = open_("Disk full on db-1", {"host": "db-1"})

    found = http.get(f"/incidents/{target}/similar").json()
    assert [i["id"] for i in found] == [old, near]
    assert unrelated not in [i["id"] for i in found] and elsewhere not in [i["id"] for i in found]
    assert [
        i["id"] for i in http.get(f"/incidents/{target}/similar", params={"limit": 1}).json()
    ] == [old]
    assert http.get(f"/incidents/{target}/similar", params={"limit": 0}).status_code == 422
    missing = http.get("/incidents/987654/similar")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "incident.not_found"
    observer = api.make_user("olive@example.com", role="observer")
    assert api.http(observer.token).get(f"/incidents/{target}/similar").status_code == 200
