"""``route``, ``matches``, ``check_condition`` and ``in_maintenance``: the pure catalog rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slar.domain.catalog.rules import (
    MAX_PATTERN_LENGTH,
    Condition,
    RoutingRuleSpec,
    check_condition,
    condition_from_json,
    condition_to_json,
    in_maintenance,
    matches,
    route,
)
from slar.domain.incidents.rules import urgency_for
from slar.integrations.events import AlertEvent, EventAction, Severity
from slar.kernel.errors import InvalidInput

DEFAULT = 1


def alert(
    *,
    severity: Severity = Severity.ERROR,
    source: str = "db-1",
    summary: str = "Disk full on db-1",
    labels: dict[str, str] | None = None,
) -> AlertEvent:
    return AlertEvent(
        action=EventAction.TRIGGER,
        dedup_key="k",
        fingerprint="k",
        summary=summary,
        severity=severity,
        source=source,
        labels=labels if labels is not None else {"team": "db", "env": "prod"},
    )


def rule(position: int, service_id: int, *conditions: Condition) -> RoutingRuleSpec:
    return RoutingRuleSpec(position=position, conditions=conditions, service_id=service_id)


# --- operators ---------------------------------------------------------------------------------


def test_equals_on_each_field() -> None:
    a = alert(severity=Severity.CRITICAL)
    assert matches(Condition("severity", "equals", "critical"), a)
    assert not matches(Condition("severity", "equals", "error"), a)
    assert matches(Condition("source", "equals", "db-1"), a)
    assert matches(Condition("summary", "equals", "Disk full on db-1"), a)
    assert matches(Condition("labels.team", "equals", "db"), a)
    assert not matches(Condition("labels.team", "equals", "DB"), a)  # case matters
    assert not matches(Condition("labels.missing", "equals", "db"), a)


def test_not_equals_counts_a_missing_label_as_not_equal() -> None:
    a = alert()
    assert matches(Condition("labels.team", "not_equals", "web"), a)
    assert not matches(Condition("labels.team", "not_equals", "db"), a)
    assert matches(Condition("labels.missing", "not_equals", "anything"), a)
    assert matches(Condition("source", "not_equals", "x"), alert(source=""))


def test_regex_uses_search_not_match() -> None:
    a = alert(summary="CPU high on web-7")
    assert matches(Condition("summary", "regex", r"web-\d+"), a)
    assert matches(Condition("summary", "regex", "^CPU"), a)
    assert not matches(Condition("summary", "regex", "^web"), a)
    assert matches(Condition("labels.env", "regex", "^(prod|staging)$"), a)
    assert not matches(Condition("labels.absent", "regex", ".*"), a)


def test_a_broken_stored_regex_matches_nothing_instead_of_raising() -> None:
    assert not matches(Condition("summary", "regex", "(unclosed"), alert())
    assert not matches(Condition("summary", "regex", "a" * (MAX_PATTERN_LENGTH + 1)), alert())


def test_in_takes_a_list() -> None:
    a = alert(severity=Severity.WARNING)
    assert matches(Condition("severity", "in", ["warning", "info"]), a)
    assert not matches(Condition("severity", "in", ["critical"]), a)
    assert matches(Condition("labels.env", "in", ["prod"]), a)
    assert not matches(Condition("labels.absent", "in", ["prod"]), a)
    assert not matches(Condition("labels.env", "in", "prod"), a)  # not a list: never matches


def test_exists() -> None:
    a = alert(source="")
    assert matches(Condition("labels.team", "exists", None), a)
    assert not matches(Condition("labels.nope", "exists", None), a)
    assert not matches(Condition("source", "exists", None), a)  # empty field = absent
    assert matches(Condition("summary", "exists", None), a)


# --- route -------------------------------------------------------------------------------------


def test_first_matching_rule_by_position_wins_and_conditions_are_anded() -> None:
    rules = [
        rule(2, 30, Condition("labels.team", "equals", "db")),
        rule(
            0,
            10,
            Condition("labels.team", "equals", "db"),
            Condition("severity", "equals", "critical"),
        ),
        rule(1, 20, Condition("labels.env", "equals", "prod")),
    ]
    assert route(rules, alert(severity=Severity.CRITICAL), DEFAULT) == 10
    # Only one of rule 0's conditions matches: falls to position 1.
    assert route(rules, alert(severity=Severity.ERROR), DEFAULT) == 20
    assert route(rules, alert(labels={"team": "db"}), DEFAULT) == 30
    assert route(rules, alert(labels={}), DEFAULT) == DEFAULT


def test_a_rule_without_conditions_matches_everything() -> None:
    rules = [rule(0, 5, Condition("labels.x", "exists", None)), rule(1, 6)]
    assert route(rules, alert(), DEFAULT) == 6
    assert route(rules, alert(labels={"x": ""}), DEFAULT) == 5


def test_no_rules_means_the_default() -> None:
    assert route([], alert(), 42) == 42


# --- properties --------------------------------------------------------------------------------

label_names = st.sampled_from(["team", "env", "region", "app"])
label_values = st.sampled_from(["db", "web", "prod", "staging", "eu", ""])
fields = st.one_of(
    st.sampled_from(["severity", "source", "summary"]), label_names.map(lambda n: f"labels.{n}")
)


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    op = draw(st.sampled_from(["equals", "not_equals", "regex", "in", "exists"]))
    field = draw(fields)
    if op == "exists":
        return Condition(field, op, None)
    if op == "in":
        return Condition(field, op, draw(st.lists(label_values, min_size=1, max_size=3)))
    if op == "regex":
        return Condition(field, op, draw(st.sampled_from(["^d", "b$", ".", "prod|web", "x*"])))
    return Condition(field, op, draw(label_values))


alerts = st.builds(
    alert,
    severity=st.sampled_from(list(Severity)),
    source=st.sampled_from(["", "db-1", "web"]),
    summary=st.text(max_size=20),
    labels=st.dictionaries(label_names, label_values, max_size=4),
)
rule_lists = st.lists(
    st.builds(
        RoutingRuleSpec,
        position=st.integers(0, 50),
        conditions=st.lists(conditions(), max_size=3).map(tuple),
        service_id=st.integers(100, 110),
    ),
    max_size=6,
)


@given(rule_lists, alerts)
def test_route_returns_a_configured_service_or_the_default(
    rules: list[RoutingRuleSpec], event: AlertEvent
) -> None:
    chosen = route(rules, event, DEFAULT)
    assert chosen in {r.service_id for r in rules} | {DEFAULT}
    matching = [
        r
        for r in sorted(rules, key=lambda r: r.position)
        if all(matches(c, event) for c in r.conditions)
    ]
    assert chosen == (matching[0].service_id if matching else DEFAULT)


@given(rule_lists, alerts, label_names)
def test_exists_on_an_absent_label_never_matches(
    rules: list[RoutingRuleSpec], event: AlertEvent, name: str
) -> None:
    labels = {k: v for k, v in event.labels.items() if k != name}
    event = alert(
        severity=event.severity, source=event.source, summary=event.summary, labels=labels
    )
    guarded = [
        RoutingRuleSpec(
            r.position, (*r.conditions, Condition(f"labels.{name}", "exists", None)), 999
        )
        for r in rules
    ]
    assert route(guarded, event, DEFAULT) == DEFAULT


# --- validation at save time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "field"),
    [
        (Condition("summary", "regex", "(unclosed"), "rules[3].conditions[1].value"),
        (
            Condition("summary", "regex", "a" * (MAX_PATTERN_LENGTH + 1)),
            "rules[3].conditions[1].value",
        ),
        (Condition("hostname", "equals", "x"), "rules[3].conditions[1].field"),
        (Condition("labels.", "equals", "x"), "rules[3].conditions[1].field"),
        (Condition("summary", "like", "x"), "rules[3].conditions[1].op"),
        (Condition("summary", "in", []), "rules[3].conditions[1].value"),
        (Condition("summary", "in", "x"), "rules[3].conditions[1].value"),
        (Condition("summary", "exists", "x"), "rules[3].conditions[1].value"),
        (Condition("summary", "equals", None), "rules[3].conditions[1].value"),
        (Condition("summary", "equals", ["x"]), "rules[3].conditions[1].value"),
    ],
)
def test_check_condition_names_the_rule_condition_and_part(
    condition: Condition, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_condition(condition, where="rules[3].conditions[1]")
    assert caught.value.code == "routing.invalid_condition"
    assert caught.value.details["field"] == field
    assert caught.value.message.startswith(field)


def test_valid_conditions_pass_and_round_trip_through_json() -> None:
    for c in [
        Condition("severity", "in", ["critical", "error"]),
        Condition("labels.team", "exists", None),
        Condition("summary", "regex", r"^disk \d+%"),
        Condition("source", "not_equals", "x"),
    ]:
        check_condition(c, where="rules[0].conditions[0]")
        assert condition_from_json(condition_to_json(c)) == c


# --- maintenance -------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_in_maintenance_start_inclusive_end_exclusive() -> None:
    windows = [(T0, T0 + HOUR)]
    assert in_maintenance(windows, T0)
    assert in_maintenance(windows, T0 + HOUR - timedelta(microseconds=1))
    assert not in_maintenance(windows, T0 + HOUR)
    assert not in_maintenance(windows, T0 - timedelta(microseconds=1))
    assert not in_maintenance([], T0)


def test_in_maintenance_any_of_several_windows() -> None:
    windows = [(T0, T0 + HOUR), (T0 + 2 * HOUR, T0 + 3 * HOUR)]
    assert not in_maintenance(windows, T0 + 1.5 * HOUR)
    assert in_maintenance(windows, T0 + 2 * HOUR)
    assert in_maintenance(iter(windows), T0 + 2.5 * HOUR)  # any iterable


def test_incident_urgency_follows_severity_only_for_dynamic_services() -> None:
    assert [urgency_for("dynamic", s) for s in ("critical", "error", "warning", "info")] == [
        "high",
        "high",
        "low",
        "low",
    ]
    assert urgency_for("high", "info") == "high"
    assert urgency_for("low", "critical") == "low"
