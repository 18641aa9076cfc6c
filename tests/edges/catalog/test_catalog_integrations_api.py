"""Integrations and routing rules through real HTTP: keys, sender URLs, rotation, validation."""

from __future__ import annotations

from typing import Any

import httpx
from tests.support.harness import ApiHarness

from slar.domain.catalog import repository
from slar.domain.catalog.rules import Condition, route
from slar.integrations.events import AlertEvent, EventAction, Severity


def _setup(api: ApiHarness) -> tuple[int, dict[str, Any], httpx.Client]:
    team = api.make_team("Payments")
    user = api.make_user("alice@example.com", teams={team: "member"})
    http = api.http(user.token)
    svc = http.post("/services", json={"team_id": team, "name": "Checkout"}).json()
    return team, svc, http


def test_create_list_and_sender_info(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    public = api.state.settings.http.public_url.rstrip("/")

    created = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "Prometheus", "kind": "alertmanager"}
    )
    assert created.status_code == 201, created.text
    am = created.json()
    assert len(am["key"]) >= 32
    assert am["url"] == f"{public}/api/integrations/{am['key']}/alertmanager"
    assert am["routing_key"] is None
    assert am["service_id"] == svc["id"]
    assert am["last_seen_at"] is None

    pd = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "PD clients", "kind": "pagerduty"}
    ).json()
    assert pd["url"] == f"{public}/api/v2/enqueue"
    assert pd["routing_key"] == pd["key"] != am["key"]

    listed = http.get(f"/services/{svc['id']}/integrations").json()
    assert [i["name"] for i in listed] == ["PD clients", "Prometheus"]
    assert http.get(f"/integrations/{am['id']}").json()["key"] == am["key"]

    bad_kind = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "x", "kind": "nagios"}
    )
    assert bad_kind.status_code == 422
    assert http.get("/services/99999/integrations").status_code == 404

    with api.db.read() as session:
        found = repository.integration_by_key(session, am["key"])
        assert found is not None
        assert found.id == am["id"]
        assert found.service_id == svc["id"]


def test_keys_are_hidden_from_observers_and_other_teams(api: ApiHarness) -> None:
    team, svc, http = _setup(api)
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "dd", "kind": "datadog"}
    ).json()
    other_team = api.make_team("Other")
    outsiders = [
        api.http(api.make_user("obs@example.com", role="observer", teams={team: "member"}).token),
        api.http(api.make_user("bob@example.com", teams={other_team: "member"}).token),
    ]
    for client in outsiders:
        seen = client.get(f"/integrations/{integration['id']}")
        assert seen.status_code == 200
        body = seen.json()
        assert (body["key"], body["url"], body["routing_key"]) == (None, None, None)
        assert body["kind"] == "datadog"
        listed = client.get(f"/services/{svc['id']}/integrations").json()
        assert [i["key"] for i in listed] == [None]
        assert integration["key"] not in client.get(f"/integrations/{integration['id']}").text

    observer, stranger = outsiders
    denied = observer.post(f"/integrations/{integration['id']}/regenerate-key")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "auth.read_only"
    denied = stranger.patch(f"/integrations/{integration['id']}", json={"name": "mine"})
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "auth.not_team_member"
    assert stranger.delete(f"/integrations/{integration['id']}").status_code == 403


def test_regenerate_key_retires_the_old_key_at_once(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "hook", "kind": "generic"}
    ).json()
    old_key = integration["key"]
    api.advance(minutes=5)

    rotated = http.post(f"/integrations/{integration['id']}/regenerate-key")
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["key"] != old_key
    assert len(body["key"]) >= 32
    assert body["key_rotated_at"].startswith("2026-03-02T09:05")
    assert body["url"].endswith(f"/api/integrations/{body['key']}/generic")

    with api.db.read() as session:
        assert repository.integration_by_key(session, old_key) is None
        found = repository.integration_by_key(session, body["key"])
        assert found is not None
        assert found.id == integration["id"]


def test_patch_renames_and_moves_between_services(api: ApiHarness) -> None:
    team, svc, http = _setup(api)
    other_team = api.make_team("Other")
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    foreign = admin.post("/services", json={"team_id": other_team, "name": "Foreign"}).json()
    sibling = http.post("/services", json={"team_id": team, "name": "Sibling"}).json()
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "g", "kind": "grafana"}
    ).json()

    renamed = http.patch(
        f"/integrations/{integration['id']}", json={"name": "Grafana", "service_id": sibling["id"]}
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["service_id"]) == ("Grafana", sibling["id"])
    assert renamed.json()["key"] == integration["key"]

    denied = http.patch(f"/integrations/{integration['id']}", json={"service_id": foreign["id"]})
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "auth.not_team_member"
    gone = http.patch(f"/integrations/{integration['id']}", json={"service_id": 999999})
    assert gone.status_code == 404

    assert http.delete(f"/integrations/{integration['id']}").status_code == 204
    assert http.get(f"/integrations/{integration['id']}").status_code == 404
    with api.db.read() as session:
        assert repository.integration_by_key(session, integration["key"]) is None


