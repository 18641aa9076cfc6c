"""Pure view models of the web UI: chart geometry, timeline bars, snippets, formats, sessions."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime, timedelta

import yaml
from hypothesis import given
from hypothesis import strategies as st

from slar.domain.catalog.schemas import IntegrationOut
from slar.domain.schedules.schemas import ShiftOut, ShiftsOut, UserRef
from slar.integrations.alertmanager import parse_alertmanager
from slar.web.session import SessionCodec, WebSession, derive_key
from slar.web.views import charts, formats
from slar.web.views.snippets import sample_alertmanager_payload, snippets
from slar.web.views.timeline import LABEL_W, timeline

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_sparkline_puts_the_peak_at_the_top_and_zero_at_the_bottom() -> None:
    line = charts.sparkline([0.0, None, 50.0, 100.0], width=104, height=44)
    assert line.dots == [(2.0, 42.0), (68.7, 22.0), (102.0, 2.0)]
    assert line.points == "2.0,42.0 68.7,22.0 102.0,2.0"
    assert line.peak == 100.0


def test_sparkline_without_data_is_empty() -> None:
    assert charts.sparkline([None, None]).empty


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e7)), min_size=1, max_size=40))
def test_sparkline_stays_inside_its_box(values: list[float | None]) -> None:
    line = charts.sparkline(values, width=160, height=36)
    for x, y in line.dots:
        assert 0 <= x <= 160 and 0 <= y <= 36


def _incident(created: datetime, ack_after: float | None) -> object:
    from slar.domain.incidents.schemas import IncidentOut

    return IncidentOut(
        id=1,
        number=1,
        title="t",
        description="",
        status="acknowledged",
        urgency="high",
        severity="error",
        service_id=1,
        service_name="s",
        team_id=1,
        assignee_id=None,
        dedup_key=None,
        alert_count=1,
        labels={},
        links=[],
        created_at=created,
        updated_at=created,
        acknowledged_at=created + timedelta(seconds=ack_after) if ack_after is not None else None,
        acknowledged_by_id=None,
        resolved_at=None,
        resolved_by_id=None,
        snoozed_until=None,
        merged_into_id=None,
        integration_id=None,
    )


def test_daily_means_bucket_by_the_day_the_incident_opened() -> None:
    now = T0
    incidents = [
        _incident(now - timedelta(hours=1), 60),
        _incident(now - timedelta(hours=2), 120),
        _incident(now - timedelta(days=2), 30),
        _incident(now - timedelta(days=1), None),
        _incident(now - timedelta(days=30), 10),  # outside the window
    ]
    means = charts.daily_means(incidents, now=now, days=7, measure="ack")  # type: ignore[arg-type]
    assert means == [None, None, None, None, 30.0, None, 90.0]


def test_latency_chart_marks_failures_and_scales_latency() -> None:
    chart = charts.latency_chart(
        [
            (T0 + timedelta(minutes=2), True, 50.0),
            (T0, True, 100.0),
            (T0 + timedelta(minutes=1), False, None),
        ],
        width=108,
        height=58,
    )
    assert chart.points == "4.0,4.0 104.0,29.0"
    assert chart.failures == [54.0]
    assert chart.peak_ms == 100.0


def test_timeline_lays_people_out_in_rows_and_time_across() -> None:
    alice, bob = UserRef(id=1, name="Alice", email="a@x"), UserRef(id=2, name="Bob", email="b@x")
    start = T0
    end = start + timedelta(days=2)
    shifts = ShiftsOut(
        schedule_id=1,
        time_zone="UTC",
        start=start,
        end=end,
        shifts=[
            ShiftOut(user=alice, start=start - timedelta(days=1), end=start + timedelta(days=1)),
            ShiftOut(user=bob, start=start + timedelta(days=1), end=end),
        ],
    )
    chart = timeline(shifts, now=start + timedelta(hours=12), width=LABEL_W + 200)
    assert [name for name, _ in chart.rows] == ["Alice", "Bob"]
    assert [(b.x, b.width) for b in chart.bars] == [(LABEL_W, 100.0), (LABEL_W + 100, 100.0)]
    assert chart.bars[0].y < chart.bars[1].y
    assert chart.now_x == LABEL_W + 50
    assert [t.label for t in chart.ticks] == ["Tue 03", "Wed 04"]


def _integration(kind: str, url: str | None, routing_key: str | None = None) -> IntegrationOut:
    return IntegrationOut(
        id=1,
        service_id=1,
        name="x",
        kind=kind,
        key="k" if url else None,  # type: ignore[arg-type]
        url=url,
        routing_key=routing_key,
        created_at=T0,
    )


def test_alertmanager_snippets_are_valid_yaml_and_a_parseable_payload() -> None:
    url = "https://slar.example/api/integrations/KEY/alertmanager"
    found = snippets(_integration("alertmanager", url))
    config = yaml.safe_load(found[0].text)
    assert config["receivers"][0]["webhook_configs"][0]["url"] == url
    curl = shlex.split(found[1].text.replace("\\\n", " "))
    assert curl[curl.index("-X") + 2] == url
    payload = json.loads(curl[curl.index("-d") + 1])
    assert payload == sample_alertmanager_payload()
    assert parse_alertmanager(payload)  # what SLAR itself accepts


def test_pagerduty_snippet_carries_the_routing_key() -> None:
    url = "https://slar.example/api/v2/enqueue"
    found = snippets(_integration("pagerduty", url, routing_key="RK"))
    config = yaml.safe_load(found[0].text)
    assert config["receivers"][0]["pagerduty_configs"][0] == {
        "routing_key": "RK",
        "url": url,
        "send_resolved": True,
    }


def test_no_snippets_without_the_url() -> None:
    for kind in ("alertmanager", "pagerduty", "datadog", "grafana", "generic"):
        assert snippets(_integration(kind, None)) == []


def test_durations_and_relative_times() -> None:
    assert [formats.duration(s) for s in (None, 5, 95, 3600, 3 * 86400 + 7200)] == [
        "—",
        "5s",
        "1m 35s",
        "1h",
        "3d 2h",
    ]
    assert formats.ago(T0 - timedelta(minutes=3), T0) == "3 minutes ago"
    assert formats.ago(T0 + timedelta(hours=2), T0) == "in 2 hours"
    assert formats.ago(None, T0) == "never"
    assert formats.safe_url("javascript:alert(1)") == "#"
    assert formats.safe_url("https://x.example/") == "https://x.example/"


def test_session_cookie_round_trips_and_refuses_another_key() -> None:
    codec = SessionCodec(derive_key("one-secret-that-is-long-enough-xx"), 60)
    session = WebSession(
        access_token="ACCESS-TOKEN-1234", refresh_token="REFRESH-TOKEN-5678", access_expires_at=5.0
    )
    session.flash("hello", "success")
    value = codec.encode(session)
    assert "TOKEN" not in value and "hello" not in value
    back = codec.decode(value)
    assert back is not None
    assert (back.access_token, back.refresh_token, back.csrf) == (
        "ACCESS-TOKEN-1234",
        "REFRESH-TOKEN-5678",
        session.csrf,
    )
    assert back.flashes == [("success", "hello")]
    other = SessionCodec(derive_key("another-secret-that-is-long-enough"), 60)
    assert other.decode(value) is None
    assert codec.decode("garbage") is None


def test_access_token_freshness() -> None:
    session = WebSession()
    session.sign_in("a", "r", expires_in=900)
    assert session.access_fresh()
    assert not session.access_fresh(now=session.access_expires_at + 1)
