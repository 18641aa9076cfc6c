"""Monitors through real HTTP on both databases: uptime-check CRUD, the SSRF guard's 400,
permissions, results and statistics; heartbeat monitors and their public beat URL with the
sweep that opens and the beat that resolves; integration health and silence incidents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from tests.support.harness import ApiHarness

from slar.client import calls
from slar.client.sync import SlarClient
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.domain.monitors import sweeps
from slar.domain.monitors.models import CheckResult

PUBLIC_TARGET = "http://93.184.216.34/health"  # a literal public address: nothing resolves


def _setup(api: ApiHarness) -> tuple[int, dict[str, Any], httpx.Client]:
    team = api.make_team("Web")
    user = api.make_user("alice@example.com", teams={team: "member"})
    http = api.http(api.token_for(user.id, ttl=86_400))  # tests move the clock by hours
    svc = http.post("/services", json={"team_id": team, "name": "storefront"}).json()
    return team, svc, http


def _incidents(api: ApiHarness, dedup_key: str) -> list[Incident]:
    with api.db.read() as session:
        stmt = select(Incident).where(Incident.dedup_key == dedup_key).order_by(Incident.id)
        return list(session.scalars(stmt))


def test_check_crud_and_validation(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    created = http.post(
        "/monitors/checks",
        json={
            "service_id": svc["id"],
            "name": "home page",
            "kind": "http",
            "target": PUBLIC_TARGET,
            "interval_seconds": 30,
            "keyword": "ok",
        },
    )
    assert created.status_code == 201, created.text
    check = created.json()
    assert check["state"] == "unknown"
    assert check["failure_threshold"] == 2
    due = check["next_run_at"]
    assert api.clock.now().isoformat() < due.replace("Z", "+00:00")

    listed = http.get("/monitors/checks", params={"service_id": svc["id"]}).json()
    assert [c["id"] for c in listed] == [check["id"]]
    changed = http.patch(
        f"/monitors/checks/{check['id']}", json={"interval_seconds": 60, "tls_expiry_days": None}
    ).json()
    assert changed["interval_seconds"] == 60 and changed["tls_expiry_days"] is None

    for body, field in [
        ({"interval_seconds": 10}, "interval_seconds"),
        ({"kind": "smtp"}, "kind"),
        ({"timeout_seconds": 120}, "timeout_seconds"),
    ]:
        bad = http.post(
            "/monitors/checks",
            json={"service_id": svc["id"], "name": "x", "kind": "http", "target": PUBLIC_TARGET}
            | body,
        )
        assert bad.status_code == 422, body
        assert field in bad.text
    for target, code in [
        ("ftp://example.com", "monitor.invalid_target"),
        ("db.internal", "monitor.invalid_target"),
    ]:
        bad = http.post(
            "/monitors/checks",
            json={"service_id": svc["id"], "name": "x", "kind": "http", "target": target},
        )
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == code
    bad_status = http.patch(f"/monitors/checks/{check['id']}", json={"expected_status": "2xx"})
    assert bad_status.json()["error"]["code"] == "monitor.invalid_status"

    assert http.delete(f"/monitors/checks/{check['id']}").status_code == 204
    assert http.get(f"/monitors/checks/{check['id']}").status_code == 404


def test_the_ssrf_guard_refuses_private_targets_by_default(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    for kind, target, what in [
        ("http", "http://127.0.0.1:8080/", "loopback"),
        ("http", "http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http", "http://10.0.0.5/", "private"),
        ("http", "http://[::1]/", "loopback"),
        ("tcp", "192.168.1.10:5432", "private"),
        ("http", "http://localhost:8000/", "loopback"),
    ]:
        answer = http.post(
            "/monitors/checks",
            json={"service_id": svc["id"], "name": "sneaky", "kind": kind, "target": target},
        )
        assert answer.status_code == 400, target
        error = answer.json()["error"]
        assert error["code"] == "monitor.target_refused"
        assert error["details"]["field"] == "target"
        assert target in error["message"] and what in error["message"]
    assert http.get("/monitors/checks").json() == []


def test_permissions_follow_the_service_team(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    check = http.post(
        "/monitors/checks",
        json={
            "service_id": svc["id"],
            "name": "home",
            "kind": "tcp",
            "target": "93.184.216.34:443",
        },
    ).json()
    outsider = api.http(api.make_user("bob@example.com").token)
    observer = api.http(api.make_user("olga@example.com", role="observer").token)
    for client in (outsider, observer):
        assert client.get(f"/monitors/checks/{check['id']}").status_code == 200
        assert (
            client.patch(f"/monitors/checks/{check['id']}", json={"name": "x"}).status_code == 403
        )
        assert client.delete(f"/monitors/checks/{check['id']}").status_code == 403
        denied = client.post(
            "/monitors/heartbeats",
            json={"service_id": svc["id"], "name": "nightly", "interval_seconds": 86400},
        )
        assert denied.status_code == 403


def test_results_and_statistics(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    check = http.post(
        "/monitors/checks",
        json={"service_id": svc["id"], "name": "home", "kind": "http", "target": PUBLIC_TARGET},
    ).json()
    now = api.clock.now()
    with api.db.transaction() as session:
        for i in range(100):  # one result per hour over ~4 days, every tenth one down
            at = now - timedelta(hours=i, minutes=1)
            ok = i % 10 != 0
            session.add(
                CheckResult(
                    check_id=check["id"],
                    due_at=at,
                    started_at=at,
                    lateness_ms=3.0,
                    ok=ok,
                    latency_ms=float(i + 1) if ok else None,
                    status_code=200 if ok else 503,
                    error="" if ok else "HTTP 503, expected 200-399",
                )
            )
    stats = http.get(f"/monitors/checks/{check['id']}/stats").json()
    uptime = {u["window"]: (u["percent"], u["results"]) for u in stats["uptime"]}
    assert uptime["24h"] == (round(100 * 21 / 24, 3), 24)  # i = 0..23: 0, 10, 20 down
    assert uptime["7d"] == (90.0, 100)
    assert uptime["30d"] == (90.0, 100)
    assert stats["samples"] == 21
    assert stats["latency_p50_ms"] == 13.0  # nearest rank 11 of 2..24 without 11 and 21
    assert stats["latency_p99_ms"] == 24.0
    page = http.get(f"/monitors/checks/{check['id']}/results", params={"limit": 5}).json()
    assert len(page) == 5
    assert page[0]["ok"] is False and page[0]["status_code"] == 503
    assert page[0]["started_at"] > page[1]["started_at"]


def test_heartbeat_miss_opens_an_incident_and_the_next_beat_resolves_it(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    created = http.post(
        "/monitors/heartbeats",
        json={
            "service_id": svc["id"],
            "name": "nightly backup",
            "interval_seconds": 3600,
            "grace_seconds": 600,
        },
    )
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["state"] == "new"
    assert monitor["url"].endswith(f"/api/heartbeats/{monitor['key']}")
    anonymous = api.http()
    assert anonymous.post(f"/heartbeats/{'x' * 40}").status_code == 404
    assert anonymous.get(f"/heartbeats/{monitor['key']}").status_code == 200

    def sweep() -> None:
        with api.db.transaction() as session:
            sweeps.heartbeat_sweep(session, api.clock.now())

    api.advance(minutes=69)
    sweep()
    assert _incidents(api, f"monitor:heartbeat:{monitor['id']}") == []
    api.advance(minutes=2)  # 71 min > 60 + 10 grace
    sweep()
    sweep()  # idempotent: still one incident
    [incident] = _incidents(api, f"monitor:heartbeat:{monitor['id']}")
    assert incident.status == "triggered"
    assert "nightly backup" in incident.title and "missed" in incident.title
    shown = http.get(f"/monitors/heartbeats/{monitor['id']}").json()
    assert (shown["state"], shown["incident_id"]) == ("down", incident.id)

    beat = anonymous.post(f"/heartbeats/{monitor['key']}")
    assert beat.status_code == 200 and beat.json()["state"] == "up"
    [incident] = _incidents(api, f"monitor:heartbeat:{monitor['id']}")
    assert incident.status == "resolved"
    shown = http.get(f"/monitors/heartbeats/{monitor['id']}").json()
    assert (shown["state"], shown["incident_id"]) == ("up", None)

    # observers see the monitor, not its key
    observer = api.http(api.make_user("olga@example.com", role="observer").token)
    seen = observer.get(f"/monitors/heartbeats/{monitor['id']}").json()
    assert seen["key"] is None and seen["url"] is None
    rotated = http.post(f"/monitors/heartbeats/{monitor['id']}/regenerate-key").json()
    assert anonymous.post(f"/heartbeats/{monitor['key']}").status_code == 404
    assert anonymous.post(f"/heartbeats/{rotated['key']}").status_code == 200
    assert http.delete(f"/monitors/heartbeats/{monitor['id']}").status_code == 204


def test_a_heartbeat_that_never_beat_does_not_alert(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    monitor = http.post(
        "/monitors/heartbeats",
        json={"service_id": svc["id"], "name": "new job", "interval_seconds": 60},
    ).json()
    api.advance(hours=5)
    with api.db.transaction() as session:
        sweeps.heartbeat_sweep(session, api.clock.now())
    assert _incidents(api, f"monitor:heartbeat:{monitor['id']}") == []
    assert http.get(f"/monitors/heartbeats/{monitor['id']}").json()["state"] == "new"
    too_short = http.post(
        "/monitors/heartbeats",
        json={"service_id": svc["id"], "name": "x", "interval_seconds": 5},
    )
    assert too_short.status_code == 422 and "interval_seconds" in too_short.text


def test_a_silent_integration_opens_an_incident_and_traffic_resolves_it(api: ApiHarness) -> None:
    _team, svc, http = _setup(api)
    integration = http.post(
        f"/services/{svc['id']}/integrations",
        json={"name": "cron", "kind": "generic", "expect_every_seconds": 3600},
    ).json()
    assert integration["expect_every_seconds"] == 3600
    key = f"integration:silent:{integration['id']}"
    too_often = http.patch(f"/integrations/{integration['id']}", json={"expect_every_seconds": 5})
    assert too_often.status_code == 422 and "expect_every_seconds" in too_often.text

    def sweep() -> None:
        with api.db.transaction() as session:
            sweeps.integration_sweep(session, api.clock.now())

    sent = api.http().post(f"/integrations/{integration['key']}/generic", json={"title": "hello"})
    assert sent.status_code in (200, 202), sent.text
    health = http.get("/monitors/integrations", params={"service_id": svc["id"]}).json()
    assert health[0]["last_seen_at"] is not None and health[0]["silent"] is False

    api.advance(minutes=61)
    sweep()
    sweep()
    [incident] = _incidents(api, key)
    assert incident.status == "triggered" and "silent" in incident.title
    health = http.get("/monitors/integrations").json()
    assert [h["silent"] for h in health] == [True]

    api.http().post(f"/integrations/{integration['key']}/generic", json={"title": "hello"})
    sweep()
    [incident] = _incidents(api, key)
    assert incident.status == "resolved"

    # resolved by hand while still silent: not reopened for the same silence
    api.advance(minutes=61)
    sweep()
    [_, second] = _incidents(api, key)
    http.post(f"/incidents/{second.id}/resolve")
    sweep()
    assert len(_incidents(api, key)) == 2

    # switching the expectation off stands an open one down
    api.advance(minutes=120)
    sweep()
    assert len(_incidents(api, key)) == 2  # still the same silence
    api.http().post(f"/integrations/{integration['key']}/generic", json={"title": "hello"})
    api.advance(minutes=61)
    sweep()
    assert [i.status for i in _incidents(api, key)] == ["resolved", "resolved", "triggered"]
    off = http.patch(f"/integrations/{integration['id']}", json={"expect_every_seconds": None})
    assert off.json()["expect_every_seconds"] is None
    sweep()
    assert all(i.status == "resolved" for i in _incidents(api, key))
    with api.db.read() as session:
        last = session.scalars(
            select(IncidentEvent.message).order_by(IncidentEvent.id.desc()).limit(1)
        ).one()
    assert "No traffic is expected" in last


def test_the_typed_client_describes_every_monitor_route(api: ApiHarness) -> None:
    team = api.make_team("Ops")
    user = api.make_user("carol@example.com", teams={team: "member"})
    with SlarClient(api.url, token=user.token) as slar:
        svc = slar.call(calls.create_service(team, "batch"))
        check = slar.call(calls.create_check(svc.id, "api", "tcp", "93.184.216.34:443"))
        assert slar.call(calls.get_check(check.id)).target == "93.184.216.34:443"
        assert slar.call(calls.update_check(check.id, enabled=False)).enabled is False
        assert [c.id for c in slar.call(calls.list_checks(svc.id))] == [check.id]
        assert slar.call(calls.check_results(check.id)) == []
        assert slar.call(calls.check_stats(check.id)).uptime[0].percent is None
        monitor = slar.call(calls.create_heartbeat(svc.id, "nightly", 86400, 3600))
        assert monitor.key is not None
        assert slar.call(calls.beat(monitor.key)).state == "up"
        assert slar.call(calls.get_heartbeat(monitor.id)).state == "up"
        assert slar.call(calls.update_heartbeat(monitor.id, grace_seconds=0)).grace_seconds == 0
        assert len(slar.call(calls.list_heartbeats(svc.id))) == 1
        assert slar.call(calls.regenerate_heartbeat_key(monitor.id)).key != monitor.key
        integration = slar.call(calls.create_integration(svc.id, "cron", "generic"))
        updated = slar.call(calls.update_integration(integration.id, expect_every_seconds=600))
        assert updated.expect_every_seconds == 600
        assert slar.call(calls.integration_health(svc.id))[0].expect_every_seconds == 600
        slar.call(calls.delete_heartbeat(monitor.id))
        slar.call(calls.delete_check(check.id))
