"""Runbooks through real HTTP: CRUD, permissions, search, import and bounds."""

from __future__ import annotations

from tests.support.harness import ApiHarness


def _service(api: ApiHarness, token: str, team_id: int, name: str) -> int:
    response = api.http(token).post("/services", json={"team_id": team_id, "name": name})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_runbook_crud_and_search_over_http(api: ApiHarness) -> None:
    team = api.make_team("Payments")
    alice = api.make_user("alice@example.com", teams={team: "member"})
    http = api.http(alice.token)
    checkout = _service(api, alice.token, team, "checkout")

    created = http.post(
        "/runbooks",
        json={
            "title": "Checkout latency",
            "body": "Check the connection pool of the checkout API.",
            "service_ids": [checkout],
            "team_id": team,
        },
    )
    assert created.status_code == 201, created.text
    runbook = created.json()
    assert runbook["service_ids"] == [checkout]
    assert runbook["updated_by"] == "Alice"

    assert http.get(f"/runbooks/{runbook['id']}").json()["title"] == "Checkout latency"
    assert [r["id"] for r in http.get("/runbooks", params={"service_id": checkout}).json()] == [
        runbook["id"]
    ]
    hits = http.get("/runbooks/search", params={"q": "pool", "service_id": checkout}).json()
    assert [(h["runbook_id"], h["service_ids"]) for h in hits] == [(runbook["id"], [checkout])]
    assert "**pool**" in hits[0]["passage"] and hits[0]["rank"] > 0

    patched = http.patch(f"/runbooks/{runbook['id']}", json={"service_ids": [], "team_id": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["service_ids"] == [] and patched.json()["team_id"] is None
    assert http.delete(f"/runbooks/{runbook['id']}").status_code == 204
    missing = http.get(f"/runbooks/{runbook['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "runbook.not_found"


def test_observers_read_but_cannot_write(api: ApiHarness) -> None:
    team = api.make_team("Payments")
    alice = api.make_user("alice@example.com", teams={team: "member"})
    olive = api.make_user("olive@example.com", role="observer", teams={team: "member"})
    carol = api.make_user("carol@example.com")
    made = api.http(alice.token).post(
        "/runbooks", json={"title": "Owned", "body": "team only", "team_id": team}
    )
    assert made.status_code == 201
    rid = made.json()["id"]
    observer = api.http(olive.token)
    assert observer.get(f"/runbooks/{rid}").status_code == 200
    for response in (
        observer.post("/runbooks", json={"title": "Mine", "body": ""}),
        observer.patch(f"/runbooks/{rid}", json={"body": "x"}),
        observer.delete(f"/runbooks/{rid}"),
        observer.post("/runbooks/import", json={"files": [{"filename": "a.md", "content": "#"}]}),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "auth.read_only"
    other_team = api.http(carol.token).patch(f"/runbooks/{rid}", json={"body": "x"})
    assert other_team.status_code == 403
    assert other_team.json()["error"]["code"] == "auth.not_team_member"
    assert api.http(carol.token).post("/runbooks", json={"title": "Unowned"}).status_code == 201
    assert api.http(alice.token).get(f"/runbooks/{rid}").json()["body"] == "team only"


def test_import_over_http_and_bad_input(api: ApiHarness) -> None:
    alice = api.make_user("alice@example.com")
    http = api.http(alice.token)
    files = [
        {"filename": "disk.md", "content": "# Disk full\n\nExtend the volume."},
        {"filename": "dns.md", "content": "Flush the cache."},
    ]
    first = http.post("/runbooks/import", json={"files": files})
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    again = http.post("/runbooks/import", json={"files": files[:1]})
    assert (again.json()["created"], again.json()["updated"]) == (0, 1)
    assert len(http.get("/runbooks").json()) == 2

    too_big = http.post("/runbooks", json={"title": "Big", "body": "é" * 150_000})
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "runbook.too_large"
    blank = http.post("/runbooks", json={"title": "   "})
    assert blank.status_code == 400
    assert blank.json()["error"]["details"]["field"] == "title"
    dup = http.post("/runbooks", json={"title": "Disk full"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "runbook.title_taken"
    unknown = http.post("/runbooks", json={"title": "X", "service_ids": [987654]})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "runbook.unknown_service"


def test_hostile_search_text_over_http(api: ApiHarness) -> None:
    alice = api.make_user("alice@example.com")
    http = api.http(alice.token)
    http.post("/runbooks", json={"title": "Disk full", "body": "extend the volume"})
    for q in ['"', "NEAR(", "disk*:", "a AND OR NOT", "-", "'; DROP TABLE runbooks; --", "\x00"]:
        response = http.get("/runbooks/search", params={"q": q})
        assert response.status_code == 200, (q, response.text)
    assert http.get("/runbooks/search", params={"q": "disk", "limit": 0}).status_code == 422
    assert http.get("/runbooks/search").status_code == 422  # q is required
    assert len(http.get("/runbooks").json()) == 1
