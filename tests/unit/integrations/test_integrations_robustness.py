"""Every parser, on anything: only ``ParsedBatch`` or ``PayloadInvalid`` ever comes out.

Hypothesis feeds arbitrary JSON and JSON shaped like each format (known field names with
arbitrary values), then checks the invariants the ingestion service relies on.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slar.integrations import KINDS, PARSERS, parse
from slar.integrations._fields import MAX_DEPTH
from slar.integrations.events import AlertEvent, ParsedBatch, PayloadInvalid

Parser = Callable[[object], ParsedBatch]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "",
            "firing",
            "resolved",
            "trigger",
            "acknowledge",
            "resolve",
            "Recovered",
            "Triggered",
            "critical",
            "warning",
            "P1",
            "2024-05-14T09:12:43Z",
            "0001-01-01T00:00:00Z",
            "1715677963000",
            "https://example.com/x",
            "javascript:alert(1)",
            "$ALERT_CYCLE_KEY",
            "a:b,c",
            "k" * 300,
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

FIELDS = {
    "alertmanager": [
        "version",
        "groupKey",
        "truncatedAlerts",
        "status",
        "receiver",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
    ],
    "alert": [
        "status",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "generatorURL",
        "fingerprint",
        "dashboardURL",
        "panelURL",
    ],
    "grafana": ["title", "state", "message", "orgId"],
    "pagerduty": [
        "routing_key",
        "event_action",
        "dedup_key",
        "client",
        "client_url",
        "links",
        "images",
    ],
    "payload": [
        "summary",
        "source",
        "severity",
        "timestamp",
        "component",
        "group",
        "class",
        "custom_details",
    ],
    "link": ["href", "text", "src", "alt"],
    "datadog": [
        "alert_cycle_key",
        "aggreg_key",
        "alert_id",
        "alert_transition",
        "alert_type",
        "alert_priority",
        "event_title",
        "event_msg",
        "alert_scope",
        "tags",
        "link",
        "hostname",
        "date",
        "title",
        "priority",
    ],
    "generic": [
        "title",
        "description",
        "severity",
        "dedup_key",
        "status",
        "labels",
        "links",
        "source",
        "timestamp",
        "details",
    ],
}


def shaped(names: list[str], value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Objects whose keys are mostly the format's field names."""
    keys = st.sampled_from(names) | st.text(max_size=6)
    return st.dictionaries(keys, value, max_size=len(names) + 2)


flat = st.dictionaries(st.text(max_size=8), scalars, max_size=4)
labels = flat | scalars | st.lists(scalars, max_size=2)
alert = shaped(FIELDS["alert"], labels)
links = st.lists(shaped(FIELDS["link"], scalars) | scalars, max_size=3) | json_values
alertmanager_bodies = shaped(
    FIELDS["alertmanager"] + FIELDS["grafana"] + ["alerts"],
    st.lists(alert, max_size=3) | labels,
)
pagerduty_bodies = shaped(
    [*FIELDS["pagerduty"], "payload"],
    shaped(FIELDS["payload"], json_values) | links | json_values,
)
BODIES: dict[str, st.SearchStrategy[Any]] = {
    "alertmanager": alertmanager_bodies,
    "grafana": alertmanager_bodies,
    "pagerduty": pagerduty_bodies,
    "datadog": shaped(FIELDS["datadog"], json_values),
    "generic": shaped(FIELDS["generic"], links | labels),
}


# Mostly valid bodies: each field is right about nine times in ten, so the success path and
# the field mappings are exercised too, not only the error path.
def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(0, 9).flatmap(lambda roll: json_values if roll == 9 else valid)


