"""Scenario over real HTTP: a team lead writes an escalation policy through the REST API, a
monitoring tool posts alerts to the webhook endpoint, the policy is edited while an incident
is open (the incident keeps the policy it triggered with), and a responder escalates by hand
with ``POST /incidents/{id}/escalate``. The worker runs in the test process on the server's
database and clock."""

from __future__ import annotations

from typing import Any

import httpx
from tests.scenarios.harness import IncidentRef, PolicyRef, ServiceRef, World
from tests.support.harness import ApiHarness


def _post_alert(http: httpx.Client, service: ServiceRef, title: str) -> IncidentRef:
    answer = http.post(f"/integrations/{service.key}/generic", json={"title": title})
    assert answer.status_code == 202, answer.text
    [incident_id] = answer.json()["opened"]
    return IncidentRef(incident_id, title, service)


def _levels(*user_ids: int) -> list[dict[str, Any]]:
    return [{"delay_minutes": 10, "targets": [{"kind": "user", "id": u}]} for u in user_ids]


def test_a_policy_written_over_http_pages_by_the_snapshot_its_incident_triggered_with(
    api: ApiHarness,
) -> None:
    with World(api.db, api.clock) as w:
        alice = w.user("alice", email=True)
        bob = w.user("bob", sms=True, rules={"high": [("sms", 0)]})
        carol = w.user("carol", email=True)
        dave = w.user("dave", email=True)
        http = api.http(api.token_for(w.admin.user_id))

        created = http.post(
            "/escalation-policies",
            json={
                "team_id": w.team.id,
                "name": "Checkout on call",
                "repeat_count": 0,
                "levels": _levels(alice.id, bob.id),
            },
        )
        assert created.status_code == 201, created.text
        policy = created.json()
        assert [t["name"] for level in policy["levels"] for t in level["targets"]] == [
            "Alice",
            "Bob",
        ]
        checkout = w.service("checkout", policy=PolicyRef(policy["id"], policy["name"]))

        first = _post_alert(http, checkout, "Payment errors")
        w.run()
        w.expect(("email", alice, first))
        w.expect_nothing_else()

        w.advance(minutes=2)
        replaced = http.put(
            f"/escalation-policies/{policy['id']}",
            json={
                "team_id": w.team.id,
                "name": "Checkout on call",
                "levels": _levels(carol.id, dave.id),
            },
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["service_ids"] == [checkout.id]

        w.quiet_for(minutes=7)
        w.advance(minutes=1)  # minute 10: the first incident's level 2 is still bob
        w.run()
        w.expect(("sms", bob, first))
        w.expect_nothing_else()

        second = _post_alert(http, checkout, "Refunds stuck")
        w.run()
        w.expect(("email", carol, second))
        w.expect_nothing_else()

        w.advance(minutes=1)
        escalated = http.post(f"/incidents/{second.id}/escalate")
        assert escalated.status_code == 200, escalated.text
        assert escalated.json()["status"] == "triggered"
        w.run()
        w.expect(("email", dave, second))
        w.expect_nothing_else()
        timeline = http.get(f"/incidents/{second.id}/timeline").json()
        assert [e["kind"] for e in timeline if e["kind"].startswith("escalat")] == [
            "escalation_step",
            "escalated",
            "escalation_step",
            "escalation_exhausted",
        ]

        again = http.post(f"/incidents/{second.id}/escalate")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "escalation.no_next_level"
        in_use = http.delete(f"/escalation-policies/{policy['id']}")
        assert in_use.status_code == 409
        assert in_use.json()["error"]["code"] == "escalation.in_use"
        w.quiet_for(minutes=30)
