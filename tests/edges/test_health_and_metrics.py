"""Probes and metrics: public, and saying something true about the deployment."""

from __future__ import annotations

from tests.support.harness import ApiHarness


def test_health_is_public_and_reports_database(api: ApiHarness) -> None:
    anon = api.http()
    assert anon.get("/health").json() == {"status": "ok"}
    ready = anon.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == api.backend
    assert "x-request-id" in ready.headers


def test_metrics_report_the_queue_and_deliveries(api: ApiHarness) -> None:
    from slar.jobs.queue import enqueue

    with api.db.transaction() as session:
        enqueue(session, "test.metrics", {}, now=api.clock.now())
    text = api.http().get("/metrics").text
    assert 'slar_jobs{kind="test.metrics",status="queued"} 1.0' in text
    assert "slar_jobs_oldest_due_lag_seconds" in text
    assert "slar_http_requests_total" in text
