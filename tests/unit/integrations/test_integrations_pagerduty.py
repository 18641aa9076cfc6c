"""PagerDuty Events API v2 parser: PagerDuty's client, Alertmanager's PagerDuty receiver."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slar.integrations.events import EventAction, Link, PayloadInvalid, Severity
from slar.integrations.pagerduty_v2 import parse_pagerduty_v2

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def errors_of(body: object) -> list[str]:
    with pytest.raises(PayloadInvalid) as caught:
        parse_pagerduty_v2(body)
    return caught.value.errors


def trigger(**payload: Any) -> dict[str, Any]:
    base = {"summary": "Disk full", "source": "db-1", "severity": "error"}
    return {"routing_key": "k", "event_action": "trigger", "payload": {**base, **payload}}


def test_full_trigger_maps_every_field() -> None:
    batch = parse_pagerduty_v2(sample("pagerduty_trigger.json"))

    assert batch.generated_dedup_key is False
    assert batch.resolve_with_last_alert is False
    (event,) = batch.events
    assert event.action is EventAction.TRIGGER
    assert event.dedup_key == event.fingerprint == "checkout-latency-eu-west-1"
    assert event.summary == "p99 latency of checkout above 2 s in eu-west-1"
    assert event.source == "checkout-api.eu-west-1.example.com"
    assert event.severity is Severity.CRITICAL
    assert event.occurred_at == datetime(2024, 5, 14, 7, 12, 43, 123000, tzinfo=UTC)
    assert event.labels == {"component": "checkout-api", "group": "payments", "class": "latency"}
    assert event.details == {
        "p99_ms": 2481,
        "threshold_ms": 2000,
        "regions": ["eu-west-1"],
        "pods": {"ready": 3, "total": 4},
    }
    assert event.links == (
        Link("https://grafana.example.com/d/checkout", "Checkout dashboard"),
        Link("https://runbooks.example.com/checkout-latency", ""),
        Link("https://grafana.example.com/d/checkout?viewPanel=4", "p99 latency"),
        Link("https://monitor.example.com/checkout", "Checkout monitor"),
    )


def test_routing_key_is_ignored_and_not_kept_in_raw() -> None:
    body = sample("pagerduty_trigger.json")
    event = parse_pagerduty_v2(body).events[0]
    assert "routing_key" not in event.raw
    assert event.raw == {k: v for k, v in body.items() if k != "routing_key"}
    body["routing_key"] = {"not": "a string"}
    assert parse_pagerduty_v2(body).events[0].dedup_key == "checkout-latency-eu-west-1"
    del body["routing_key"]
    assert parse_pagerduty_v2(body).events[0].dedup_key == "checkout-latency-eu-west-1"


def test_alertmanager_pagerduty_receiver_trigger_as_observed() -> None:
    (event,) = parse_pagerduty_v2(sample("alertmanager_pagerduty_trigger.json")).events
    group_key = b'{}:{alertname="HighCPU"}'
    assert event.dedup_key == hashlib.sha256(group_key).hexdigest()
    assert event.action is EventAction.TRIGGER
    assert event.severity is Severity.ERROR
    assert event.source == "Alertmanager"
    assert event.summary == "[FIRING:2] HighCPU (web prod)"
    assert event.occurred_at is None
    assert event.details["num_firing"] == "2"
    assert all(isinstance(v, str) for v in event.details.values())
    assert event.links == (
        Link("http://alertmanager.example:9093/#/alerts?receiver=slar-pagerduty", "Alertmanager"),
    )


def test_alertmanager_pagerduty_receiver_resolve_with_full_payload() -> None:
    (event,) = parse_pagerduty_v2(sample("alertmanager_pagerduty_resolve.json")).events
    assert event.action is EventAction.RESOLVE
    assert event.dedup_key == hashlib.sha256(b'{}:{alertname="HighCPU"}').hexdigest()
    assert event.summary == "[RESOLVED] HighCPU (web prod)"


@pytest.mark.parametrize(
    ("name", "action"),
    [("pagerduty_acknowledge.json", EventAction.ACKNOWLEDGE), ("pagerduty_resolve.json", None)],
)
def test_acknowledge_and_resolve_need_only_the_key(name: str, action: EventAction | None) -> None:
    batch = parse_pagerduty_v2(sample(name))
    (event,) = batch.events
    assert event.action is (action or EventAction.RESOLVE)
    assert event.dedup_key == event.fingerprint == "checkout-latency-eu-west-1"
    assert batch.generated_dedup_key is False
    assert event.summary == ""


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_without_key_are_invalid(action: str) -> None:
    assert errors_of({"event_action": action}) == [f"dedup_key is required for {action}"]
    assert errors_of({"event_action": action, "dedup_key": ""}) == [
        f"dedup_key is required for {action}"
    ]


def test_resolve_never_fails_on_its_payload() -> None:
    body = {
        "event_action": "resolve",
        "dedup_key": "x",
        "payload": {"severity": "bogus", "timestamp": "never", "summary": 3},
    }
    (event,) = parse_pagerduty_v2(body).events
    assert event.action is EventAction.RESOLVE
    assert event.severity is Severity.ERROR


def test_trigger_without_key_gets_a_generated_one() -> None:
    first = parse_pagerduty_v2(trigger())
    second = parse_pagerduty_v2(trigger())
    assert first.generated_dedup_key is True
    key = first.events[0].dedup_key
    assert len(key) == 32
    int(key, 16)
    assert first.events[0].fingerprint == key
    assert second.events[0].dedup_key != key


def test_dedup_key_limits() -> None:
    body = trigger()
    body["dedup_key"] = "k" * 255
    assert parse_pagerduty_v2(body).events[0].dedup_key == "k" * 255
    body["dedup_key"] = "k" * 256
    assert errors_of(body) == ["dedup_key must be at most 255 characters"]
    body["dedup_key"] = 42
    assert errors_of(body) == ["dedup_key must be a string"]


def test_missing_required_trigger_fields_are_all_reported() -> None:
    body = {"event_action": "trigger", "payload": {}}
    assert errors_of(body) == [
        "payload.summary is required",
        "payload.source is required",
        "payload.severity is required",
    ]
    assert errors_of({"event_action": "trigger"}) == ["payload is required for trigger"]
    assert errors_of({"event_action": "trigger", "payload": "x"}) == ["payload must be an object"]


def test_event_action_is_required_and_checked() -> None:
    assert errors_of({"dedup_key": "x"}) == ["event_action is required"]
    assert errors_of({"event_action": "escalate", "dedup_key": "x"}) == [
        "event_action must be one of trigger, acknowledge, resolve"
    ]
    assert errors_of({"event_action": ["trigger"], "dedup_key": "x"}) == [
        "event_action must be one of trigger, acknowledge, resolve"
    ]


def test_severity_must_be_one_of_four() -> None:
    assert errors_of(trigger(severity="high")) == [
        "payload.severity must be one of critical, error, warning, info"
    ]
    assert errors_of(trigger(severity=2)) == [
        "payload.severity must be one of critical, error, warning, info"
    ]
    for name in ("critical", "error", "warning", "info"):
        assert parse_pagerduty_v2(trigger(severity=name)).events[0].severity.value == name


def test_summary_length_limit() -> None:
    assert parse_pagerduty_v2(trigger(summary="s" * 1024)).events[0].summary == "s" * 1024
    assert errors_of(trigger(summary="s" * 1025)) == [
        "payload.summary must be at most 1024 characters"
    ]


def test_timestamp_must_be_iso_8601() -> None:
    assert errors_of(trigger(timestamp="14/05/2024")) == [
        "payload.timestamp must be an ISO 8601 date-time"
    ]
    assert errors_of(trigger(timestamp=1715677963)) == [
        "payload.timestamp must be an ISO 8601 date-time"
    ]
    naive = parse_pagerduty_v2(trigger(timestamp="2024-05-14T09:12:43")).events[0]
    assert naive.occurred_at == datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)


def test_wrong_types_name_the_field() -> None:
    body = trigger(summary=["x"], source=7, component={"a": 1}, group=None)
    body["links"] = [{"href": 3}, "https://x.example", {"text": "no href"}]
    body["images"] = {"src": "x"}
    body["client_url"] = 9
    assert errors_of(body) == [
        "payload.summary must be a string",
        "payload.source must be a string",
        "payload.component must be a string",
        "links[0].href must be a string",
        "links[1] must be an object",
        "links[2].href is required",
        "images must be a list",
        "client_url must be a string",
    ]


def test_custom_details_of_any_json_shape_are_kept() -> None:
    assert parse_pagerduty_v2(trigger(custom_details="plain text")).events[0].details == {
        "custom_details": "plain text"
    }
    assert parse_pagerduty_v2(trigger(custom_details=[1, 2])).events[0].details == {
        "custom_details": [1, 2]
    }


def test_images_without_href_and_unsafe_links_are_not_links() -> None:
    body = trigger()
    body["images"] = [{"src": "https://img.example/a.png"}]
    body["links"] = [{"href": "javascript:alert(1)", "text": "click"}]
    assert parse_pagerduty_v2(body).events[0].links == ()


def test_unknown_fields_are_ignored_but_kept_in_raw() -> None:
    body = trigger()
    body["dedup_key"] = "x"
    body["payload"]["extra"] = True
    body["future_field"] = {"a": 1}
    event = parse_pagerduty_v2(body).events[0]
    assert event.raw["future_field"] == {"a": 1}
    assert event.summary == "Disk full"


@pytest.mark.parametrize("body", [None, [], "trigger", 0, 2.5, False])
def test_non_object_body(body: object) -> None:
    assert errors_of(body) == ["body must be a JSON object"]