def test_routing_rules_replace_validate_and_route(api: ApiHarness) -> None:
    team, svc, http = _setup(api)
    db_svc = http.post("/services", json={"team_id": team, "name": "Database"}).json()
    web_svc = http.post("/services", json={"team_id": team, "name": "Web"}).json()
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "prom", "kind": "alertmanager"}
    ).json()
    url = f"/integrations/{integration['id']}/routing-rules"
    assert http.get(url).json() == []

    rules = [
        {
            "conditions": [
                {"field": "labels.team", "op": "equals", "value": "db"},
                {"field": "severity", "op": "in", "value": ["critical", "error"]},
            ],
            "service_id": db_svc["id"],
            "description": "database pages",
        },
        {
            "conditions": [{"field": "summary", "op": "regex", "value": r"^web-\d+"}],
            "service_id": web_svc["id"],
        },
    ]
    saved = http.put(url, json=rules)
    assert saved.status_code == 200, saved.text
    assert [(r["position"], r["service_id"]) for r in saved.json()] == [
        (0, db_svc["id"]),
        (1, web_svc["id"]),
    ]
    assert saved.json()[0]["conditions"][1] == {
        "field": "severity",
        "op": "in",
        "value": ["critical", "error"],
    }
    assert http.get(url).json() == saved.json()

    with api.db.read() as session:
        found = repository.integration_by_key(session, integration["key"])
        assert found is not None
        specs = repository.routing_specs(found)
    assert specs[0].conditions[0] == Condition("labels.team", "equals", "db")

    def event(summary: str, labels: dict[str, str], severity: Severity) -> AlertEvent:
        return AlertEvent(
            action=EventAction.TRIGGER,
            dedup_key="k",
            fingerprint="k",
            summary=summary,
            labels=labels,
            severity=severity,
        )

    assert route(specs, event("x", {"team": "db"}, Severity.CRITICAL), svc["id"]) == db_svc["id"]
    assert (
        route(specs, event("web-3 slow", {"team": "db"}, Severity.INFO), svc["id"]) == web_svc["id"]
    )
    assert route(specs, event("other", {}, Severity.CRITICAL), svc["id"]) == svc["id"]

    # Reordering replaces the whole list (positions follow the new order).
    reordered = http.put(url, json=list(reversed(rules))).json()
    assert [r["service_id"] for r in reordered] == [web_svc["id"], db_svc["id"]]
    assert [r["position"] for r in reordered] == [0, 1]


def test_routing_rule_validation_names_the_field(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "prom", "kind": "alertmanager"}
    ).json()
    url = f"/integrations/{integration['id']}/routing-rules"
    ok = {"conditions": [], "service_id": svc["id"]}
    bad_regex = {
        "conditions": [
            {"field": "labels.env", "op": "exists", "value": None},
            {"field": "summary", "op": "regex", "value": "(unclosed"},
        ],
        "service_id": svc["id"],
    }
    response = http.put(url, json=[ok, bad_regex])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "routing.invalid_condition"
    assert error["details"]["field"] == "rules[1].conditions[1].value"
    assert "rules[1].conditions[1].value" in error["message"]
    assert "regular expression" in error["message"]

    bad_field = {"conditions": [{"field": "host", "op": "equals", "value": "x"}], "service_id": 1}
    response = http.put(url, json=[bad_field])
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == "rules[0].conditions[0].field"

    unknown = http.put(url, json=[{"conditions": [], "service_id": 987654}])
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "routing.unknown_service"
    assert unknown.json()["error"]["details"]["field"] == "rules[0].service_id"

    bad_op = http.put(
        url, json=[{"conditions": [{"field": "summary", "op": "like"}], "service_id": svc["id"]}]
    )
    assert bad_op.status_code == 422

    other_team = api.make_team("Other")
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    foreign = admin.post("/services", json={"team_id": other_team, "name": "Foreign"}).json()
    denied = http.put(url, json=[{"conditions": [], "service_id": foreign["id"]}])
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "auth.not_team_member"

    assert http.get(url).json() == []  # nothing was saved
    observer = api.http(api.make_user("obs@example.com", role="observer").token)
    assert observer.get(url).status_code == 200
    assert observer.put(url, json=[]).json()["error"]["code"] == "auth.read_only"
