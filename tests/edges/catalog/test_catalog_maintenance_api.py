"""Maintenance windows through real HTTP, and the ingestion-side catalog queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from tests.support.harness import ApiHarness

from slar.domain.catalog import repository

# The harness clock starts at 2026-03-02T09:00Z.
NINE = "2026-03-02T09:00:00Z"
TEN = "2026-03-02T10:00:00Z"
ELEVEN = "2026-03-02T11:00:00Z"


def _service(api: ApiHarness) -> tuple[dict[str, Any], httpx.Client]:
    team = api.make_team("Ops")
    http = api.http(api.make_user("ops@example.com", teams={team: "member"}).token)
    return http.post("/services", json={"team_id": team, "name": "DB"}).json(), http


def _window(http: httpx.Client, service_id: int, start: str, end: str) -> dict[str, Any]:
    response = http.post(
        f"/services/{service_id}/maintenance-windows",
        json={"starts_at": start, "ends_at": end, "description": "upgrade"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_list_and_active_at(api: ApiHarness) -> None:
    svc, http = _service(api)
    running = _window(http, svc["id"], NINE, TEN)
    later = _window(http, svc["id"], TEN, ELEVEN)
    assert running["service_id"] == svc["id"]
    assert running["description"] == "upgrade"
    assert running["created_by_id"] is not None

    url = f"/services/{svc['id']}/maintenance-windows"
    assert [w["id"] for w in http.get(url).json()] == [later["id"], running["id"]]
    at = http.get(url, params={"active_at": "2026-03-02T09:30:00Z"}).json()
    assert [w["id"] for w in at] == [running["id"]]
    # End is exclusive, start inclusive: at 10:00 only the later window is open.
    assert [w["id"] for w in http.get(url, params={"active_at": TEN}).json()] == [later["id"]]
    assert http.get(url, params={"active_at": "2026-03-02T10:00:00"}).status_code == 422

    with api.db.read() as session:
        now = api.clock.now()
        assert repository.services_in_maintenance(session, [svc["id"], 999], now) == {svc["id"]}
        assert repository.services_in_maintenance(session, [], now) == set()
        assert (
            repository.services_in_maintenance(session, [svc["id"]], now + timedelta(hours=2))
            == set()
        )


def test_window_validation(api: ApiHarness) -> None:
    svc, http = _service(api)
    url = f"/services/{svc['id']}/maintenance-windows"
    backwards = http.post(url, json={"starts_at": TEN, "ends_at": NINE})
    assert backwards.status_code == 400
    assert backwards.json()["error"]["code"] == "maintenance.invalid_window"
    assert backwards.json()["error"]["details"]["field"] == "ends_at"
    assert "ends_at" in backwards.json()["error"]["message"]
    empty = http.post(url, json={"starts_at": TEN, "ends_at": TEN})
    assert empty.status_code == 400

    past = http.post(
        url, json={"starts_at": "2026-03-01T08:00:00Z", "ends_at": "2026-03-01T09:00:00Z"}
    )
    assert past.status_code == 400
    assert past.json()["error"]["code"] == "maintenance.in_past"

    naive = http.post(url, json={"starts_at": "2026-03-02T10:00:00", "ends_at": ELEVEN})
    assert naive.status_code == 422
    assert "starts_at" in naive.json()["error"]["message"]

    # Offsets are understood and stored as UTC.
    shifted = _window(http, svc["id"], "2026-03-02T11:00:00+01:00", "2026-03-02T12:00:00+01:00")
    assert shifted["starts_at"].startswith("2026-03-02T10:00:00")

    assert (
        http.post(
            "/services/4242/maintenance-windows", json={"starts_at": TEN, "ends_at": ELEVEN}
        ).status_code
        == 404
    )


def test_ending_windows_keeps_history(api: ApiHarness) -> None:
    svc, http = _service(api)
    url = f"/services/{svc['id']}/maintenance-windows"
    running = _window(http, svc["id"], NINE, ELEVEN)
    future = _window(http, svc["id"], TEN, ELEVEN)
    api.advance(minutes=10)  # access tokens live 15 minutes

    assert http.delete(f"/maintenance-windows/{running['id']}").status_code == 204
    assert http.delete(f"/maintenance-windows/{future['id']}").status_code == 204
    remaining = http.get(url).json()
    assert [w["id"] for w in remaining] == [running["id"]]  # the future one is gone
    assert remaining[0]["ends_at"].startswith("2026-03-02T09:10:00")  # cut short, kept
    with api.db.read() as session:
        assert repository.services_in_maintenance(session, [svc["id"]], api.clock.now()) == set()

    # Ending an already-ended window changes nothing.
    api.advance(minutes=1)
    assert http.delete(f"/maintenance-windows/{running['id']}").status_code == 204
    assert http.get(url).json()[0]["ends_at"].startswith("2026-03-02T09:10:00")
    missing = http.delete("/maintenance-windows/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "maintenance.not_found"


def test_window_permissions(api: ApiHarness) -> None:
    svc, http = _service(api)
    window = _window(http, svc["id"], NINE, TEN)
    other = api.http(api.make_user("bob@example.com", teams={api.make_team("B"): "member"}).token)
    observer = api.http(api.make_user("obs@example.com", role="observer").token)
    body = {"starts_at": TEN, "ends_at": ELEVEN}
    url = f"/services/{svc['id']}/maintenance-windows"

    assert other.post(url, json=body).json()["error"]["code"] == "auth.not_team_member"
    assert other.delete(f"/maintenance-windows/{window['id']}").status_code == 403
    assert observer.post(url, json=body).json()["error"]["code"] == "auth.read_only"
    assert observer.delete(f"/maintenance-windows/{window['id']}").status_code == 403
    assert len(observer.get(url).json()) == 1


def test_touch_integration_writes_at_most_every_30_seconds(api: ApiHarness) -> None:
    svc, http = _service(api)
    created = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "am", "kind": "alertmanager"}
    ).json()
    start = api.clock.now()
    with api.db.transaction() as session:
        integration = repository.integration_by_key(session, created["key"])
        assert integration is not None
        repository.touch_integration(session, integration, start)
        assert integration.last_seen_at == start
        repository.touch_integration(session, integration, start + timedelta(seconds=30))
        assert integration.last_seen_at == start
        repository.touch_integration(session, integration, start + timedelta(seconds=31))
        assert integration.last_seen_at == start + timedelta(seconds=31)
    seen = http.get(f"/integrations/{created['id']}").json()["last_seen_at"]
    assert seen.startswith("2026-03-02T09:00:31")
