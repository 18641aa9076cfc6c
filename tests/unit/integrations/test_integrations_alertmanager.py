"""Alertmanager webhook v4 parser, on payloads shaped like Alertmanager 0.25 sends them."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slar.integrations.alertmanager import parse_alertmanager
from slar.integrations.events import EventAction, Link, PayloadInvalid, Severity

SAMPLES = Path(__file__).parent / "samples"
GROUP_KEY = '{}/{app="web"}:{alertname="HighCPU", env="prod"}'


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def errors_of(body: object) -> list[str]:
    with pytest.raises(PayloadInvalid) as caught:
        parse_alertmanager(body)
    return caught.value.errors


def test_firing_group_gives_one_event_per_alert_under_the_group_key() -> None:
    batch = parse_alertmanager(sample("alertmanager_firing.json"))

    assert batch.resolve_with_last_alert is True
    assert batch.generated_dedup_key is False
    assert batch.incident_title == "HighCPU (prod)"
    assert [e.action for e in batch.events] == [EventAction.TRIGGER, EventAction.TRIGGER]
    assert {e.dedup_key for e in batch.events} == {GROUP_KEY}
    assert [e.fingerprint for e in batch.events] == ["5f1e2b8c3d4a6e70", "a0b1c2d3e4f50617"]

    first, second = batch.events
    assert first.summary == "CPU above 90% on web-1:9100"
    assert first.description == "CPU usage on web-1:9100 has been above 90% for 5 minutes."
    assert first.severity is Severity.CRITICAL
    assert second.severity is Severity.WARNING
    assert first.source == "http://alertmanager.example:9093"
    assert first.labels == {
        "alertname": "HighCPU",
        "app": "web",
        "env": "prod",
        "instance": "web-1:9100",
        "severity": "critical",
    }
    assert first.links == (
        Link(
            "http://prometheus.example:9090/graph?g0.expr=instance%3Anode_cpu%3Aratio+%3E+0.9"
            "&g0.tab=1",
            "Source",
        ),
        Link("https://runbooks.example.com/HighCPU", "Runbook"),
    )
    assert second.links == ()  # generatorURL is empty, no runbook
    assert first.occurred_at == datetime(2024, 5, 14, 9, 12, 43, 218345, tzinfo=UTC)
    assert first.details["runbook_url"] == "https://runbooks.example.com/HighCPU"


def test_raw_is_the_body_with_only_this_alert() -> None:
    body = sample("alertmanager_firing.json")
    batch = parse_alertmanager(copy.deepcopy(body))
    for event, alert in zip(batch.events, body["alerts"], strict=True):
        expected = {**body, "alerts": [alert]}
        assert event.raw == expected


def test_partial_resolve_keeps_the_group_firing_and_resolves_one_alert() -> None:
    batch = parse_alertmanager(sample("alertmanager_partial_resolve.json"))
    actions = {e.fingerprint: e.action for e in batch.events}
    assert actions == {
        "5f1e2b8c3d4a6e70": EventAction.RESOLVE,
        "a0b1c2d3e4f50617": EventAction.TRIGGER,
    }
    assert {e.dedup_key for e in batch.events} == {GROUP_KEY}


def test_full_resolve_resolves_every_alert_with_stable_fingerprints() -> None:
    firing = parse_alertmanager(sample("alertmanager_firing.json"))
    resolved = parse_alertmanager(sample("alertmanager_resolved.json"))
    assert [e.action for e in resolved.events] == [EventAction.RESOLVE] * 2
    assert [e.fingerprint for e in resolved.events] == [e.fingerprint for e in firing.events]
    assert [e.dedup_key for e in resolved.events] == [e.dedup_key for e in firing.events]


def test_resending_the_same_group_is_idempotent() -> None:
    assert parse_alertmanager(sample("alertmanager_firing.json")) == parse_alertmanager(
        sample("alertmanager_firing.json")
    )


def test_long_group_key_is_hashed() -> None:
    body = sample("alertmanager_firing.json")
    body["groupKey"] = "{}:{" + "x" * 300 + "}"
    batch = parse_alertmanager(body)
    expected = "sha256:" + hashlib.sha256(body["groupKey"].encode()).hexdigest()
    assert {e.dedup_key for e in batch.events} == {expected}


def test_group_key_of_exactly_255_characters_is_kept() -> None:
    body = sample("alertmanager_firing.json")
    body["groupKey"] = "k" * 255
    assert parse_alertmanager(body).events[0].dedup_key == "k" * 255


def test_missing_fingerprint_is_derived_from_sorted_labels() -> None:
    body = sample("alertmanager_firing.json")
    del body["alerts"][0]["fingerprint"]
    reordered = sample("alertmanager_firing.json")
    del reordered["alerts"][0]["fingerprint"]
    reordered["alerts"][0]["labels"] = dict(reversed(list(body["alerts"][0]["labels"].items())))

    fingerprint = parse_alertmanager(body).events[0].fingerprint
    assert len(fingerprint) == 16
    int(fingerprint, 16)
    assert parse_alertmanager(reordered).events[0].fingerprint == fingerprint

    body["alerts"][0]["labels"]["instance"] = "web-9:9100"
    assert parse_alertmanager(body).events[0].fingerprint != fingerprint


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("P1", Severity.CRITICAL),
        ("error", Severity.ERROR),
        ("high", Severity.ERROR),
        ("major", Severity.ERROR),
        ("warning", Severity.WARNING),
        ("WARN", Severity.WARNING),
        ("medium", Severity.WARNING),
        ("minor", Severity.WARNING),
        ("info", Severity.INFO),
        ("low", Severity.INFO),
        ("none", Severity.INFO),
        ("catastrophic", Severity.ERROR),
        (None, Severity.ERROR),
    ],
)
def test_severity_label_mapping(severity: str | None, expected: Severity) -> None:
    body = sample("alertmanager_firing.json")
    labels = body["alerts"][0]["labels"]
    if severity is None:
        del labels["severity"]
    else:
        labels["severity"] = severity
    assert parse_alertmanager(body).events[0].severity is expected


def test_summary_falls_back_to_alertname_then_alert() -> None:
    body = sample("alertmanager_firing.json")
    del body["alerts"][0]["annotations"]["summary"]
    del body["alerts"][1]["annotations"]
    del body["alerts"][1]["labels"]["alertname"]
    first, second = parse_alertmanager(body).events
    assert first.summary == "HighCPU"
    assert second.summary == "Alert"
    assert second.description == ""


def test_incident_title_prefers_common_summary() -> None:
    body = sample("alertmanager_firing.json")
    body["commonAnnotations"] = {"summary": "CPU saturation on the web tier"}
    assert parse_alertmanager(body).incident_title == "CPU saturation on the web tier"


def test_incident_title_uses_common_alertname_and_falls_back_to_first_summary() -> None:
    body = sample("alertmanager_firing.json")
    body["groupLabels"] = {"env": "prod", "app": "web"}
    assert parse_alertmanager(body).incident_title == "HighCPU (web prod)"

    body["commonLabels"] = {}
    assert parse_alertmanager(body).incident_title == "CPU above 90% on web-1:9100"


def test_empty_alerts_list_is_a_valid_empty_batch() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"] = []
    batch = parse_alertmanager(body)
    assert batch.events == ()
    assert batch.incident_title == "HighCPU (prod)"


def test_unknown_fields_and_other_versions_are_accepted() -> None:
    body = sample("alertmanager_firing.json")
    body["version"] = "5"
    body["notification_reason"] = "group_interval"
    body["routeLabels"] = {"team": "web"}
    body["alerts"][0]["newField"] = {"anything": [1, 2, 3]}
    baseline = parse_alertmanager(sample("alertmanager_firing.json"))
    batch = parse_alertmanager(body)
    assert [e.fingerprint for e in batch.events] == [e.fingerprint for e in baseline.events]
    assert batch.events[0].summary == baseline.events[0].summary


def test_label_values_are_stringified() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"][0]["labels"].update(
        {"replicas": 3, "ratio": 0.5, "canary": True, "gone": None, "nested": {"a": [1]}}
    )
    labels = parse_alertmanager(body).events[0].labels
    assert labels["replicas"] == "3"
    assert labels["ratio"] == "0.5"
    assert labels["canary"] == "true"
    assert labels["gone"] == ""
    assert labels["nested"] == '{"a":[1]}'


def test_long_texts_are_truncated_not_rejected() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"][0]["annotations"]["summary"] = "s" * 5000
    body["alerts"][0]["labels"]["k" * 400] = "v" * 5000
    event = parse_alertmanager(body).events[0]
    assert len(event.summary) == 1024
    assert event.summary.endswith("…")
    assert "k" * 254 + "…" in event.labels
    assert event.labels["k" * 254 + "…"] == "v" * 1023 + "…"


def test_non_http_links_are_dropped() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"][0]["generatorURL"] = "javascript:alert(1)"
    body["alerts"][0]["annotations"]["runbook_url"] = "/relative/runbook"
    assert parse_alertmanager(body).events[0].links == ()


def test_unparseable_starts_at_is_tolerated() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"][0]["startsAt"] = "yesterday"
    assert parse_alertmanager(body).events[0].occurred_at is None


def test_missing_alert_status_falls_back_to_group_status() -> None:
    body = sample("alertmanager_resolved.json")
    del body["alerts"][0]["status"]
    assert parse_alertmanager(body).events[0].action is EventAction.RESOLVE


def test_external_url_missing_gives_default_source() -> None:
    body = sample("alertmanager_firing.json")
    body["externalURL"] = ""
    assert parse_alertmanager(body).events[0].source == "alertmanager"


@pytest.mark.parametrize("body", [None, [], "alerts", 4, 1.5, True, ["groupKey"]])
def test_non_object_body(body: object) -> None:
    assert errors_of(body) == ["body must be a JSON object"]


def test_missing_group_key_and_alerts_are_named() -> None:
    assert errors_of({}) == ["groupKey is required", "alerts is required"]


def test_wrong_types_name_the_field_path() -> None:
    body = sample("alertmanager_firing.json")
    body["groupKey"] = 12
    body["commonLabels"] = ["alertname"]
    body["alerts"].append("not an alert")
    body["alerts"].append({"labels": "x", "annotations": [], "status": "pending"})
    body["alerts"][0]["startsAt"] = 1715677963
    body["alerts"][1]["fingerprint"] = {"a": 1}
    assert errors_of(body) == [
        "groupKey must be a string",
        "commonLabels must be an object",
        "alerts[0].startsAt must be a string",
        "alerts[1].fingerprint must be a string",
        "alerts[2] must be an object",
        "alerts[3].status must be firing or resolved",
        "alerts[3].labels must be an object",
        "alerts[3].annotations must be an object",
    ]


def test_alerts_must_be_a_list() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"] = {"0": {}}
    assert errors_of(body) == ["alerts must be a list"]


def test_errors_are_capped_for_huge_bad_bodies() -> None:
    body = sample("alertmanager_firing.json")
    body["alerts"] = [1] * 5000
    errors = errors_of(body)
    assert len(errors) == 21
    assert errors[0] == "alerts[0] must be an object"
    assert errors[-1] == "and 4980 more errors"


def test_many_alerts_are_all_parsed() -> None:
    body = sample("alertmanager_firing.json")
    template = body["alerts"][0]
    body["alerts"] = [
        {**template, "fingerprint": f"{i:016x}", "labels": {**template["labels"], "i": str(i)}}
        for i in range(2000)
    ]
    batch = parse_alertmanager(body)
    assert len(batch.events) == 2000
    assert len({e.fingerprint for e in batch.events}) == 2000
