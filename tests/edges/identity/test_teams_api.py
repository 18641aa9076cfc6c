"""Teams through real HTTP: admin CRUD, managers running their own team, members refused."""

from __future__ import annotations

from tests.support.harness import ApiHarness

from slar.domain.catalog.models import Service


def test_admin_team_crud(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    http = api.http(admin.token)

    created = http.post("/teams", json={"name": "Platform", "description": "Runs the cluster"})
    assert created.status_code == 201, created.text
    team = created.json()
    assert team["name"] == "Platform"
    assert team["member_count"] == 0
    assert team["members"] == []

    taken = http.post("/teams", json={"name": "platform"})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "team.name_taken"

    other = http.post("/teams", json={"name": "Payments"}).json()
    renamed = http.patch(f"/teams/{team['id']}", json={"name": "Payments"})
    assert renamed.status_code == 409

    alice = api.make_user("alice@example.com")
    bob = api.make_user("bob@example.com")
    assert (
        http.put(f"/teams/{team['id']}/members/{alice.id}", json={"role": "manager"}).status_code
        == 200
    )
    added = http.put(f"/teams/{team['id']}/members/{bob.id}", json={"role": "member"})
    assert added.json() == {
        "user_id": bob.id,
        "email": "bob@example.com",
        "name": "Bob",
        "role": "member",
    }

    listed = http.get("/teams").json()
    assert [(t["name"], t["member_count"]) for t in listed] == [("Payments", 0), ("Platform", 2)]

    detail = http.get(f"/teams/{team['id']}").json()
    assert [(m["email"], m["role"]) for m in detail["members"]] == [
        ("alice@example.com", "manager"),
        ("bob@example.com", "member"),
    ]

    assert http.get("/teams/999").json()["error"]["code"] == "team.not_found"
    assert http.delete(f"/teams/{other['id']}").status_code == 204
    assert http.get(f"/teams/{other['id']}").status_code == 404


def test_team_with_services_cannot_be_deleted(api: ApiHarness) -> None:
    admin = api.make_user("root@example.com", role="admin")
    http = api.http(admin.token)
    team_id = http.post("/teams", json={"name": "Storage"}).json()["id"]
    with api.db.transaction() as session:
        session.add(Service(team_id=team_id, name="ceph", created_at=api.clock.now()))

    refused = http.delete(f"/teams/{team_id}")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "team.has_services"
    assert http.get(f"/teams/{team_id}").status_code == 200


def test_manager_runs_the_team_and_member_is_refused(api: ApiHarness) -> None:
    team = api.make_team("Platform")
    elsewhere = api.make_team("Payments")
    manager = api.make_user("manny@example.com", teams={team: "manager"})
    member = api.make_user("mel@example.com", teams={team: "member"})
    newcomer = api.make_user("nina@example.com")
    as_manager = api.http(manager.token)
    as_member = api.http(member.token)

    # A plain member can read but not change the team or its membership.
    assert as_member.get(f"/teams/{team}").status_code == 200
    for response in (
        as_member.patch(f"/teams/{team}", json={"description": "mine now"}),
        as_member.put(f"/teams/{team}/members/{newcomer.id}", json={"role": "member"}),
        as_member.delete(f"/teams/{team}/members/{manager.id}"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "auth.not_team_manager"

    # The manager describes the team and manages its members...
    described = as_manager.patch(f"/teams/{team}", json={"description": "Kubernetes"})
    assert described.status_code == 200
    assert described.json()["description"] == "Kubernetes"
    add = as_manager.put(f"/teams/{team}/members/{newcomer.id}", json={"role": "member"})
    assert add.status_code == 200
    promote = as_manager.put(f"/teams/{team}/members/{member.id}", json={"role": "manager"})
    assert promote.json()["role"] == "manager"
    assert as_manager.delete(f"/teams/{team}/members/{newcomer.id}").status_code == 204
    gone = as_manager.delete(f"/teams/{team}/members/{newcomer.id}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "team.not_member"
    roles = {m["email"]: m["role"] for m in as_manager.get(f"/teams/{team}").json()["members"]}
    assert roles == {"manny@example.com": "manager", "mel@example.com": "manager"}

    # ...but not another team, and creating or deleting teams stays with admins.
    other = as_manager.put(f"/teams/{elsewhere}/members/{newcomer.id}", json={"role": "member"})
    assert other.status_code == 403
    assert as_manager.post("/teams", json={"name": "Mine"}).json()["error"]["code"] == (
        "auth.admin_required"
    )
    assert as_manager.delete(f"/teams/{team}").status_code == 403

    bad_role = as_manager.put(f"/teams/{team}/members/{newcomer.id}", json={"role": "owner"})
    assert bad_role.status_code == 422


def test_observer_manager_cannot_write(api: ApiHarness) -> None:
    team = api.make_team("Platform")
    observer = api.make_user("obs@example.com", role="observer", teams={team: "manager"})
    newcomer = api.make_user("nina@example.com")
    http = api.http(observer.token)
    refused = http.put(f"/teams/{team}/members/{newcomer.id}", json={"role": "member"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.read_only"
    assert http.patch(f"/teams/{team}", json={"name": "X"}).status_code == 403
