"""SLAR against a real Prometheus Alertmanager (0.25, Debian's ``prometheus-alertmanager``).

Alerts are posted to Alertmanager's own API; Alertmanager groups them and notifies SLAR through
its ``webhook_configs`` and ``pagerduty_configs`` receivers, exactly as in production. The tests
then read SLAR's REST API only, so they prove the whole path: Alertmanager's real payloads, its
re-sends, its partial and final resolves, and SLAR's dedup and raw-payload keeping.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from tests.e2e.alertmanager.conftest import Slar
from tests.e2e.alertmanager.process import Alertmanager, alert

T = TypeVar("T")
DEADLINE_S = 20.0

WEBHOOK_GROUP_KEY = '{}/{receiver="webhook"}:{alertname="HighCPU", env="prod"}'
PD_GROUP_KEY = '{}/{receiver="pd"}:{alertname="DiskFull", env="prod"}'


def wait_for(what: str, probe: Callable[[], T], done: Callable[[T], bool], am: Alertmanager) -> T:
    """Poll ``probe`` until ``done`` holds, for at most ``DEADLINE_S`` seconds."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what}; last value: {value!r}\n"
                f"Alertmanager log (tail):\n{am.output()[-4000:]}"
            )
        time.sleep(0.2)


def incidents(slar: Slar, status: str | None = None) -> list[dict[str, Any]]:
    params = {"status": status} if status else {}
    items: list[dict[str, Any]] = slar.get("/incidents", **params)["items"]
    return items


def incident_alerts(slar: Slar, incident_id: int) -> dict[str, dict[str, Any]]:
    """The incident's alerts by their ``instance`` label."""
    rows = slar.get(f"/incidents/{incident_id}/alerts")
    return {row["labels"].get("instance", ""): row for row in rows}


def timeline_kinds(slar: Slar, incident_id: int) -> list[str]:
    return [entry["kind"] for entry in slar.get(f"/incidents/{incident_id}/timeline")]


def labels(alertname: str, instance: str, receiver: str) -> dict[str, str]:
    return {
        "alertname": alertname,
        "env": "prod",
        "instance": instance,
        "severity": "critical",
        "receiver": receiver,
    }


def past() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)


def test_webhook_group_is_one_incident_that_resolves_with_its_last_alert(
    slar: Slar, alertmanager: Alertmanager
) -> None:
    # Starting now, not in the past: Alertmanager flushes a group at once (skipping group_wait)
    # when its first alert is older than group_wait, which could split the two alerts.
    started = datetime.now(UTC)
    cpu_a = alert(
        labels("HighCPU", "a", "webhook"),
        annotations={"summary": "CPU hot on a"},
        starts_at=started,
    )
    cpu_b = alert(labels("HighCPU", "b", "webhook"), starts_at=started)
    alertmanager.post_alerts(cpu_a, cpu_b)

    [incident] = wait_for(
        "one open incident with both alerts",
        lambda: incidents(slar, "open"),
        lambda found: len(found) == 1 and found[0]["alert_count"] == 2,
        alertmanager,
    )
    assert incident["status"] == "triggered"
    assert incident["dedup_key"] == WEBHOOK_GROUP_KEY
    assert incident["title"] == "HighCPU (prod)"
    assert incident["severity"] == "critical"
    assert incident["service_id"] == slar.service_id
    first_alerts = incident_alerts(slar, incident["id"])
    assert set(first_alerts) == {"a", "b"}
    assert first_alerts["a"]["summary"] == "CPU hot on a"
    assert first_alerts["b"]["summary"] == "HighCPU"

    # Alertmanager re-sends the unchanged group (repeat_interval 1s, flushed every 2s):
    # wait for two more real deliveries; they must add nothing.
    sent = alertmanager.notifications("webhook")
    wait_for(
        "two re-sends of the unchanged group",
        lambda: alertmanager.notifications("webhook"),
        lambda count: count >= sent + 2,
        alertmanager,
    )
    assert [i["id"] for i in incidents(slar)] == [incident["id"]]
    assert slar.get(f"/incidents/{incident['id']}")["alert_count"] == 2
    assert timeline_kinds(slar, incident["id"]) == ["triggered"]
    assert all(row["occurrences"] == 1 for row in incident_alerts(slar, incident["id"]).values())

    # Resolve one alert: Alertmanager keeps the group firing and lists it as resolved.
    alertmanager.post_alerts({**cpu_a, "endsAt": past().isoformat()})
    after_partial = wait_for(
        "alert a resolved",
        lambda: incident_alerts(slar, incident["id"]),
        lambda rows: rows["a"]["status"] == "resolved",
        alertmanager,
    )
    assert after_partial["b"]["status"] == "triggered"
    still_open = slar.get(f"/incidents/{incident['id']}")
    assert (still_open["status"], still_open["alert_count"]) == ("triggered", 2)
    assert alertmanager.failed_attempts() == []

    # Resolve the other: the last open alert of the incident.
    alertmanager.post_alerts({**cpu_b, "endsAt": past().isoformat()})
    resolved = wait_for(
        "the incident resolved",
        lambda: slar.get(f"/incidents/{incident['id']}"),
        lambda found: found["status"] == "resolved",
        alertmanager,
    )
    assert resolved["alert_count"] == 2
    assert timeline_kinds(slar, incident["id"]) == ["triggered", "resolved"]
    assert {row["status"] for row in incident_alerts(slar, incident["id"]).values()} == {"resolved"}
    assert incidents(slar, "open") == []
    assert [i["id"] for i in incidents(slar, "resolved")] == [incident["id"]]
    assert alertmanager.failed_attempts() == []


