"""Services through real HTTP: CRUD, filters, permissions and the delete policy."""

from __future__ import annotations

from tests.support.harness import ApiHarness

from slar.domain.incidents.models import Incident


def _incident(api: ApiHarness, service_id: int, *, status: str) -> None:
    now = api.clock.now()
    with api.db.transaction() as session:
        session.add(
            Incident(
                title="boom",
                status=status,
                service_id=service_id,
                created_at=now,
                updated_at=now,
                resolved_at=now if status == "resolved" else None,
            )
        )


def test_service_crud_and_filters(api: ApiHarness) -> None:
    payments = api.make_team("Payments")
    search = api.make_team("Search")
    alice = api.make_user("alice@example.com", teams={payments: "member"})
    http = api.http(alice.token)
    policy = http.post(
        "/escalation-policies",
        json={
            "team_id": payments,
            "name": "Payments primary",
            "levels": [{"delay_minutes": 10, "targets": [{"kind": "user", "id": alice.id}]}],
        },
    )
    assert policy.status_code == 201, policy.text
    policy_id = policy.json()["id"]
    unknown = http.post(
        "/services", json={"team_id": payments, "name": "Ghost", "escalation_policy_id": 999}
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "service.unknown_escalation_policy"

    created = http.post(
        "/services",
        json={
            "team_id": payments,
            "name": "Checkout API",
            "description": "Takes the money",
            "urgency": "dynamic",
            "escalation_policy_id": policy_id,
            "ack_timeout_minutes": 15,
        },
    )
    assert created.status_code == 201, created.text
    svc = created.json()
    assert svc["team_id"] == payments
    assert svc["urgency"] == "dynamic"
    assert svc["escalation_policy_id"] == policy_id
    assert svc["ack_timeout_minutes"] == 15
    assert svc["created_at"].startswith("2026-03-02T09:00")

    admin = api.make_user("root@example.com", role="admin")
    other = api.http(admin.token).post(
        "/services", json={"team_id": search, "name": "Indexer", "urgency": "low"}
    )
    assert other.status_code == 201, other.text

    taken = http.post("/services", json={"team_id": payments, "name": "Checkout API"})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "service.name_taken"

    names = [s["name"] for s in http.get("/services").json()]
    assert names == ["Checkout API", "Indexer"]
    assert [s["name"] for s in http.get("/services", params={"team_id": search}).json()] == [
        "Indexer"
    ]
    assert [s["name"] for s in http.get("/services", params={"q": "money"}).json()] == [
        "Checkout API"
    ]
    assert http.get("/services", params={"q": "%"}).json() == []

    assert http.get(f"/services/{svc['id']}").json()["name"] == "Checkout API"
    missing = http.get("/services/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "service.not_found"

    patched = http.patch(
        f"/services/{svc['id']}",
        json={"name": "Checkout", "urgency": "high", "escalation_policy_id": None},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["name"], body["urgency"], body["escalation_policy_id"]) == (
        "Checkout",
        "high",
        None,
    )
    assert body["ack_timeout_minutes"] == 15  # left out: unchanged
    clash = http.patch(f"/services/{svc['id']}", json={"name": "Indexer"})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "service.name_taken"

    bad = http.post("/services", json={"team_id": payments, "name": "X", "urgency": "medium"})
    assert bad.status_code == 422
    assert "urgency" in bad.json()["error"]["message"]
    no_team = api.http(admin.token).post("/services", json={"team_id": 424242, "name": "Ghost"})
    assert no_team.status_code == 404
    assert no_team.json()["error"]["code"] == "team.not_found"

    assert http.delete(f"/services/{svc['id']}").status_code == 204
    assert http.get(f"/services/{svc['id']}").status_code == 404


def test_team_membership_and_read_only_role_are_enforced(api: ApiHarness) -> None:
    team_a = api.make_team("A")
    team_b = api.make_team("B")
    admin = api.make_user("root@example.com", role="admin")
    svc_b = (
        api.http(admin.token).post("/services", json={"team_id": team_b, "name": "B svc"}).json()
    )
    responder = api.http(api.make_user("resp@example.com", teams={team_a: "member"}).token)
    observer = api.http(
        api.make_user("obs@example.com", role="observer", teams={team_a: "member"}).token
    )

    for response in (
        responder.post("/services", json={"team_id": team_b, "name": "Sneaky"}),
        responder.patch(f"/services/{svc_b['id']}", json={"description": "mine now"}),
        responder.delete(f"/services/{svc_b['id']}"),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "auth.not_team_member"

    for response in (
        observer.post("/services", json={"team_id": team_a, "name": "Nope"}),
        observer.patch(f"/services/{svc_b['id']}", json={"description": "x"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "auth.read_only"

    # Everyone reads; nothing changed.
    assert observer.get(f"/services/{svc_b['id']}").json()["description"] == ""
    assert [s["name"] for s in observer.get("/services").json()] == ["B svc"]
    assert api.http().get("/services").status_code == 401

    # Moving a service to another team needs write access to both.
    own = responder.post("/services", json={"team_id": team_a, "name": "A svc"}).json()
    move = responder.patch(f"/services/{own['id']}", json={"team_id": team_b})
    assert move.status_code == 403
    assert move.json()["error"]["code"] == "auth.not_team_member"
    moved = api.http(admin.token).patch(f"/services/{own['id']}", json={"team_id": team_b})
    assert moved.json()["team_id"] == team_b


def test_delete_is_refused_with_open_incidents_or_incident_history(api: ApiHarness) -> None:
    team = api.make_team("Ops")
    http = api.http(api.make_user("ops@example.com", teams={team: "manager"}).token)
    svc = http.post("/services", json={"team_id": team, "name": "Edge"}).json()
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "prom", "kind": "alertmanager"}
    ).json()

    _incident(api, svc["id"], status="acknowledged")
    refused = http.delete(f"/services/{svc['id']}")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "service.has_open_incidents"

    with api.db.transaction() as session:
        for incident in session.query(Incident).all():
            incident.status, incident.resolved_at = "resolved", api.clock.now()
    kept = http.delete(f"/services/{svc['id']}")
    assert kept.status_code == 409
    assert kept.json()["error"]["code"] == "service.has_incidents"
    assert http.get(f"/integrations/{integration['id']}").status_code == 200


def test_delete_cascades_integrations_but_not_while_routed_to(api: ApiHarness) -> None:
    team = api.make_team("Ops")
    http = api.http(api.make_user("ops@example.com", teams={team: "member"}).token)
    doomed = http.post("/services", json={"team_id": team, "name": "Doomed"}).json()
    front = http.post("/services", json={"team_id": team, "name": "Front"}).json()
    own = http.post(
        f"/services/{doomed['id']}/integrations", json={"name": "own", "kind": "generic"}
    ).json()
    router_integration = http.post(
        f"/services/{front['id']}/integrations", json={"name": "router", "kind": "grafana"}
    ).json()
    rules = [{"conditions": [], "service_id": doomed["id"], "description": "all to doomed"}]
    assert (
        http.put(f"/integrations/{router_integration['id']}/routing-rules", json=rules).status_code
        == 200
    )

    blocked = http.delete(f"/services/{doomed['id']}")
    assert blocked.status_code == 409
    assert blocked.json()["error"]["code"] == "service.routing_target"
    assert blocked.json()["error"]["details"]["integration_ids"] == [router_integration["id"]]

    http.put(f"/integrations/{router_integration['id']}/routing-rules", json=[])
    window = http.post(
        f"/services/{doomed['id']}/maintenance-windows",
        json={"starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T11:00:00Z"},
    ).json()
    assert http.delete(f"/services/{doomed['id']}").status_code == 204
    assert http.get(f"/integrations/{own['id']}").status_code == 404
    assert http.delete(f"/maintenance-windows/{window['id']}").status_code == 404