def with_extras(body: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    extras = st.dictionaries(st.text(max_size=6), json_values, max_size=2)
    return st.tuples(body, extras).map(lambda pair: {**pair[1], **pair[0]})


texts = st.text(min_size=1, max_size=40)
long_texts = st.integers(0, 5).flatmap(
    lambda roll: st.text(min_size=1000, max_size=1100) if roll == 5 else texts
)
urls = st.sampled_from(["https://example.com/a", "http://x.example:9090/graph?g=1", "", "ftp://x"])
times = st.sampled_from(["2024-05-14T09:12:43.218345678Z", "2024-05-14T11:12:43+02:00", "x"])
flat_labels = st.dictionaries(st.text(max_size=10), scalars, max_size=4)
valid_alert = st.fixed_dictionaries(
    {},
    optional={
        "status": mostly(st.sampled_from(["firing", "resolved"])),
        "labels": mostly(flat_labels),
        "annotations": mostly(flat_labels),
        "startsAt": mostly(times),
        "generatorURL": mostly(urls),
        "fingerprint": mostly(st.text(max_size=20) | st.just("f" * 300)),
        "dashboardURL": mostly(urls),
    },
)
valid_grouped = with_extras(
    st.fixed_dictionaries(
        {
            "groupKey": mostly(long_texts),
            "alerts": mostly(st.lists(mostly(valid_alert), max_size=3)),
        },
        optional={
            "status": mostly(st.sampled_from(["firing", "resolved"])),
            "groupLabels": mostly(flat_labels),
            "commonLabels": mostly(flat_labels),
            "commonAnnotations": mostly(flat_labels),
            "externalURL": mostly(urls),
            "version": json_values,
            "title": mostly(texts),
            "message": mostly(texts),
        },
    )
)
valid_payload = st.fixed_dictionaries(
    {
        "summary": mostly(long_texts),
        "source": mostly(texts),
        "severity": mostly(st.sampled_from(["critical", "error", "warning", "info"])),
    },
    optional={
        "timestamp": mostly(times),
        "component": mostly(texts),
        "group": mostly(texts),
        "class": mostly(texts),
        "custom_details": json_values,
    },
)
valid_link = st.fixed_dictionaries({"href": mostly(urls)}, optional={"text": mostly(texts)})
valid_pagerduty = with_extras(
    st.fixed_dictionaries(
        {"event_action": mostly(st.sampled_from(["trigger", "acknowledge", "resolve"]))},
        optional={
            "routing_key": json_values,
            "dedup_key": mostly(st.text(max_size=300)),
            "payload": mostly(valid_payload),
            "links": mostly(st.lists(mostly(valid_link), max_size=2)),
            "images": mostly(st.lists(mostly(valid_link), max_size=2)),
            "client": mostly(texts),
            "client_url": mostly(urls),
        },
    )
)
keys = st.text(min_size=1, max_size=20) | st.integers(min_value=0)
valid_datadog = with_extras(
    st.fixed_dictionaries(
        {"event_title": mostly(texts)},
        optional={
            "alert_cycle_key": mostly(keys),
            "aggreg_key": mostly(keys),
            "alert_id": mostly(keys),
            "alert_transition": mostly(st.sampled_from(["Triggered", "Recovered", "Warn", ""])),
            "alert_type": mostly(st.sampled_from(["error", "warning", "info", "success"])),
            "alert_priority": mostly(st.sampled_from(["P1", "P2", "P3", "P4", "P5", ""])),
            "event_msg": mostly(texts),
            "alert_scope": mostly(texts),
            "tags": mostly(st.text(max_size=30) | st.lists(st.text(max_size=8), max_size=3)),
            "link": mostly(urls),
            "hostname": mostly(texts),
            "date": mostly(times | st.integers() | st.floats()),
        },
    )
)
valid_generic = with_extras(
    st.fixed_dictionaries(
        {"title": mostly(long_texts)},
        optional={
            "description": mostly(texts),
            "severity": mostly(st.sampled_from(["critical", "high", "warn", "info", "LOW"])),
            "dedup_key": mostly(st.text(max_size=300)),
            "status": mostly(st.sampled_from(["firing", "resolved", "trigger", "resolve"])),
            "labels": mostly(flat_labels),
            "links": mostly(st.lists(mostly(valid_link | urls), max_size=2)),
            "source": mostly(texts),
            "timestamp": mostly(times | st.integers()),
            "details": mostly(st.dictionaries(st.text(max_size=5), json_values, max_size=3)),
        },
    )
)
VALID_BODIES: dict[str, st.SearchStrategy[Any]] = {
    "alertmanager": valid_grouped,
    "grafana": valid_grouped,
    "pagerduty": valid_pagerduty,
    "datadog": valid_datadog,
    "generic": valid_generic,
}


def check_event(event: AlertEvent) -> None:
    assert isinstance(event.dedup_key, str)
    assert 0 < len(event.dedup_key) <= 255
    assert isinstance(event.fingerprint, str)
    assert 0 < len(event.fingerprint) <= 255
    assert isinstance(event.summary, str)
    assert len(event.summary) <= 1024
    assert len(event.source) <= 1024
    assert all(isinstance(k, str) and len(k) <= 255 for k in event.labels)
    assert all(isinstance(v, str) and len(v) <= 1024 for v in event.labels.values())
    for link in event.links:
        assert link.href.lower().startswith(("http://", "https://"))
    if event.occurred_at is not None:
        assert event.occurred_at.tzinfo is UTC
    # What is stored must serialise: no recursion blow-up, no unsupported types.
    json.dumps(event.raw)
    json.dumps(event.details)


def check_outcome(parser: Parser, body: object) -> None:
    before = json.dumps(body, sort_keys=True)
    outcome: ParsedBatch | PayloadInvalid
    try:
        outcome = parser(body)
    except PayloadInvalid as invalid:
        outcome = invalid
    if isinstance(outcome, PayloadInvalid):
        assert outcome.errors
        assert all(isinstance(message, str) and message for message in outcome.errors)
    else:
        assert isinstance(outcome, ParsedBatch)
        assert isinstance(outcome.incident_title, str)
        assert len(outcome.incident_title) <= 1024
        for event in outcome.events:
            check_event(event)
    assert json.dumps(body, sort_keys=True) == before, "the parser must not mutate its input"


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_shaped_bodies_only_parse_or_raise_payload_invalid(kind: str, data: st.DataObject) -> None:
    check_outcome(PARSERS[kind], data.draw(BODIES[kind]))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mostly_valid_bodies_only_parse_or_raise_payload_invalid(
    kind: str, data: st.DataObject
) -> None:
    check_outcome(PARSERS[kind], data.draw(VALID_BODIES[kind]))


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=200, deadline=None)
@given(body=json_values)
def test_arbitrary_json_only_parses_or_raises_payload_invalid(kind: str, body: object) -> None:
    check_outcome(PARSERS[kind], body)


