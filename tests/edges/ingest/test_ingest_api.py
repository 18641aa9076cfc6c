"""Ingestion over real HTTP: PagerDuty Events v2, Alertmanager, Grafana, Datadog, generic,
and every way a delivery can be refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from tests.integration.alerts.factory import Catalog, am_alert, am_webhook, pagerduty_event
from tests.support.harness import ApiHarness

SAMPLES = Path(__file__).resolve().parents[2] / "unit" / "integrations" / "samples"
KiB = 1024


def sample(name: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    body.update(overrides)
    return body


def enqueue(api: ApiHarness, body: Any) -> httpx.Response:
    return api.http().post("/v2/enqueue", json=body)


# --- PagerDuty Events v2 ----------------------------------------------------------------------


def test_pagerduty_trigger_repeat_acknowledge_resolve_retrigger(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    first = enqueue(api, pagerduty_event(hook.key))
    assert first.status_code == 202, first.text
    assert first.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "disk-db-1",
    }
    [incident] = catalog.incidents()
    assert (incident.status, incident.alert_count, incident.title) == (
        "triggered",
        1,
        "Disk almost full on db-1",
    )
    assert incident.integration_id == hook.integration_id
    assert incident.labels == {"component": "postgres"}

    api.advance(minutes=1)
    assert enqueue(api, pagerduty_event(hook.key)).status_code == 202
    [incident] = catalog.incidents()
    assert incident.alert_count == 2

    ack = enqueue(api, pagerduty_event(hook.key, "acknowledge"))
    assert ack.status_code == 202 and ack.json()["dedup_key"] == "disk-db-1"
    assert catalog.incident(incident.id).status == "acknowledged"

    resolve = enqueue(api, pagerduty_event(hook.key, "resolve"))
    assert resolve.status_code == 202 and resolve.json()["dedup_key"] == "disk-db-1"
    assert catalog.incident(incident.id).status == "resolved"
    assert catalog.timeline(incident.id) == [
        "triggered",
        "alert_repeated",
        "acknowledged",
        "resolved",
    ]

    again = enqueue(api, pagerduty_event(hook.key))
    assert again.status_code == 202
    incidents = catalog.incidents()
    assert len(incidents) == 2 and incidents[1].status == "triggered"
    assert incidents[1].alert_count == 1


def test_pagerduty_trigger_without_dedup_key_gets_one(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("pagerduty")
    response = enqueue(api, pagerduty_event(hook.key, dedup_key=None))
    assert response.status_code == 202
    key = response.json()["dedup_key"]
    assert key and catalog.incidents()[0].dedup_key == key
    # The generated key works for the follow-ups, as with PagerDuty.
    assert enqueue(api, pagerduty_event(hook.key, "resolve", dedup_key=key)).status_code == 202
    assert catalog.incidents()[0].status == "resolved"


def test_pagerduty_ack_and_resolve_of_unknown_keys_are_accepted(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    for action in ("acknowledge", "resolve"):
        response = enqueue(api, pagerduty_event(hook.key, action, dedup_key="never-seen"))
        assert response.status_code == 202
        assert response.json()["dedup_key"] == "never-seen"
    assert catalog.incidents() == [] and catalog.alerts() == []


def test_alertmanager_pagerduty_receiver_payload_works_unchanged(
    api: ApiHarness, catalog: Catalog
) -> None:
    """The exact body Alertmanager's ``pagerduty_configs`` sends (see wire-formats)."""
    hook = catalog.hook("pagerduty")
    trigger = sample("alertmanager_pagerduty_trigger.json", routing_key=hook.key)
    response = enqueue(api, trigger)
    assert response.status_code == 202, response.text
    assert response.json()["dedup_key"] == trigger["dedup_key"]
    [incident] = catalog.incidents()
    assert incident.title == "[FIRING:2] HighCPU (web prod)"
    assert incident.links == [
        {"href": "http://alertmanager.example:9093/#/alerts?receiver=slar-pagerduty",
         "text": "Alertmanager"}
    ]  # fmt: skip
    # A partial resolve arrives as another trigger with the same key: same incident.
    assert enqueue(api, trigger).status_code == 202
    assert catalog.incident(incident.id).alert_count == 2
    resolve = sample("alertmanager_pagerduty_resolve.json", routing_key=hook.key)
    assert enqueue(api, resolve).status_code == 202
    assert catalog.incident(incident.id).status == "resolved"


