"""Grafana webhook contact point parser (Grafana 10 payloads)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from slar.integrations.alertmanager import parse_alertmanager
from slar.integrations.events import EventAction, Link, PayloadInvalid, Severity
from slar.integrations.grafana import parse_grafana, strip_status_prefix

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def errors_of(body: object) -> list[str]:
    with pytest.raises(PayloadInvalid) as caught:
        parse_grafana(body)
    return caught.value.errors


def test_grafana_10_firing() -> None:
    body = sample("grafana_firing.json")
    batch = parse_grafana(body)

    assert batch.resolve_with_last_alert is True
    assert batch.incident_title == "High memory usage Infra (blue)"
    first, second = batch.events
    assert {first.dedup_key, second.dedup_key} == {body["groupKey"]}
    assert [first.fingerprint, second.fingerprint] == ["c6eadffa33fcdf37", "0b9d2a7ef3c41e55"]
    assert first.action is second.action is EventAction.TRIGGER
    assert first.summary == "Memory above 90% in zone us-1"
    assert second.summary == "High memory usage"
    assert first.severity is Severity.ERROR
    assert first.source == "https://grafana.example.com/"
    assert first.links == (
        Link("https://grafana.example.com/alerting/grafana/f1a2b3c4/view?orgId=1", "Alert rule"),
        Link("https://grafana.example.com/d/mem01?orgId=1", "Dashboard"),
        Link("https://grafana.example.com/d/mem01?orgId=1&viewPanel=2", "Panel"),
        Link("https://runbooks.example.com/high-memory", "Runbook"),
    )
    assert second.links == (
        Link("https://grafana.example.com/alerting/grafana/f1a2b3c4/view?orgId=1", "Alert rule"),
    )
    # No description annotation: the body's message stands in.
    assert first.description == body["message"].strip()
    assert first.raw["alerts"] == [body["alerts"][0]]
    assert first.raw["orgId"] == 1


def test_resolved_alert() -> None:
    body = sample("grafana_firing.json")
    body["alerts"][1]["status"] = "resolved"
    body["title"] = "[FIRING:1, RESOLVED:1] High memory usage Infra (blue)"
    batch = parse_grafana(body)
    assert [e.action for e in batch.events] == [EventAction.TRIGGER, EventAction.RESOLVE]
    assert batch.incident_title == "High memory usage Infra (blue)"


def test_description_annotation_wins_over_message() -> None:
    body = sample("grafana_firing.json")
    body["alerts"][0]["annotations"]["description"] = "Zone us-1 is swapping"
    assert parse_grafana(body).events[0].description == "Zone us-1 is swapping"


def test_missing_group_key_falls_back_to_a_hash_of_group_labels() -> None:
    body = sample("grafana_firing.json")
    del body["groupKey"]
    batch = parse_grafana(body)
    canonical = json.dumps(body["groupLabels"], sort_keys=True, separators=(",", ":"))
    expected = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert {e.dedup_key for e in batch.events} == {expected}

    reordered = sample("grafana_firing.json")
    del reordered["groupKey"]
    reordered["groupLabels"] = dict(reversed(list(body["groupLabels"].items())))
    assert parse_grafana(reordered).events[0].dedup_key == expected

    other = sample("grafana_firing.json")
    del other["groupKey"]
    other["groupLabels"]["grafana_folder"] = "Apps"
    assert parse_grafana(other).events[0].dedup_key != expected


def test_same_body_without_group_key_is_still_invalid_for_alertmanager() -> None:
    body = sample("grafana_firing.json")
    del body["groupKey"]
    with pytest.raises(PayloadInvalid) as caught:
        parse_alertmanager(body)
    assert caught.value.errors == ["groupKey is required"]


def test_title_without_content_falls_back_to_alertmanager_rule() -> None:
    body = sample("grafana_firing.json")
    body["title"] = "[FIRING:2] "
    assert parse_grafana(body).incident_title == "High memory usage (Infra)"
    del body["title"]
    assert parse_grafana(body).incident_title == "High memory usage (Infra)"


def test_wrong_types_name_the_field() -> None:
    body = sample("grafana_firing.json")
    body["title"] = 5
    body["message"] = {"text": "x"}
    body["groupKey"] = ["x"]
    body["alerts"][1]["dashboardURL"] = 3
    assert errors_of(body) == [
        "title must be a string",
        "message must be a string",
        "groupKey must be a string",
        "alerts[1].dashboardURL must be a string",
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[FIRING:2] HighCPU (web)", "HighCPU (web)"),
        ("[RESOLVED] HighCPU (web)", "HighCPU (web)"),
        ("[FIRING:1, RESOLVED:3]  Disk", "Disk"),
        ("HighCPU [FIRING:2]", "HighCPU [FIRING:2]"),
        ("[FIRINGX] x", "[FIRINGX] x"),
    ],
)
def test_strip_status_prefix(title: str, expected: str) -> None:
    assert strip_status_prefix(title) == expected


@pytest.mark.parametrize("body", [None, [], "x", 1])
def test_non_object_body(body: object) -> None:
    assert errors_of(body) == ["body must be a JSON object"]
