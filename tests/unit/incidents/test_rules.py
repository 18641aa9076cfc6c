"""The incident state machine and the pure helpers of ``rules``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slar.domain.incidents import rules
from slar.kernel.errors import Conflict, InvalidInput

T, A, R = rules.TRIGGERED, rules.ACKNOWLEDGED, rules.RESOLVED

# action -> {from status: None when allowed, else the error code}
EXPECTED: dict[str, dict[str, str | None]] = {
    "acknowledge": {T: None, A: "incident.already_acknowledged", R: "incident.resolved"},
    "unacknowledge": {T: "incident.not_acknowledged", A: None, R: "incident.resolved"},
    "resolve": {T: None, A: None, R: "incident.already_resolved"},
    "reassign": {T: None, A: None, R: "incident.resolved"},
    "snooze": {T: None, A: None, R: "incident.resolved"},
}
CHECKS: dict[str, Callable[[str, int], None]] = {
    "acknowledge": rules.check_acknowledge,
    "unacknowledge": rules.check_unacknowledge,
    "resolve": rules.check_resolve,
    "reassign": rules.check_reassign,
    "snooze": rules.check_snooze,
}
# Where an allowed action leads.
NEXT = {"acknowledge": A, "unacknowledge": T, "resolve": R, "reassign": None, "snooze": A}


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("status", [T, A, R])
def test_transition_table(action: str, status: str) -> None:
    expected = EXPECTED[action][status]
    if expected is None:
        CHECKS[action](status, 7)
        return
    with pytest.raises(Conflict) as caught:
        CHECKS[action](status, 7)
    assert caught.value.code == expected
    assert "incident 7" in caught.value.message
    assert caught.value.details == {"incident_id": 7}


def test_acknowledging_a_resolved_incident_says_why() -> None:
    with pytest.raises(Conflict) as caught:
        rules.check_acknowledge(R, 12)
    assert caught.value.message == "incident 12 is resolved; it cannot be acknowledged"


@given(st.lists(st.sampled_from(sorted(EXPECTED)), max_size=30))
def test_any_sequence_of_actions_keeps_a_valid_status(actions: list[str]) -> None:
    """Replaying random actions: allowed ones move as NEXT says; refused ones change nothing;
    nothing ever leaves resolved."""
    status = T
    for action in actions:
        try:
            CHECKS[action](status, 1)
        except Conflict:
            assert EXPECTED[action][status] is not None
            continue
        assert status != R
        status = NEXT[action] or status
    assert status in rules.STATUSES


def test_merge_rules() -> None:
    rules.check_merge(source_id=1, source_status=T, target_id=2, target_status=A)
    cases = [
        ((1, T, 1, T), "incident.merge_into_self"),
        ((1, R, 2, T), "incident.resolved"),
        ((1, A, 2, R), "incident.merge_target_resolved"),
    ]
    for (sid, sst, tid, tst), code in cases:
        with pytest.raises(Conflict) as caught:
            rules.check_merge(source_id=sid, source_status=sst, target_id=tid, target_status=tst)
        assert caught.value.code == code


def test_urgency_for() -> None:
    assert rules.urgency_for("high", "info") == "high"
    assert rules.urgency_for("low", "critical") == "low"
    assert [rules.urgency_for("dynamic", s) for s in ("critical", "error", "warning", "info")] == [
        "high",
        "high",
        "low",
        "low",
    ]


def test_expand_statuses() -> None:
    assert rules.expand_statuses(None) is None
    assert rules.expand_statuses([]) is None
    assert rules.expand_statuses([""]) is None
    assert rules.expand_statuses(["open"]) == frozenset({T, A})
    assert rules.expand_statuses(["Resolved", "triggered"]) == frozenset({R, T})
    assert rules.expand_statuses(["triggered, resolved"]) == frozenset({R, T})
    with pytest.raises(InvalidInput) as caught:
        rules.expand_statuses(["triggered", "done"])
    assert "'done'" in caught.value.message
    assert caught.value.code == "incident.invalid_filter"


def test_incident_ref_and_like_pattern() -> None:
    assert rules.incident_ref("#42") == 42
    assert rules.incident_ref("  #7 ") == 7
    assert rules.incident_ref("42") is None
    assert rules.incident_ref("#4x") is None
    assert rules.incident_ref("#" + "9" * 12) is None  # beyond any id; never overflows SQL ints
    assert rules.like_pattern("a%b_c\\d") == "%a\\%b\\_c\\\\d%"


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (rules.clean_title, ""),
        (rules.clean_title, "   "),
        (rules.clean_title, "x" * 1025),
        (rules.clean_note, " "),
        (rules.clean_note, "x" * 10_001),
    ],
)
def test_text_limits(check: Callable[[str], str], value: str) -> None:
    with pytest.raises(InvalidInput):
        check(value)


def test_text_is_trimmed_and_limits_are_inclusive() -> None:
    assert rules.clean_title("  t  ") == "t"
    assert rules.clean_note("x" * 10_000) == "x" * 10_000
    rules.check_snooze_minutes(1)
    rules.check_snooze_minutes(1440)
    for bad in (0, 1441):
        with pytest.raises(InvalidInput):
            rules.check_snooze_minutes(bad)
    rules.check_page(200, 0)
    for limit, offset in ((0, 0), (201, 0), (10, -1)):
        with pytest.raises(InvalidInput):
            rules.check_page(limit, offset)
