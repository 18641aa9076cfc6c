"""The pure monitor rules: failure threshold, uptime, percentiles, slots, SSRF classification,
targets and expected statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slar.domain.monitors.rules import (
    DOWN,
    UNKNOWN,
    UP,
    CheckState,
    TargetPolicy,
    after_result,
    classify,
    next_slot,
    parse_allow_list,
    parse_status_ranges,
    parse_target,
    percentile,
    plan_run,
    refusal,
    spread_offset,
    status_expected,
    uptime_percent,
)
from slar.kernel.errors import InvalidInput

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def run(outcomes: list[bool], threshold: int) -> tuple[CheckState, int, int]:
    """Feed results through the state machine; (final state, incidents opened, resolved)."""
    state = CheckState(UNKNOWN, 0, incident_open=False)
    opened = resolved = 0
    for ok in outcomes:
        step = after_result(state, ok=ok, threshold=threshold)
        opened += step.open_incident
        resolved += step.resolve_incident
        incident = (state.incident_open or step.open_incident) and not step.resolve_incident
        state = CheckState(step.state, step.consecutive_failures, incident_open=incident)
    return state, opened, resolved


def test_threshold_failures_open_one_incident_and_the_first_success_resolves_it() -> None:
    state, opened, resolved = run([False, False], threshold=3)
    assert (state.state, opened) == (UNKNOWN, 0)
    state, opened, resolved = run([False, False, False, False, False], threshold=3)
    assert (state.state, state.consecutive_failures, opened, resolved) == (DOWN, 5, 1, 0)
    state, opened, resolved = run([False] * 3 + [True], threshold=3)
    assert (state.state, state.consecutive_failures, opened, resolved) == (UP, 0, 1, 1)


def test_a_success_between_failures_restarts_the_count() -> None:
    state, opened, _ = run([False, False, True, False, False], threshold=3)
    assert (state.state, state.consecutive_failures, opened) == (UP, 2, 0)


@given(st.lists(st.booleans(), max_size=60), st.integers(min_value=1, max_value=6))
def test_incidents_open_and_resolve_alternately(outcomes: list[bool], threshold: int) -> None:
    state, opened, resolved = run(outcomes, threshold)
    assert opened - resolved in (0, 1)
    assert (opened - resolved == 1) == state.incident_open
    streak = 0
    for ok in reversed(outcomes):
        if ok:
            break
        streak += 1
    assert state.consecutive_failures == streak
    if outcomes:
        assert (state.state == DOWN) == (streak >= threshold)


def test_uptime_and_percentiles() -> None:
    assert uptime_percent(0, 0) is None
    assert uptime_percent(99, 100) == 99.0
    assert uptime_percent(2, 3) == 66.667
    assert percentile([], 50) is None
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=30, max_value=86_400))
def test_offsets_fall_inside_the_interval(check_id: int, interval: int) -> None:
    offset = spread_offset(check_id, interval)
    assert 0 <= offset < interval
    assert offset == spread_offset(check_id, interval)  # stable


def test_consecutive_checks_are_spread_over_the_interval() -> None:
    offsets = sorted(spread_offset(i, 30) for i in range(1, 501))
    per_second = [sum(1 for o in offsets if s <= o < s + 1) for s in range(30)]
    assert max(per_second) <= 20  # 500 checks / 30 s ≈ 17 per second, never a burst


@given(
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=30, max_value=3600),
    st.floats(min_value=0, max_value=0.999),
)
def test_next_slot_is_the_first_slot_strictly_after(
    seconds: int, interval: int, frac: float
) -> None:
    offset = round(frac * interval, 3)
    after = T0 + timedelta(seconds=seconds)
    slot = next_slot(after, interval, offset)
    assert after < slot <= after + timedelta(seconds=interval)
    phase = (slot.timestamp() - offset) % interval
    assert min(phase, interval - phase) < 1e-3


def test_runs_keep_their_slots() -> None:
    now = T0 + timedelta(seconds=3)
    assert plan_run(T0, 60, 0.0, now) == (T0, T0 + timedelta(seconds=60))


@given(st.integers(min_value=60, max_value=10**6), st.floats(min_value=0, max_value=0.999))
def test_a_long_absence_runs_once_now_and_returns_to_the_slots(away: int, frac: float) -> None:
    offset = round(frac * 60, 3)
    due = next_slot(T0, 60, offset)
    now = due + timedelta(seconds=away)
    run_at, following = plan_run(due, 60, offset, now)
    assert run_at == now
    assert now + timedelta(seconds=30) < following <= now + timedelta(seconds=90)
    assert following == next_slot(following - timedelta(seconds=1), 60, offset)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_classification(address: str, reason: str | None) -> None:
    assert classify(address) == reason


def test_refusal_honours_allow_lists_and_the_database_host() -> None:
    networks, hosts = parse_allow_list("10.0.0.0/8, intranet.example")
    policy = TargetPolicy(
        allow_networks=networks, allow_hosts=hosts, denied_hosts=frozenset({"db", "93.184.216.40"})
    )
    assert refusal("a", ["10.2.3.4"], policy) is None
    assert refusal("intranet.example", ["192.168.0.1"], policy) is None
    assert "loopback" in (refusal("a", ["127.0.0.1"], policy) or "")
    assert "metadata" in (refusal("m", ["169.254.169.254"], policy) or "")
    assert "database" in (refusal("db", ["93.184.216.40"], policy) or "")
    assert "database" in (refusal("other", ["93.184.216.40"], policy) or "")
    # one bad address among good ones is enough to refuse
    assert refusal("mixed", ["93.184.216.34", "10.0.0.1"], TargetPolicy()) is not None
    assert refusal("anything", ["127.0.0.1"], TargetPolicy(allow_private=True)) is None
    with pytest.raises(ValueError, match="neither a CIDR"):
        parse_allow_list("not a host!")


def test_targets_per_kind() -> None:
    assert parse_target("http", "https://example.com/x").port == 443
    assert parse_target("http", "http://example.com:8080/").port == 8080
    assert parse_target("tcp", "db.example:5432").host == "db.example"
    assert parse_target("tcp", "[::1]:22").host == "::1"
    assert parse_target("dns", "example.com.").host == "example.com"
    for kind, bad in [
        ("http", "ftp://example.com"),
        ("http", "https://user:pw@example.com"),
        ("tcp", "example.com"),
        ("tcp", "example.com:70000"),
        ("dns", "1.2.3.4"),
        ("dns", "bad host"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            parse_target(kind, bad)
        assert caught.value.code == "monitor.invalid_target"


def test_status_ranges() -> None:
    ranges = parse_status_ranges("200-299, 301")
    assert status_expected(204, ranges) and status_expected(301, ranges)
    assert not status_expected(302, ranges)
    for bad in ["2xx", "300-200", "99", ""]:
        with pytest.raises(ValueError, match=r"range|status code"):
            parse_status_ranges(bad)
