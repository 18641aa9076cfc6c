"""The typed client (sync and async) against the live API: a responder's whole day."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tests.support.harness import ApiHarness

from slar.client import ApiError, AsyncSlarClient, SlarClient, calls


def test_sync_client_drives_the_incident_lifecycle(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    with SlarClient(api.url) as slar:
        slar.login(admin.email, admin.password)
        assert slar.call(calls.me()).email == "root@example.com"

        team = slar.call(calls.create_team("Payments"))
        slar.call(calls.set_member(team.id, admin.id, "manager"))
        service = slar.call(calls.create_service(team.id, "checkout-api", urgency="dynamic"))
        integration = slar.call(calls.create_integration(service.id, "PD", "pagerduty"))
        assert integration.routing_key is not None and len(integration.routing_key) >= 32

        event = {
            "routing_key": integration.routing_key,
            "event_action": "trigger",
            "dedup_key": "checkout-latency",
            "payload": {"summary": "p99 latency high", "source": "prom", "severity": "warning"},
        }
        accepted = slar.call(calls.send_pagerduty_event(event))
        assert accepted["dedup_key"] == "checkout-latency"
        slar.call(calls.send_pagerduty_event(event))

        page = slar.call(calls.list_incidents(status=["triggered"], service_id=service.id))
        assert page.total == 1
        incident = page.items[0]
        assert incident.alert_count == 2
        assert incident.urgency == "low"  # dynamic urgency: a warning pages at low urgency

        acked = slar.call(calls.incident_action(incident.id, "acknowledge"))
        assert acked.status == "acknowledged"
        with pytest.raises(ApiError) as refused:
            slar.call(calls.incident_action(incident.id, "acknowledge"))
        assert refused.value.status == 409
        assert refused.value.code == "incident.already_acknowledged"

        slar.call(calls.add_note(incident.id, "rolled back release 42"))
        resolved = slar.call(calls.incident_action(incident.id, "resolve"))
        assert resolved.status == "resolved"
        kinds = [entry.kind for entry in slar.call(calls.timeline(incident.id))]
        assert kinds[0] == "triggered"
        assert "acknowledged" in kinds and "resolved" in kinds and "note" in kinds

        slar.refresh()
        assert slar.call(calls.me()).id == admin.id


def test_async_client_reads_and_reports_errors(api: ApiHarness) -> None:
    observer = api.make_user("watcher@example.com", role="observer")

    async def scenario() -> None:
        async with AsyncSlarClient(api.url) as slar:
            await slar.login(observer.email, observer.password)
            me = await slar.call(calls.me())
            assert me.role == "observer"
            page = await slar.call(calls.list_incidents())
            assert page.total == 0 and page.items == []
            with pytest.raises(ApiError) as refused:
                await slar.call(calls.create_team("Nope"))
            assert refused.value.status == 403
            assert refused.value.code.startswith("auth.")

    asyncio.run(scenario())


def test_client_reports_bad_credentials(api: ApiHarness) -> None:
    with SlarClient(api.url) as slar, pytest.raises(ApiError) as refused:
        slar.login("nobody@example.com", "wrong password")
    assert refused.value.status == 401
    assert refused.value.code == "auth.bad_credentials"


def test_client_sets_up_on_call_and_reads_it_back(api: ApiHarness) -> None:
    admin = api.make_user("boss@example.com", role="admin")
    with SlarClient(api.url, admin.token) as slar:
        team = slar.call(calls.create_team("Search"))
        slar.call(calls.set_member(team.id, admin.id, "manager"))
        schedule = slar.call(
            calls.create_schedule(
                {
                    "team_id": team.id,
                    "name": "Search primary",
                    "time_zone": "Europe/London",
                    "layers": [
                        {
                            "name": "Daily",
                            "users": [admin.id],
                            "rotation": {"type": "daily", "handoff_time": "09:00"},
                            "start": "2026-03-01T09:00:00Z",
                        }
                    ],
                }
            )
        )
        now = api.clock.now()
        on_call = slar.call(calls.oncall(schedule.id, at=now))
        assert [user.id for user in on_call.users] == [admin.id]
        assert any(s.schedule_id == schedule.id for s in slar.call(calls.oncall_everywhere()))
        week = slar.call(calls.shifts(schedule.id, now, now + timedelta(days=7)))
        assert week.shifts
        assert {shift.user.id for shift in week.shifts} == {admin.id}

        policy = slar.call(
            calls.create_escalation_policy(
                {
                    "team_id": team.id,
                    "name": "Search escalation",
                    "levels": [
                        {"delay_minutes": 5, "targets": [{"kind": "schedule", "id": schedule.id}]},
                        {"delay_minutes": 5, "targets": [{"kind": "team", "id": team.id}]},
                    ],
                }
            )
        )
        assert [t.kind for level in policy.levels for t in level.targets] == ["schedule", "team"]
        service = slar.call(
            calls.create_service(team.id, "search-api", escalation_policy_id=policy.id)
        )
        incident = slar.call(calls.create_incident(service.id, "Indexing stalled"))
        escalated = slar.call(calls.escalate(incident.id))
        assert escalated.status == "triggered"

        method = slar.call(calls.create_contact_method("email", "boss@example.com", "work"))
        rules = slar.call(
            calls.set_notification_rules(
                [{"contact_method_id": method.id, "urgency": "high", "delay_minutes": 0}]
            )
        )
        assert [r.contact_method_id for r in rules.rules] == [method.id]
        stats = slar.call(calls.job_stats())  # the escalation steps wait for a worker
        assert stats.by_kind["escalation.step"]["queued"] >= 1
        assert slar.call(calls.dead_jobs()).total == 0
