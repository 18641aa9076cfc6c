"""Generic JSON parser."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slar.integrations.events import EventAction, Link, PayloadInvalid, Severity
from slar.integrations.generic import parse_generic, title_dedup_key

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def errors_of(body: object) -> list[str]:
    with pytest.raises(PayloadInvalid) as caught:
        parse_generic(body)
    return caught.value.errors


def test_firing() -> None:
    body = sample("generic_firing.json")
    batch = parse_generic(body)
    (event,) = batch.events
    assert batch.generated_dedup_key is False
    assert event.action is EventAction.TRIGGER
    assert event.summary == "Nightly backup of db-1 failed"
    assert event.description == "pg_dump exited with status 1: connection refused"
    assert event.severity is Severity.ERROR  # "high" is an alias of error
    assert event.labels == {"host": "db-1", "job": "backup", "attempt": "3", "dry_run": "false"}
    assert event.links == (
        Link("https://ci.example.com/jobs/backup/1234", ""),
        Link("https://runbooks.example.com/backup", "Runbook"),
    )
    assert event.source == "cron@db-1"
    assert event.occurred_at == datetime(2024, 5, 14, 2, 0, 7, tzinfo=UTC)
    assert event.raw == body
    assert event.raw["team_channel"] == "#db-oncall"  # unknown field kept


def test_key_from_title_deduplicates_repeats_and_resolves() -> None:
    firing = parse_generic(sample("generic_firing.json")).events[0]
    resolved = parse_generic(sample("generic_resolved.json")).events[0]
    digest = hashlib.sha256(b"Nightly backup of db-1 failed").hexdigest()[:32]
    assert firing.dedup_key == firing.fingerprint == "title:" + digest
    assert resolved.action is EventAction.RESOLVE
    assert resolved.dedup_key == firing.dedup_key
    assert title_dedup_key("  Nightly backup of db-1 failed ") == firing.dedup_key
    other = parse_generic({"title": "Nightly backup of db-2 failed"}).events[0]
    assert other.dedup_key != firing.dedup_key


def test_explicit_dedup_key_wins() -> None:
    event = parse_generic({"title": "Disk 91% full", "dedup_key": "disk-db-1"}).events[0]
    assert event.dedup_key == event.fingerprint == "disk-db-1"
    assert errors_of({"title": "x", "dedup_key": "k" * 256}) == [
        "dedup_key must be at most 255 characters"
    ]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("firing", EventAction.TRIGGER),
        ("trigger", EventAction.TRIGGER),
        ("RESOLVED", EventAction.RESOLVE),
        ("resolve", EventAction.RESOLVE),
        ("acknowledge", EventAction.ACKNOWLEDGE),
        (None, EventAction.TRIGGER),
        ("", EventAction.TRIGGER),
    ],
)
def test_status(status: str | None, action: EventAction) -> None:
    assert parse_generic({"title": "x", "status": status}).events[0].action is action


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", Severity.CRITICAL),
        ("crit", Severity.CRITICAL),
        ("error", Severity.ERROR),
        ("high", Severity.ERROR),
        ("Warning", Severity.WARNING),
        ("warn", Severity.WARNING),
        ("info", Severity.INFO),
        ("low", Severity.INFO),
        (None, Severity.ERROR),
    ],
)
def test_severity(severity: str | None, expected: Severity) -> None:
    assert parse_generic({"title": "x", "severity": severity}).events[0].severity is expected


def test_title_rules() -> None:
    assert errors_of({}) == ["title is required"]
    assert errors_of({"title": "  "}) == ["title is required"]
    assert errors_of({"title": 5}) == ["title must be a string"]
    assert errors_of({"title": "t" * 1025}) == ["title must be at most 1024 characters"]
    assert parse_generic({"title": "t" * 1024}).events[0].summary == "t" * 1024


def test_every_error_is_reported() -> None:
    body = {
        "title": None,
        "description": 1,
        "severity": "apocalyptic",
        "status": "exploding",
        "labels": ["a"],
        "links": [1, {"text": "no href"}, {"href": 2}],
        "source": [],
        "timestamp": "soon",
        "details": "x",
    }
    assert errors_of(body) == [
        "title is required",
        "description must be a string",
        "severity must be one of critical, error, warning, info",
        "status must be firing or resolved",
        "labels must be an object",
        "links[0] must be a string or an object",
        "links[1].href is required",
        "links[2].href must be a string",
        "source must be a string",
        "timestamp must be an ISO 8601 date-time or epoch seconds",
        "details must be an object",
    ]


def test_details_and_epoch_timestamps() -> None:
    event = parse_generic(
        {"title": "x", "details": {"a": [1, {"b": 2}]}, "timestamp": 1715677963123}
    ).events[0]
    assert event.details == {"a": [1, {"b": 2}]}
    assert event.occurred_at == datetime(2024, 5, 14, 9, 12, 43, 123000, tzinfo=UTC)


@pytest.mark.parametrize("body", [None, [], "title", 1])
def test_non_object_body(body: object) -> None:
    assert errors_of(body) == ["body must be a JSON object"]