def nested_list(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


DEEP_BODIES: dict[str, Callable[[list[object]], dict[str, Any]]] = {
    "pagerduty": lambda deep: {
        "event_action": "trigger",
        "payload": {
            "summary": "s",
            "source": "s",
            "severity": "info",
            "custom_details": {"trace": deep},
        },
    },
    "alertmanager": lambda deep: {
        "groupKey": "g",
        "alerts": [{"labels": {"a": deep}, "annotations": {"b": deep}}],
    },
    "grafana": lambda deep: {"alerts": [{"labels": {}}], "values": deep},
    "datadog": lambda deep: {"alert_id": "1", "event_title": "t", "tags": deep},
    "generic": lambda deep: {"title": "t", "details": {"x": deep}, "labels": {"y": deep}},
}


@pytest.mark.parametrize("kind", KINDS)
def test_ten_thousand_deep_nesting_is_rejected_without_recursion(kind: str) -> None:
    with pytest.raises(PayloadInvalid) as caught:
        parse(kind, DEEP_BODIES[kind](nested_list(10_000)))
    (message,) = caught.value.errors
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in message


@pytest.mark.parametrize("kind", ["pagerduty", "alertmanager", "generic"])
def test_nesting_just_under_the_limit_is_accepted_and_serialisable(kind: str) -> None:
    batch = parse(kind, DEEP_BODIES[kind](nested_list(MAX_DEPTH - 6)))
    for event in batch.events:
        json.dumps(event.raw)


def test_huge_flat_bodies_parse() -> None:
    details = {f"k{i}": "v" * 10 for i in range(20_000)}
    body = {
        "event_action": "trigger",
        "dedup_key": "big",
        "payload": {"summary": "s", "source": "s", "severity": "info", "custom_details": details},
    }
    (event,) = parse("pagerduty", body).events
    assert event.details is details  # kept, not copied or walked beyond the depth check

    labels = {f"label{i}": i for i in range(20_000)}
    (event,) = parse("generic", {"title": "t", "labels": labels}).events
    assert len(event.labels) == 20_000
    assert event.labels["label19999"] == "19999"


def test_too_many_alerts_in_one_request_is_an_error() -> None:
    body = {"groupKey": "g", "alerts": [{}] * 5001}
    with pytest.raises(PayloadInvalid) as caught:
        parse("alertmanager", body)
    assert caught.value.errors == ["alerts must hold at most 5000 alerts"]
    assert len(parse("alertmanager", {"groupKey": "g", "alerts": [{}] * 5000}).events) == 5000


def test_many_top_level_fields_are_not_copied_into_every_event() -> None:
    body: dict[str, Any] = {f"extra{i}": i for i in range(10_000)}
    body.update(groupKey="g", alerts=[{"fingerprint": f"{i:016x}"} for i in range(3000)])
    batch = parse("alertmanager", body)
    assert len(batch.events) == 3000
    assert all(len(event.raw) <= 65 for event in batch.events)


class Weird:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


ODD_VALUES: list[object] = [
    Weird(),
    b"bytes",
    {1, 2},
    (1, "tuple"),
    10**5000,
    float("nan"),
    -math.inf,
    {1: "int key"},
    {Weird(): "weird key"},
    "\ud800",
    ["\ud800"],
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("odd", ODD_VALUES, ids=lambda v: type(v).__name__)
def test_non_json_python_objects_never_escape_as_other_errors(kind: str, odd: object) -> None:
    names = FIELDS.get(kind, []) + FIELDS["generic"] + FIELDS["datadog"]
    names += ["payload", "alerts", "groupKey", "event_action"]
    for name in names:
        with contextlib.suppress(PayloadInvalid):
            parse(kind, {name: odd})
    alert_body = {"groupKey": "g", "alerts": [{field: odd for field in FIELDS["alert"]}]}
    pd_body = {"event_action": "trigger", "payload": {f: odd for f in FIELDS["payload"]}}
    for body_ in (alert_body, pd_body, {odd if isinstance(odd, str) else "x": odd}):
        with contextlib.suppress(PayloadInvalid):
            parse(kind, body_)
    if not isinstance(odd, dict):
        with pytest.raises(PayloadInvalid) as caught:
            parse(kind, odd)
        assert caught.value.errors == ["body must be a JSON object"]


def test_dispatch_and_unknown_kind() -> None:
    assert set(KINDS) == {"alertmanager", "pagerduty", "datadog", "grafana", "generic"}
    assert parse("generic", {"title": "t"}).events[0].summary == "t"
    with pytest.raises(ValueError, match="unknown integration kind 'nagios'") as caught:
        parse("nagios", {"title": "t"})
    assert not isinstance(caught.value, PayloadInvalid)
