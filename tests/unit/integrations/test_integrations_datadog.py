"""Datadog webhook parser, on bodies made from the recommended template."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slar.integrations.datadog import RECOMMENDED_TEMPLATE, parse_datadog, strip_title_prefix
from slar.integrations.events import EventAction, Link, PayloadInvalid, Severity

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def errors_of(body: object) -> list[str]:
    with pytest.raises(PayloadInvalid) as caught:
        parse_datadog(body)
    return caught.value.errors


def test_recommended_template_is_json_with_the_documented_variables() -> None:
    template = json.loads(RECOMMENDED_TEMPLATE)
    assert template["alert_cycle_key"] == "$ALERT_CYCLE_KEY"
    assert template["alert_transition"] == "$ALERT_TRANSITION"
    assert template["event_title"] == "$EVENT_TITLE"
    for variable in (
        "$ALERT_ID",
        "$EVENT_MSG",
        "$ALERT_PRIORITY",
        "$ALERT_SCOPE",
        "$TAGS",
        "$LINK",
        "$AGGREG_KEY",
        "$HOSTNAME",
        "$DATE",
    ):
        assert f'"{variable}"' in RECOMMENDED_TEMPLATE


def test_unfilled_template_is_rejected_for_lack_of_key_and_title() -> None:
    assert errors_of(json.loads(RECOMMENDED_TEMPLATE)) == [
        "alert_cycle_key, aggreg_key or alert_id is required",
        "event_title is required",
    ]


def test_triggered() -> None:
    batch = parse_datadog(sample("datadog_triggered.json"))
    (event,) = batch.events
    assert batch.generated_dedup_key is False
    assert event.action is EventAction.TRIGGER
    assert event.dedup_key == event.fingerprint == "7285830513957434633"
    assert event.summary == "CPU above 90% on checkout"
    assert event.description.startswith("CPU has been above 90% on host:web-1")
    assert "%%%" not in event.description
    assert event.severity is Severity.ERROR
    assert event.source == "web-1"
    assert event.labels == {
        "env": "prod",
        "host": "web-1",
        "monitor": "",
        "service": "checkout",
        "scope": "host:web-1,env:prod",
    }
    assert event.links == (
        Link("https://app.datadoghq.com/event/event?id=7285830513957434633", "Datadog"),
    )
    assert event.occurred_at == datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)
    assert event.raw == sample("datadog_triggered.json")


def test_recovered_resolves_the_same_key() -> None:
    triggered = parse_datadog(sample("datadog_triggered.json")).events[0]
    recovered = parse_datadog(sample("datadog_recovered.json")).events[0]
    assert recovered.action is EventAction.RESOLVE
    assert recovered.dedup_key == triggered.dedup_key
    assert recovered.summary == "CPU above 90% on checkout"


@pytest.mark.parametrize(
    ("transition", "action"),
    [
        ("Triggered", EventAction.TRIGGER),
        ("Re-Triggered", EventAction.TRIGGER),
        ("Warn", EventAction.TRIGGER),
        ("Re-Warn", EventAction.TRIGGER),
        ("No Data", EventAction.TRIGGER),
        ("Renotify", EventAction.TRIGGER),
        ("Null", EventAction.TRIGGER),
        ("Recovered", EventAction.RESOLVE),
        ("recovered", EventAction.RESOLVE),
    ],
)
def test_transitions(transition: str, action: EventAction) -> None:
    body = sample("datadog_triggered.json")
    body["alert_transition"] = transition
    assert parse_datadog(body).events[0].action is action


@pytest.mark.parametrize(
    ("priority", "transition", "alert_type", "severity"),
    [
        ("P1", "Triggered", "error", Severity.CRITICAL),
        ("P2", "Triggered", "error", Severity.ERROR),
        ("P3", "Triggered", "error", Severity.WARNING),
        ("P4", "Triggered", "error", Severity.INFO),
        ("p5", "Triggered", "error", Severity.INFO),
        ("P1", "Warn", "warning", Severity.CRITICAL),
        ("", "Warn", "warning", Severity.WARNING),
        ("", "Warn", "", Severity.WARNING),
        ("", "Triggered", "warning", Severity.WARNING),
        ("", "Triggered", "info", Severity.INFO),
        ("", "Triggered", "error", Severity.ERROR),
        ("", "No Data", "", Severity.ERROR),
        ("$ALERT_PRIORITY", "Triggered", "", Severity.ERROR),
    ],
)
def test_severity(priority: str, transition: str, alert_type: str, severity: Severity) -> None:
    body = sample("datadog_triggered.json")
    body.update(alert_priority=priority, alert_transition=transition, alert_type=alert_type)
    assert parse_datadog(body).events[0].severity is severity


def test_dedup_key_falls_back_to_aggreg_key_then_alert_id() -> None:
    body = sample("datadog_triggered.json")
    body["alert_cycle_key"] = ""
    assert parse_datadog(body).events[0].dedup_key == "9bd4ac313a4d1e8fae2482df7b77628"
    del body["aggreg_key"]
    assert parse_datadog(body).events[0].dedup_key == "123456789"
    body["alert_id"] = 123456789  # unquoted variable in the template
    assert parse_datadog(body).events[0].dedup_key == "123456789"
    del body["alert_id"]
    assert errors_of(body) == ["alert_cycle_key, aggreg_key or alert_id is required"]


def test_unfilled_variable_does_not_become_a_shared_key() -> None:
    body = sample("datadog_triggered.json")
    body["alert_cycle_key"] = "$ALERT_CYCLE_KEY"
    assert parse_datadog(body).events[0].dedup_key == "9bd4ac313a4d1e8fae2482df7b77628"


def test_field_name_variants_are_accepted() -> None:
    body = {
        "cycle_key": "c-1",
        "title": "[Triggered] Disk full",
        "transition": "Triggered",
        "priority": "P1",
        "message": "95% used",
        "scope": "host:db-1",
        "tags": ["env:prod", "team:db"],
        "url": "https://app.datadoghq.com/monitors/1",
        "host": "db-1",
        "timestamp": 1715677963,
    }
    (event,) = parse_datadog(body).events
    assert event.dedup_key == "c-1"
    assert event.summary == "Disk full"
    assert event.severity is Severity.CRITICAL
    assert event.description == "95% used"
    assert event.labels == {"env": "prod", "team": "db", "scope": "host:db-1"}
    assert event.links == (Link("https://app.datadoghq.com/monitors/1", "Datadog"),)
    assert event.source == "db-1"
    assert event.occurred_at == datetime(2024, 5, 14, 9, 12, 43, tzinfo=UTC)


def test_alert_type_success_without_transition_resolves() -> None:
    body = {"alert_id": "1", "event_title": "x", "alert_type": "success"}
    assert parse_datadog(body).events[0].action is EventAction.RESOLVE
    assert parse_datadog({**body, "alert_type": "error"}).events[0].action is EventAction.TRIGGER


def test_title_is_required_and_typed() -> None:
    body = sample("datadog_triggered.json")
    body["event_title"] = "   "
    assert errors_of(body) == ["event_title is required"]
    body["event_title"] = {"text": "x"}
    assert errors_of(body) == ["event_title must be a string"]


def test_repeated_tag_names_are_joined() -> None:
    body = sample("datadog_triggered.json")
    body["tags"] = "env:prod, env:staging,,team:web,env:prod"
    assert parse_datadog(body).events[0].labels["env"] == "prod,staging"


def test_wrong_types_name_the_field() -> None:
    body = sample("datadog_triggered.json")
    body["alert_cycle_key"] = ["x"]
    body["tags"] = {"env": "prod"}
    body["event_msg"] = ["a"]
    assert errors_of(body) == [
        "alert_cycle_key must be a string",
        "event_msg must be a string",
        "tags must be a string or a list of strings",
    ]


def test_bad_date_is_tolerated() -> None:
    body = sample("datadog_triggered.json")
    body["date"] = "not a date"
    assert parse_datadog(body).events[0].occurred_at is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[P1] [Triggered] CPU high", "CPU high"),
        ("[Re-Triggered] CPU high", "CPU high"),
        ("[No Data] CPU high", "CPU high"),
        ("[Triggered on {host:web-1}] CPU high", "[Triggered on {host:web-1}] CPU high"),
        ("[Triggered]", "[Triggered]"),
        ("CPU [P1] high", "CPU [P1] high"),
    ],
)
def test_strip_title_prefix(title: str, expected: str) -> None:
    assert strip_title_prefix(title) == expected


@pytest.mark.parametrize("body", [None, [], "x", 1])
def test_non_object_body(body: object) -> None:
    assert errors_of(body) == ["body must be a JSON object"]


def test_documented_template_is_the_recommended_one() -> None:
    docs = Path(__file__).parents[3] / "docs" / "integrations.md"
    section = docs.read_text().split("## Datadog webhook", 1)[1]
    documented = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(documented) == json.loads(RECOMMENDED_TEMPLATE)