def test_pagerduty_receiver_pointed_at_slar_works_unchanged(
    slar: Slar, alertmanager: Alertmanager
) -> None:
    # Starting now, not in the past: Alertmanager flushes a group at once (skipping group_wait)
    # when its first alert is older than group_wait, which could split the two alerts.
    started = datetime.now(UTC)
    disk_a = alert(labels("DiskFull", "a", "pd"), starts_at=started)
    disk_b = alert(labels("DiskFull", "b", "pd"), starts_at=started)
    alertmanager.post_alerts(disk_a, disk_b)

    [incident] = wait_for(
        "one open incident from the PagerDuty receiver",
        lambda: incidents(slar, "open"),
        lambda found: len(found) == 1,
        alertmanager,
    )
    # Alertmanager's dedup_key is the SHA-256 of the group key: the whole group is one alert.
    expected_key = hashlib.sha256(PD_GROUP_KEY.encode()).hexdigest()
    assert incident["dedup_key"] == expected_key
    assert incident["title"] == "[FIRING:2] DiskFull prod (pd critical)"
    assert incident["severity"] == "error"  # Alertmanager's default, whatever the labels say
    assert incident["alert_count"] == 1
    [only] = slar.get(f"/incidents/{incident['id']}/alerts")
    sent = slar.get(f"/alerts/{only['id']}")["payload"]
    assert sent["dedup_key"] == incident["dedup_key"] == only["dedup_key"]
    assert sent["event_action"] == "trigger"

    # A partial resolve arrives as another trigger with the same key: it counts on the incident.
    alertmanager.post_alerts({**disk_a, "endsAt": past().isoformat()})
    repeated = wait_for(
        "the partial resolve (a repeated trigger)",
        lambda: slar.get(f"/incidents/{incident['id']}"),
        lambda found: found["alert_count"] == 2,
        alertmanager,
    )
    assert repeated["status"] == "triggered"
    assert timeline_kinds(slar, incident["id"]) == ["triggered", "alert_repeated"]
    [only] = slar.get(f"/incidents/{incident['id']}/alerts")
    partial = slar.get(f"/alerts/{only['id']}")["payload"]
    assert partial["payload"]["summary"] == "[FIRING:1] DiskFull prod (pd critical)"
    assert partial["payload"]["custom_details"]["num_resolved"] == "1"

    alertmanager.post_alerts({**disk_b, "endsAt": past().isoformat()})
    resolved = wait_for(
        "the incident resolved by the final resolve",
        lambda: slar.get(f"/incidents/{incident['id']}"),
        lambda found: found["status"] == "resolved",
        alertmanager,
    )
    assert resolved["dedup_key"] == expected_key
    assert timeline_kinds(slar, incident["id"]) == ["triggered", "alert_repeated", "resolved"]
    assert [row["status"] for row in slar.get(f"/incidents/{incident['id']}/alerts")] == [
        "resolved"
    ]
    assert [i["id"] for i in incidents(slar)] == [incident["id"]]
    assert alertmanager.failed_attempts() == []