def test_pagerduty_invalid_event_is_400_in_pagerduty_shape(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    body = pagerduty_event(hook.key)
    body["payload"]["severity"] = "catastrophic"
    del body["payload"]["summary"]
    response = enqueue(api, body)
    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "invalid event"
    assert data["message"] == "Event object is invalid"
    assert any("payload.summary" in e for e in data["errors"])
    assert any("payload.severity" in e for e in data["errors"])
    assert catalog.incidents() == [] and catalog.alerts() == []

    missing_key = enqueue(api, {"event_action": "trigger"})
    assert missing_key.status_code == 400
    assert any("routing_key" in e for e in missing_key.json()["errors"])


def test_pagerduty_unknown_routing_key_is_404(api: ApiHarness, catalog: Catalog) -> None:
    catalog.hook("pagerduty")
    response = enqueue(api, pagerduty_event("k" * 32))
    assert response.status_code == 404
    data = response.json()
    assert data["status"] == "invalid event"
    assert any("routing_key" in e for e in data["errors"])


def test_pagerduty_key_of_another_format_is_400_naming_the_url(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    response = enqueue(api, pagerduty_event(hook.key))
    assert response.status_code == 400
    assert "/integrations/{key}/alertmanager" in response.json()["errors"][0]

    pd = catalog.hook("pagerduty", service="svc-pd")
    wrong = api.http().post(f"/integrations/{pd.key}/alertmanager", json=am_webhook())
    assert wrong.status_code == 400
    error = wrong.json()["error"]
    assert error["code"] == "ingest.wrong_endpoint" and "/v2/enqueue" in error["message"]


# --- Alertmanager, Grafana, Datadog, generic --------------------------------------------------


def post(api: ApiHarness, hook: Any, body: Any) -> httpx.Response:
    return api.http().post(f"/integrations/{hook.key}/{hook.kind}", json=body)


def test_alertmanager_group_over_http(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("alertmanager")
    a, b = am_alert("aaaa000000000001"), am_alert("bbbb000000000002", severity="critical")
    first = post(api, hook, am_webhook(a, b))
    assert first.status_code == 202, first.text
    data = first.json()
    assert data["status"] == "accepted" and data["alerts"] == 2 and len(data["opened"]) == 1
    [incident] = catalog.incidents()
    assert (incident.alert_count, incident.severity) == (2, "critical")

    api.advance(minutes=5)
    resent = post(api, hook, am_webhook(a, b))
    assert resent.status_code == 202 and resent.json()["opened"] == []
    assert catalog.incident(incident.id).alert_count == 2

    partial = post(api, hook, am_webhook(am_alert("aaaa000000000001", status="resolved"), b))
    assert partial.status_code == 202
    assert catalog.incident(incident.id).status == "triggered"

    done = post(
        api,
        hook,
        am_webhook(
            am_alert("aaaa000000000001", status="resolved"),
            am_alert("bbbb000000000002", status="resolved"),
        ),
    )
    assert done.status_code == 202 and done.json()["resolved"] == [incident.id]
    assert catalog.incident(incident.id).status == "resolved"

    refire = post(api, hook, am_webhook(a))
    assert refire.status_code == 202
    assert len(refire.json()["opened"]) == 1 and refire.json()["opened"][0] != incident.id


def test_grafana_webhook(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("grafana")
    response = post(api, hook, sample("grafana_firing.json"))
    assert response.status_code == 202, response.text
    [incident] = catalog.incidents()
    assert incident.alert_count == 2
    assert len(catalog.alerts(incident_id=incident.id)) == 2


def test_datadog_triggered_then_recovered(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("datadog")
    triggered = post(api, hook, sample("datadog_triggered.json"))
    assert triggered.status_code == 202, triggered.text
    [incident] = catalog.incidents()
    assert incident.status == "triggered"
    recovered = post(api, hook, sample("datadog_recovered.json"))
    assert recovered.status_code == 202
    assert recovered.json()["resolved"] == [incident.id]


def test_generic_firing_then_resolved(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("generic")
    assert post(api, hook, sample("generic_firing.json")).status_code == 202
    [incident] = catalog.incidents()
    assert post(api, hook, sample("generic_resolved.json")).status_code == 202
    assert catalog.incident(incident.id).status == "resolved"


def test_routing_rule_and_maintenance_over_http(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("generic")
    storage = catalog.service("storage")
    catalog.rule(
        hook,
        to_service=storage,
        conditions=[{"field": "labels.team", "op": "equals", "value": "s"}],
    )
    catalog.maintenance(hook.service_id, start=api.clock.now(), hours=2)

    routed = post(api, hook, {"title": "Disk", "labels": {"team": "s"}})
    assert routed.status_code == 202 and len(routed.json()["opened"]) == 1
    [incident] = catalog.incidents()
    assert incident.service_id == storage

    suppressed = post(api, hook, {"title": "Deploy noise"})
    assert suppressed.status_code == 202
    assert suppressed.json()["suppressed"] == 1 and suppressed.json()["opened"] == []
    assert len(catalog.incidents()) == 1
    [alert] = catalog.alerts(service_id=hook.service_id)
    assert alert.suppressed and alert.incident_id is None


# --- refusals ---------------------------------------------------------------------------------


def test_unknown_key_is_404(api: ApiHarness, catalog: Catalog) -> None:
    response = api.http().post(f"/integrations/{'z' * 32}/generic", json={"title": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "integration.not_found"


def test_invalid_json_and_invalid_payload_are_400(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("generic")
    client = api.http()
    url = f"/integrations/{hook.key}/generic"
    broken = client.post(url, content=b'{"title": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "ingest.invalid_json"
    assert "not valid JSON" in broken.json()["error"]["message"]

    empty = client.post(url, content=b"")
    assert empty.status_code == 400 and "empty" in empty.json()["error"]["message"]

    invalid = client.post(url, json={"severity": "catastrophic"})
    assert invalid.status_code == 400
    error = invalid.json()["error"]
    assert error["code"] == "ingest.invalid_payload"
    assert any("title" in e for e in error["details"]["errors"])

    pd_broken = client.post("/v2/enqueue", content=b"not json")
    assert pd_broken.status_code == 400 and pd_broken.json()["status"] == "invalid event"
    assert catalog.alerts() == []


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000, "[" * 500 + "]" * 500])
def test_deeply_nested_json_is_400(api: ApiHarness, catalog: Catalog, body: str) -> None:
    hook = catalog.hook("generic")
    response = api.http().post(f"/integrations/{hook.key}/generic", content=body.encode())
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] in ("ingest.invalid_json", "ingest.invalid_payload")
    pd = api.http().post("/v2/enqueue", content=body.encode())
    assert pd.status_code == 400


def _big_generic(size: int) -> bytes:
    body = json.dumps({"title": "big", "description": "x" * size}).encode()
    assert len(body) > size
    return body


def test_body_over_512_kib_is_413_with_content_length(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("generic")
    body = _big_generic(600 * KiB)
    response = api.http().post(f"/integrations/{hook.key}/generic", content=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "ingest.too_large"

    pd = api.http().post("/v2/enqueue", content=body)
    assert pd.status_code == 413 and pd.json()["status"] == "invalid event"
    # Just under the limit is fine.
    ok = api.http().post(f"/integrations/{hook.key}/generic", content=_big_generic(500 * KiB))
    assert ok.status_code == 202
    assert len(catalog.alerts()) == 1


def test_chunked_body_over_512_kib_is_413(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("generic")
    body = _big_generic(600 * KiB)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 16 * KiB):
            yield body[start : start + 16 * KiB]

    request = api.http().build_request(
        "POST", f"/integrations/{hook.key}/generic", content=chunks()
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    response = api.http().send(request)
    assert response.status_code == 413
    assert catalog.alerts() == []


def test_ingest_metrics_are_counted(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("generic")

    def value(outcome: str) -> float:
        sample_value = REGISTRY.get_sample_value(
            "slar_ingest_events_total", {"format": "generic", "outcome": outcome}
        )
        return sample_value or 0.0

    before_ok, before_bad = value("accepted"), value("ingest.invalid_payload")
    assert post(api, hook, {"title": "x"}).status_code == 202
    assert post(api, hook, {"nope": 1}).status_code == 400
    assert value("accepted") == before_ok + 1
    assert value("ingest.invalid_payload") == before_bad + 1
    metrics = api.http().get("/metrics").text
    assert "slar_ingest_duration_seconds_count" in metrics


def test_acknowledged_incident_is_not_retriggered_by_a_repeat(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    enqueue(api, pagerduty_event(hook.key))
    enqueue(api, pagerduty_event(hook.key, "acknowledge"))
    api.advance(minutes=3)
    enqueue(api, pagerduty_event(hook.key))
    [incident] = catalog.incidents()
    assert (incident.status, incident.alert_count) == ("acknowledged", 2)
    assert incident.updated_at == api.clock.now()


def test_alerts_keep_their_raw_payload(api: ApiHarness, catalog: Catalog) -> None:
    hook = catalog.hook("alertmanager")
    body = am_webhook(am_alert("1111000000000001"), am_alert("2222000000000002"))
    assert post(api, hook, body).status_code == 202
    alerts = catalog.alerts()
    assert [a.payload["alerts"][0]["fingerprint"] for a in alerts] == [
        "1111000000000001",
        "2222000000000002",
    ]
    assert alerts[0].payload["groupKey"] == body["groupKey"]


def test_resent_group_after_a_long_time_only_moves_last_seen(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("alertmanager")
    body = am_webhook(am_alert("3333000000000003"))
    post(api, hook, body)
    api.advance(hours=3)
    post(api, hook, body)
    [alert] = catalog.alerts()
    assert alert.last_seen_at == api.clock.now()
    assert alert.first_seen_at == api.clock.now() - timedelta(hours=3)
    [incident] = catalog.incidents()
    assert incident.alert_count == 1 and catalog.timeline(incident.id) == ["triggered"]
