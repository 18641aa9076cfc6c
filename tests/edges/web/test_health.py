"""The web role's probes and metrics, like every HTTP component's."""

from __future__ import annotations

from tests.support.web import Web


def test_health_ready_and_metrics(web: Web) -> None:
    browser = web.browser()
    assert browser.get("/health").json() == {"status": "ok"}
    ready = browser.get("/health/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "api": 200}
    metrics = browser.get("/metrics")
    assert metrics.status_code == 200 and "slar_http_requests" in metrics.text


def test_not_ready_when_the_api_is_unreachable(web: Web) -> None:
    web.api.url = "http://127.0.0.1:9"  # nothing listens on the discard port
    ready = web.browser().get("/health/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"


def test_pages_carry_security_headers(web: Web) -> None:
    answer = web.browser().get("/health")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
