"""Every route except health, metrics, login/refresh and ingestion refuses anonymous callers.

The routes are enumerated from the application itself, so a route added later without a
principal fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.support.harness import ApiHarness

from slar.api.app import create_api_app

# Routes that must be reachable without a principal, and why.
PUBLIC = {
    "/health",  # liveness probe
    "/health/ready",  # readiness probe
    "/metrics",  # Prometheus scrape (see docs/adr/0003-public-metrics.md)
    "/auth/login",  # exchanges credentials for tokens
    "/auth/refresh",  # exchanges a refresh token for tokens
    "/auth/setup",  # first-run: says whether, and creates the first admin while no user exists
    "/v2/enqueue",  # ingestion: authenticated by routing_key in the body
    "/ical/schedules/{token}.ics",  # calendar feed: the secret token in the URL is the key
    "/ical/users/{token}.ics",  # calendar feed: the secret token in the URL is the key
    "/heartbeats/{key}",  # heartbeat monitors: the secret key in the URL is the credential
}
ROUTERS = Path(__file__).resolve().parents[3] / "src" / "slar" / "api" / "routers"
INGESTION = re.compile(r"^/integrations/\{key\}/[a-z_{}]+$")  # authenticated by the key in the URL


def _routes(api: ApiHarness) -> list[tuple[str, str]]:
    """Every (method, path) of the API, read from its OpenAPI document.

    Nothing in the API is excluded from the schema (checked below), so the document lists
    every route a caller can reach.
    """
    app = create_api_app(api.state)
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            found.append((method.upper(), path))
    return found


def test_no_route_hides_from_the_openapi_document() -> None:
    source = "".join(p.read_text() for p in ROUTERS.glob("*.py"))
    assert "include_in_schema=False" not in source


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_app_has_the_routes_we_expect_to_check(api: ApiHarness) -> None:
    paths = {path for _, path in _routes(api)}
    assert "/auth/me" in paths
    assert len(paths) > 10


def test_anonymous_and_garbage_credentials_are_refused_everywhere(api: ApiHarness) -> None:
    anonymous = api.http()
    garbage = api.http("not-a-real-token")
    checked = 0
    for method, path in _routes(api):
        if path in PUBLIC or INGESTION.match(path):
            continue
        url = _concrete(path)
        for client in (anonymous, garbage):
            response = client.request(method, url, json={})
            assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
            assert response.json()["error"]["code"].startswith("auth."), f"{method} {path}"
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("fmt", ["alertmanager", "datadog", "grafana", "generic"])
def test_ingestion_with_an_unknown_key_stores_nothing(api: ApiHarness, fmt: str) -> None:
    response = api.http().post(f"/integrations/{'x' * 40}/{fmt}", json={})
    assert response.status_code == 404
