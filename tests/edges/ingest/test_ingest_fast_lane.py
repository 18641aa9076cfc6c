"""The ingestion fast lane (``IngestFastLane``) over real HTTP: it answers the ingestion URLs
ahead of FastAPI's routing, yet behaves as the routes did — request ids, the app's error
handlers, keys retired through the catalog API, the documented endpoints, bounded
concurrency."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DataError, IntegrityError
from tests.integration.alerts.factory import Catalog, am_alert, am_webhook, pagerduty_event
from tests.support.harness import ApiHarness

from slar.api.routers import ingest
from slar.domain.alerts import service


def test_ingestion_answers_carry_the_request_id(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("pagerduty")
    mine = api.http().post(
        "/v2/enqueue", json=pagerduty_event(hook.key), headers={"X-Request-ID": "trace-42"}
    )
    assert mine.status_code == 202 and mine.headers["x-request-id"] == "trace-42"
    fresh = api.http().post("/v2/enqueue", json=pagerduty_event(hook.key))
    assert len(fresh.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (DataError("INSERT", {}, Exception("value too long")), 422, "request.out_of_range"),
        (IntegrityError("INSERT", {}, Exception("duplicate")), 409, "conflict"),
        (RuntimeError("a bug"), 500, "internal"),
    ],
)
def test_unexpected_failures_get_the_apps_error_answers(
    api: ApiHarness,
    catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    code: str,
) -> None:
    """What the app's exception handlers answered for the routes, the lane answers too."""
    hook = catalog.hook("generic")

    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(service, "receive", failing)
    response = api.http().post(f"/integrations/{hook.key}/generic", json={"title": "x"})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert catalog.alerts() == []


def test_a_regenerated_key_stops_working_at_once(api: ApiHarness, catalog: Catalog) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    http = api.http(admin.token)
    team = api.make_team("Ops")
    svc = http.post("/services", json={"name": "web", "team_id": team}).json()
    integration = http.post(
        f"/services/{svc['id']}/integrations", json={"name": "pd", "kind": "pagerduty"}
    ).json()
    old_key = integration["key"]
    assert api.http().post("/v2/enqueue", json=pagerduty_event(old_key)).status_code == 202

    rotated = http.post(f"/integrations/{integration['id']}/regenerate-key").json()
    refused = api.http().post("/v2/enqueue", json=pagerduty_event(old_key))
    assert refused.status_code == 404 and refused.json()["status"] == "invalid event"
    assert api.http().post("/v2/enqueue", json=pagerduty_event(rotated["key"])).is_success

    assert http.delete(f"/integrations/{integration['id']}").is_success
    gone = api.http().post("/v2/enqueue", json=pagerduty_event(rotated["key"]))
    assert gone.status_code == 404


def test_the_endpoints_stay_documented_and_other_methods_are_not_taken(
    api: ApiHarness, catalog: Catalog
) -> None:
    paths = api.http().get("/openapi.json").json()["paths"]
    assert "post" in paths["/v2/enqueue"]
    for kind in ("alertmanager", "datadog", "grafana", "generic"):
        assert "post" in paths[f"/integrations/{{key}}/{kind}"]
    hook = catalog.hook("alertmanager")
    # Not a POST: the lane lets the app answer (405 from the router, as before).
    assert api.http().get(f"/integrations/{hook.key}/alertmanager").status_code == 405
    assert api.http().get("/v2/enqueue").status_code == 405
    # An unknown format is not an ingestion URL: the app's 404.
    unknown = api.http().post(f"/integrations/{hook.key}/nagios", json={})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "route.not_found"


def test_alertmanager_through_the_lane(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("alertmanager")
    body = am_webhook(am_alert("aaaa000000000001"), am_alert("bbbb000000000002"))
    response = api.http().post(f"/integrations/{hook.key}/alertmanager", json=body)
    assert response.status_code == 202, response.text
    assert response.json()["alerts"] == 2 and len(response.json()["opened"]) == 1


def test_at_most_a_few_requests_per_process_are_in_the_database_at_once(
    api: ApiHarness, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rest wait for a slot on the event loop (and are all served)."""
    hook = catalog.hook("generic")
    real = service.receive
    inside = 0
    peak = 0
    lock = threading.Lock()

    def slow(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.05)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(service, "receive", slow)

    def send(n: int) -> int:
        with httpx.Client(base_url=api.url, timeout=30) as client:
            body = {"title": f"event {n}", "dedup_key": f"k{n}"}
            return client.post(f"/integrations/{hook.key}/generic", json=body).status_code

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda n=n: results.append(send(n)))  # type: ignore[misc]
        for n in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [202] * 12
    limit = min(ingest.INGEST_CONCURRENCY, api.state.settings.database.pool_size)
    assert 1 < peak <= limit
    assert len(catalog.incidents()) == 12
