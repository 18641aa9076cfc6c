"""Schedules through real HTTP: CRUD, layers, overrides, permissions, validation."""

from __future__ import annotations

from typing import Any

import httpx
from tests.support.harness import Account, ApiHarness

# The harness clock starts at 2026-03-02T09:00Z, a Monday (04:00 in New York).
WEEKLY_LAYER = {
    "name": "Primary",
    "users": [],  # filled per test
    "rotation": {"type": "weekly", "handoff_time": "09:00", "handoff_weekday": "monday"},
    "start": "2026-03-02T09:00:00-05:00",
}


def _team_with_members(api: ApiHarness) -> tuple[int, Account, Account, Account]:
    team = api.make_team("SRE")
    manager = api.make_user("mia@example.com", teams={team: "manager"})
    ana = api.make_user("ana@example.com", teams={team: "member"})
    bob = api.make_user("bob@example.com", teams={team: "member"})
    return team, manager, ana, bob


def _create(http: httpx.Client, team: int, **extra: Any) -> dict[str, Any]:
    body = {"team_id": team, "name": "Primary on-call", "time_zone": "America/New_York", **extra}
    response = http.post("/schedules", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_with_a_weekly_layer_and_restrictions_then_read_it_back(api: ApiHarness) -> None:
    team, manager, ana, bob = _team_with_members(api)
    http = api.http(manager.token)
    layer = {
        **WEEKLY_LAYER,
        "users": [ana.id, bob.id],
        "restrictions": [
            {"weekdays": ["friday", "monday", "monday"], "start": "09:00", "end": "17:00"},
            {"start": "22:00", "end": "06:00"},
        ],
    }
    created = _create(http, team, description="the main rotation", layers=[layer])
    assert created["time_zone"] == "America/New_York"
    assert created["ical_url"].startswith("http")
    assert created["ical_url"].endswith(".ics")
    [stored] = created["layers"]
    assert stored["users"] == [ana.id, bob.id]
    assert stored["position"] == 0
    assert stored["rotation"] == {
        "type": "weekly",
        "length": 1,
        "unit": None,
        "handoff_time": "09:00",
        "handoff_weekday": "monday",
    }
    assert stored["restrictions"] == [
        {"weekdays": ["monday", "friday"], "start": "09:00", "end": "17:00"},
        {"weekdays": [], "start": "22:00", "end": "06:00"},
    ]
    assert stored["start"] == "2026-03-02T14:00:00Z"

    got = http.get(f"/schedules/{created['id']}").json()
    assert got == created
    assert [s["id"] for s in http.get("/schedules").json()] == [created["id"]]
    assert http.get("/schedules", params={"team_id": team + 1}).json() == []

    # Readers who may not change the schedule do not see its secret feed URL.
    observer = api.make_user("olga@example.com", role="observer")
    seen = api.http(observer.token).get(f"/schedules/{created['id']}").json()
    assert seen["ical_url"] is None
    assert seen["layers"] == created["layers"]


def test_only_the_owning_team_changes_a_schedule(api: ApiHarness) -> None:
    team, manager, ana, _ = _team_with_members(api)
    schedule = _create(api.http(manager.token), team)
    outsider = api.make_user("out@example.com")
    observer = api.make_user("obs@example.com", role="observer", teams={team: "member"})
    admin = api.make_user("root@example.com", role="admin")
    url = f"/schedules/{schedule['id']}"
    for account, status in ((outsider, 403), (observer, 403), (admin, 200)):
        http = api.http(account.token)
        assert http.patch(url, json={"description": "x"}).status_code == status
        response = http.post(f"{url}/layers", json={**WEEKLY_LAYER, "users": [ana.id]})
        assert response.status_code == (201 if status == 200 else status)
    forbidden = api.http(outsider.token).post(
        "/schedules", json={"team_id": team, "name": "mine", "time_zone": "UTC"}
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "auth.not_team_member"
    assert api.http(outsider.token).delete(url).status_code == 403


def test_validation_answers_name_the_problem(api: ApiHarness) -> None:
    team, manager, ana, _ = _team_with_members(api)
    http = api.http(manager.token)

    def create(**body: Any) -> httpx.Response:
        base = {"team_id": team, "name": "S", "time_zone": "Europe/London"}
        return http.post("/schedules", json={**base, **body})

    bad_zone = create(time_zone="Mars/Olympus_Mons")
    assert bad_zone.status_code == 422
    assert "time_zone" in bad_zone.json()["error"]["message"]
    assert create(time_zone="../../etc/passwd").status_code == 422
    assert create(team_id=9999).status_code == 403  # not a member of it
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    missing = admin.post("/schedules", json={"team_id": 9999, "name": "S", "time_zone": "UTC"})
    assert missing.status_code == 404
    assert create(name="   ").status_code == 400

    def layer(**rotation: Any) -> httpx.Response:
        body = {**WEEKLY_LAYER, "users": [ana.id], "rotation": rotation}
        return create(name="L", layers=[body])

    assert layer(type="daily").status_code == 422  # no handoff time
    assert layer(type="hourly", handoff_time="09:00").status_code == 422
    assert layer(type="weekly", handoff_time="09:00").status_code == 422  # no weekday
    assert layer(type="custom", length=12).status_code == 422  # no unit
    assert layer(type="daily", handoff_time="24:00").status_code == 422
    assert layer(type="daily", handoff_time="9:00").status_code == 422
    assert layer(type="daily", length=400, handoff_time="09:00").status_code == 422
    unknown = create(name="U", layers=[{**WEEKLY_LAYER, "users": [ana.id, 424242]}])
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "schedule.unknown_users"
    assert "424242" in unknown.json()["error"]["message"]
    naive = create(name="N", layers=[{**WEEKLY_LAYER, "users": [ana.id], "start": "2026-03-02"}])
    assert naive.status_code == 422
    # Nothing half-made was left behind by the refused requests.
    assert http.get("/schedules").json() == []

    _create(http, team)
    taken = http.post(
        "/schedules", json={"team_id": team, "name": "Primary on-call", "time_zone": "UTC"}
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "schedule.name_taken"


def test_layers_are_added_changed_and_removed(api: ApiHarness) -> None:
    team, manager, ana, bob = _team_with_members(api)
    http = api.http(manager.token)
    schedule = _create(http, team)
    url = f"/schedules/{schedule['id']}/layers"
    first = http.post(url, json={**WEEKLY_LAYER, "users": [ana.id]}).json()
    second = http.post(
        url,
        json={
            "name": "Follow the sun",
            "users": [bob.id, ana.id, bob.id],
            "rotation": {"type": "custom", "length": 12, "unit": "hours"},
            "start": "2026-03-02T00:00:00Z",
        },
    ).json()
    assert (first["position"], second["position"]) == (0, 1)
    assert second["users"] == [bob.id, ana.id, bob.id]

    clash = http.post(url, json={**WEEKLY_LAYER, "users": [ana.id], "position": 1})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "schedule.position_taken"
    assert http.patch(f"{url}/{first['id']}", json={"position": 1}).status_code == 409

    changed = http.patch(
        f"{url}/{second['id']}",
        json={"users": [ana.id], "name": "Sun", "rotation": {"type": "hourly", "length": 6}},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["users"] == [ana.id]  # replaced whole, not merged
    assert body["name"] == "Sun"
    assert body["rotation"]["type"] == "hourly"
    assert body["start"] == second["start"]  # untouched fields stay
    longer = http.patch(f"{url}/{second['id']}", json={"users": [bob.id, ana.id, bob.id, ana.id]})
    assert longer.json()["users"] == [bob.id, ana.id, bob.id, ana.id]

    layers = http.get(f"/schedules/{schedule['id']}").json()["layers"]
    assert [layer["id"] for layer in layers] == [second["id"], first["id"]]  # highest first

    assert http.delete(f"{url}/{first['id']}").status_code == 204
    assert http.delete(f"{url}/{first['id']}").status_code == 404
    other = _create(http, team, name="Other")
    wrong_parent = http.patch(f"/schedules/{other['id']}/layers/{second['id']}", json={"name": "x"})
    assert wrong_parent.status_code == 404
    assert [layer["id"] for layer in http.get(f"/schedules/{schedule['id']}").json()["layers"]] == [
        second["id"]
    ]


def test_patch_and_delete_a_schedule(api: ApiHarness) -> None:
    team, manager, ana, _ = _team_with_members(api)
    http = api.http(manager.token)
    schedule = _create(http, team, layers=[{**WEEKLY_LAYER, "users": [ana.id]}])
    url = f"/schedules/{schedule['id']}"
    http.post(
        f"{url}/overrides",
        json={"user_id": ana.id, "start": "2026-03-03T00:00:00Z", "end": "2026-03-04T00:00:00Z"},
    )
    api.advance(minutes=5)
    patched = http.patch(url, json={"name": "Renamed", "time_zone": "Asia/Kolkata"}).json()
    assert (patched["name"], patched["time_zone"]) == ("Renamed", "Asia/Kolkata")
    assert patched["updated_at"] > schedule["updated_at"]
    assert http.patch(url, json={"time_zone": "Nowhere/Land"}).status_code == 422

    other_team = api.make_team("Other")
    assert http.patch(url, json={"team_id": other_team}).status_code == 403
    assert http.delete(url).status_code == 204
    assert http.get(url).status_code == 404
    assert http.get(f"{url}/oncall").status_code == 404