def test_raw_payloads_alertmanager_sent_are_kept_with_the_alerts(
    slar: Slar, alertmanager: Alertmanager
) -> None:
    started = datetime(2026, 3, 2, 8, 59, 30, 123456, tzinfo=UTC)
    cpu = alert(
        labels("HighCPU", "a", "webhook"),
        annotations={"summary": "CPU hot on a", "runbook_url": "https://runbooks.example/cpu"},
        starts_at=started,
    )
    disk = alert(labels("DiskFull", "a", "pd"), starts_at=started)
    alertmanager.post_alerts(cpu, disk)
    found = wait_for(
        "both incidents",
        lambda: incidents(slar, "open"),
        lambda items: len(items) == 2,
        alertmanager,
    )
    by_key = {item["dedup_key"]: item for item in found}

    # Webhook: the whole notification with ``alerts`` narrowed to this alert.
    [am_row] = slar.get(f"/incidents/{by_key[WEBHOOK_GROUP_KEY]['id']}/alerts")
    webhook = slar.get(f"/alerts/{am_row['id']}")
    body = webhook["payload"]
    assert body["version"] == "4"
    assert body["groupKey"] == WEBHOOK_GROUP_KEY
    assert body["receiver"] == "webhook"
    assert body["status"] == "firing"
    assert body["externalURL"] == alertmanager.url
    assert body["groupLabels"] == {"alertname": "HighCPU", "env": "prod"}
    assert body["truncatedAlerts"] == 0
    [sent] = body["alerts"]
    assert sent["labels"] == cpu["labels"]
    assert sent["annotations"] == cpu["annotations"]
    assert sent["status"] == "firing"
    assert sent["endsAt"] == "0001-01-01T00:00:00Z"  # Go's zero time while firing
    assert sent["generatorURL"] == cpu["generatorURL"]
    assert len(sent["fingerprint"]) == 16
    assert webhook["fingerprint"] == sent["fingerprint"]
    assert datetime.fromisoformat(sent["startsAt"]) == started
    assert datetime.fromisoformat(webhook["occurred_at"]) == started
    assert webhook["source"] == alertmanager.url
    assert {link["href"] for link in webhook["links"]} == {
        cpu["generatorURL"],
        "https://runbooks.example/cpu",
    }

    # PagerDuty: Alertmanager's Events v2 body, without the routing key (a secret).
    pd_key = hashlib.sha256(PD_GROUP_KEY.encode()).hexdigest()
    [pd_row] = slar.get(f"/incidents/{by_key[pd_key]['id']}/alerts")
    pagerduty = slar.get(f"/alerts/{pd_row['id']}")
    event = pagerduty["payload"]
    assert "routing_key" not in event
    assert event["dedup_key"] == pd_key
    assert event["event_action"] == "trigger"
    assert event["client"] == "Alertmanager"
    assert event["client_url"] == f"{alertmanager.url}/#/alerts?receiver=pd"
    details = event["payload"]
    assert details["source"] == "Alertmanager"
    assert details["severity"] == "error"
    assert "timestamp" not in details  # Alertmanager sends no time: occurred_at stays empty
    assert pagerduty["occurred_at"] is None
    assert all(isinstance(value, str) for value in details["custom_details"].values())
    assert details["custom_details"]["num_firing"] == "1"
    assert "instance = a" in details["custom_details"]["firing"]
    assert {"href": event["client_url"], "text": "Alertmanager"} in [
        {"href": link["href"], "text": link.get("text")} for link in pagerduty["links"]
    ]
    assert alertmanager.failed_attempts() == []
