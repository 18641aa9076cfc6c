"""Every incident action through real HTTP: happy paths, the 409s of the state machine,
permissions, and what each action writes to the timeline."""

from __future__ import annotations

from typing import Any

from tests.edges.incidents.conftest import World


def _kinds(world: World, incident_id: int) -> list[str]:
    response = world.as_(world.olive).get(f"/incidents/{incident_id}/timeline")
    assert response.status_code == 200, response.text
    return [event["kind"] for event in response.json()]


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


def test_create_fills_defaults_and_the_service(world: World) -> None:
    created = world.open(title="  Checkout errors  ", severity="warning", labels={"env": "prod"})
    assert created["id"] == created["number"]
    assert created["title"] == "Checkout errors"
    assert created["status"] == "triggered"
    assert created["urgency"] == "low"  # dynamic service, warning severity
    assert created["service_name"] == "payments-api"
    assert created["team_id"] == world.team_a
    assert created["alert_count"] == 0
    assert created["labels"] == {"env": "prod"}
    assert created["created_at"] == created["updated_at"]
    assert created["integration_id"] is None

    fetched = world.as_(world.olive).get(f"/incidents/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert _kinds(world, created["id"]) == ["triggered"]

    explicit = world.open(urgency="high", severity="info", links=[{"href": "https://x.test/r"}])
    assert explicit["urgency"] == "high"
    assert explicit["links"] == [{"href": "https://x.test/r", "text": ""}]


def test_create_validation_and_unknown_references(world: World) -> None:
    client = world.as_(world.alice)
    missing = client.post("/incidents", json={"service_id": world.service_a})
    assert missing.status_code == 422
    assert "title" in missing.json()["error"]["message"]
    blank = client.post("/incidents", json={"service_id": world.service_a, "title": "   "})
    _error(blank, 400, "incident.invalid_title")
    bad_severity = client.post(
        "/incidents", json={"service_id": world.service_a, "title": "x", "severity": "fatal"}
    )
    assert bad_severity.status_code == 422
    _error(
        client.post("/incidents", json={"service_id": 999, "title": "x"}),
        400,
        "incident.unknown_service",
    )
    _error(
        client.post(
            "/incidents", json={"service_id": world.service_a, "title": "x", "assignee_id": 999}
        ),
        400,
        "incident.unknown_assignee",
    )
    _error(world.as_(world.alice).get("/incidents/4242"), 404, "incident.not_found")


def test_dedup_key_of_an_open_incident_is_a_409_with_the_existing_id(world: World) -> None:
    first = world.open(dedup_key="db-down")
    again = world.as_(world.alice).post(
        "/incidents", json={"service_id": world.service_a, "title": "again", "dedup_key": "db-down"}
    )
    error = _error(again, 409, "incident.duplicate")
    assert error["details"]["existing_id"] == first["id"]
    assert f"#{first['id']}" in error["message"]

    # The same key on another service is another incident.
    other = world.open(world.admin, service_id=world.service_b, dedup_key="db-down")
    assert other["id"] != first["id"]

    # Once resolved, the key is free again.
    assert world.as_(world.alice).post(f"/incidents/{first['id']}/resolve").status_code == 200
    reopened = world.open(dedup_key="db-down")
    assert reopened["id"] not in (first["id"], other["id"])


def test_acknowledge_unacknowledge_and_their_conflicts(world: World) -> None:
    incident = world.open()
    iid = incident["id"]
    client = world.as_(world.alice)
    world.api.advance(minutes=3)

    acked = client.post(f"/incidents/{iid}/acknowledge")
    assert acked.status_code == 200, acked.text
    body = acked.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by_id"] == world.alice.id
    assert body["acknowledged_at"] == body["updated_at"] != incident["created_at"]

    error = _error(
        client.post(f"/incidents/{iid}/acknowledge"), 409, "incident.already_acknowledged"
    )
    assert str(iid) in error["message"]

    unacked = client.post(f"/incidents/{iid}/unacknowledge")
    assert unacked.status_code == 200
    assert unacked.json()["status"] == "triggered"
    assert unacked.json()["acknowledged_at"] is None
    assert unacked.json()["acknowledged_by_id"] is None
    _error(client.post(f"/incidents/{iid}/unacknowledge"), 409, "incident.not_acknowledged")

    assert client.post(f"/incidents/{iid}/resolve").status_code == 200
    resolved_ack = client.post(f"/incidents/{iid}/acknowledge")
    error = _error(resolved_ack, 409, "incident.resolved")
    assert error["message"] == f"incident {iid} is resolved; it cannot be acknowledged"
    _error(client.post(f"/incidents/{iid}/unacknowledge"), 409, "incident.resolved")
    assert _kinds(world, iid) == [
        "triggered",
        "acknowledged",
        "unacknowledged",
        "resolved",
    ]


def test_resolve_with_a_note_and_twice(world: World) -> None:
    iid = world.open()["id"]
    client = world.as_(world.alice)
    world.api.advance(minutes=10)
    resolved = client.post(f"/incidents/{iid}/resolve", json={"note": "rolled back v42"})
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "resolved"
    assert body["resolved_by_id"] == world.alice.id
    assert body["resolved_at"] is not None
    events = world.as_(world.alice).get(f"/incidents/{iid}/timeline").json()
    assert events[-1]["kind"] == "resolved"
    assert "rolled back v42" in events[-1]["message"]
    assert events[-1]["data"] == {"note": "rolled back v42"}
    assert events[-1]["actor"] == "Alice"
    assert events[-1]["actor_user_id"] == world.alice.id
    _error(client.post(f"/incidents/{iid}/resolve"), 409, "incident.already_resolved")


def test_resolving_closes_the_incidents_open_alerts(world: World) -> None:
    iid = world.open()["id"]
    world.add_alerts(iid, 2)
    assert world.as_(world.alice).post(f"/incidents/{iid}/resolve").status_code == 200
    alerts = world.as_(world.alice).get(f"/incidents/{iid}/alerts").json()
    assert [a["status"] for a in alerts] == ["resolved", "resolved"]
    assert all(a["resolved_at"] is not None for a in alerts)


def test_reassign(world: World) -> None:
    iid = world.open()["id"]
    client = world.as_(world.alice)
    assigned = client.post(f"/incidents/{iid}/reassign", json={"assignee_id": world.bob.id})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assignee_id"] == world.bob.id
    # The same assignee again changes nothing and writes nothing.
    assert client.post(f"/incidents/{iid}/reassign", json={"assignee_id": world.bob.id}).json()[
        "assignee_id"
    ] == (world.bob.id)
    unassigned = client.post(f"/incidents/{iid}/reassign", json={"assignee_id": None})
    assert unassigned.json()["assignee_id"] is None
    events = client.get(f"/incidents/{iid}/timeline").json()
    reassigned = [e for e in events if e["kind"] == "reassigned"]
    assert [e["data"] for e in reassigned] == [
        {"from": None, "to": world.bob.id},
        {"from": world.bob.id, "to": None},
    ]
    assert reassigned[0]["message"] == "Assigned to Bob by Alice"

    _error(
        client.post(f"/incidents/{iid}/reassign", json={"assignee_id": 999}),
        400,
        "incident.unknown_assignee",
    )
    assert client.post(f"/incidents/{iid}/reassign", json={}).status_code == 422

    from slar.domain.identity.models import User

    with world.api.db.transaction() as session:
        user = session.get(User, world.olive.id)
        assert user is not None
        user.is_active = False
    _error(
        client.post(f"/incidents/{iid}/reassign", json={"assignee_id": world.olive.id}),
        400,
        "incident.assignee_inactive",
    )
    client.post(f"/incidents/{iid}/resolve")
    _error(
        client.post(f"/incidents/{iid}/reassign", json={"assignee_id": world.bob.id}),
        409,
        "incident.resolved",
    )


def test_notes_are_allowed_on_resolved_incidents(world: World) -> None:
    iid = world.open()["id"]
    client = world.as_(world.alice)
    note = client.post(f"/incidents/{iid}/notes", json={"text": "looking at the DB"})
    assert note.status_code == 201, note.text
    assert note.json()["kind"] == "note"
    assert note.json()["message"] == "looking at the DB"
    assert note.json()["incident_id"] == iid
    client.post(f"/incidents/{iid}/resolve")
    later = client.post(f"/incidents/{iid}/notes", json={"text": "post-mortem: PM-12"})
    assert later.status_code == 201
    assert client.post(f"/incidents/{iid}/notes", json={"text": ""}).status_code == 422
    assert client.post(f"/incidents/{iid}/notes", json={"text": "x" * 10_001}).status_code == 422
    assert client.post(f"/incidents/{iid}/notes", json={"text": "x" * 10_000}).status_code == 201
    _error(
        client.post(f"/incidents/{iid}/notes", json={"text": "   "}), 400, "incident.invalid_note"
    )
    timeline = client.get(f"/incidents/{iid}/timeline").json()
    assert [e["kind"] for e in timeline] == ["triggered", "note", "resolved", "note", "note"]
    assert [e["id"] for e in timeline] == sorted(e["id"] for e in timeline)


def test_snooze(world: World) -> None:
    iid = world.open()["id"]
    client = world.as_(world.alice)
    snoozed = client.post(f"/incidents/{iid}/snooze", json={"minutes": 30})
    assert snoozed.status_code == 200, snoozed.text
    body = snoozed.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by_id"] == world.alice.id
    assert body["snoozed_until"] == "2026-03-02T09:30:00Z"
    assert _kinds(world, iid) == ["triggered", "acknowledged", "snoozed"]

    # Snoozing an acknowledged incident extends from now; a re-ack is not written.
    world.api.advance(minutes=10)
    again = client.post(f"/incidents/{iid}/snooze", json={"minutes": 60}).json()
    assert again["snoozed_until"] == "2026-03-02T10:10:00Z"
    assert _kinds(world, iid) == ["triggered", "acknowledged", "snoozed", "snoozed"]

    for minutes in (0, 1441, -5):
        response = client.post(f"/incidents/{iid}/snooze", json={"minutes": minutes})
        assert response.status_code == 422, minutes
    client.post(f"/incidents/{iid}/resolve")
    resolved = client.get(f"/incidents/{iid}").json()
    assert resolved["snoozed_until"] is None
    _error(client.post(f"/incidents/{iid}/snooze", json={"minutes": 5}), 409, "incident.resolved")


def test_observers_and_other_teams_cannot_act(world: World) -> None:
    iid = world.open()["id"]
    actions: list[tuple[str, dict[str, Any] | None]] = [
        ("acknowledge", None),
        ("unacknowledge", None),
        ("resolve", None),
        ("reassign", {"assignee_id": world.alice.id}),
        ("notes", {"text": "hello"}),
        ("snooze", {"minutes": 5}),
    ]
    for account, code in ((world.olive, "auth.read_only"), (world.bob, "auth.not_team_member")):
        client = world.as_(account)
        for action, body in actions:
            response = client.post(f"/incidents/{iid}/{action}", json=body)
            _error(response, 403, code)
        create = client.post("/incidents", json={"service_id": world.service_a, "title": "x"})
        _error(create, 403, code)
        # Reads stay open to everyone.
        assert client.get(f"/incidents/{iid}").status_code == 200
        assert client.get(f"/incidents/{iid}/timeline").status_code == 200
        assert client.get(f"/incidents/{iid}/alerts").status_code == 200
        assert client.get("/incidents").json()["total"] == 1
    assert _kinds(world, iid) == ["triggered"]  # nothing was written by the refused calls
    # An admin acts on any team's incident.
    assert world.as_(world.admin).post(f"/incidents/{iid}/acknowledge").status_code == 200


def test_actions_on_a_missing_incident_are_404(world: World) -> None:
    client = world.as_(world.alice)
    for path, body in (
        ("acknowledge", None),
        ("resolve", None),
        ("snooze", {"minutes": 5}),
        ("notes", {"text": "x"}),
        ("merge", {"into_id": 1}),
    ):
        _error(client.post(f"/incidents/77/{path}", json=body), 404, "incident.not_found")
    _error(client.get("/incidents/77/timeline"), 404, "incident.not_found")
    _error(client.get("/incidents/77/alerts"), 404, "incident.not_found")
