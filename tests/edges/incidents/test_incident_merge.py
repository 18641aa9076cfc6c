"""Merging incidents through real HTTP: alerts move, counts add up, both timelines say so."""

from __future__ import annotations

from tests.edges.incidents.conftest import World


def test_merge_moves_alerts_and_counts(world: World) -> None:
    source = world.open(title="api 500s", dedup_key="api-500")["id"]
    target = world.open(title="db down")["id"]
    world.add_alerts(source, 3, prefix="src")
    world.add_alerts(target, 2, prefix="dst")
    world.set_alert_count(source, 3)
    world.set_alert_count(target, 2)
    world.api.advance(minutes=4)

    client = world.as_(world.alice)
    merged = client.post(f"/incidents/{source}/merge", json={"into_id": target})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["id"] == target
    assert body["alert_count"] == 5
    assert body["status"] == "triggered"

    gone = client.get(f"/incidents/{source}").json()
    assert gone["status"] == "resolved"
    assert gone["merged_into_id"] == target
    assert gone["alert_count"] == 0
    assert gone["resolved_by_id"] == world.alice.id

    assert client.get(f"/incidents/{source}/alerts").json() == []
    moved = client.get(f"/incidents/{target}/alerts").json()
    assert len(moved) == 5
    assert {a["incident_id"] for a in moved} == {target}
    assert sum(a["fingerprint"].startswith("src-") for a in moved) == 3
    # Moved alerts stay open: they belong to an open incident now.
    assert {a["status"] for a in moved} == {"triggered"}

    source_events = client.get(f"/incidents/{source}/timeline").json()
    assert source_events[-1]["kind"] == "resolved"
    assert source_events[-1]["message"] == f"Merged into #{target} by Alice"
    assert source_events[-1]["data"]["alerts_moved"] == 3
    target_events = client.get(f"/incidents/{target}/timeline").json()
    assert target_events[-1]["kind"] == "merged"
    assert f"#{source}" in target_events[-1]["message"]

    # The source's dedup key is free again (the source is resolved).
    assert world.open(dedup_key="api-500")["id"] not in (source, target)


def test_merge_conflicts(world: World) -> None:
    a = world.open()["id"]
    b = world.open()["id"]
    client = world.as_(world.alice)

    itself = client.post(f"/incidents/{a}/merge", json={"into_id": a})
    assert itself.status_code == 409
    assert itself.json()["error"]["code"] == "incident.merge_into_self"

    missing = client.post(f"/incidents/{a}/merge", json={"into_id": 999})
    assert missing.status_code == 404
    assert "999" in missing.json()["error"]["message"]

    client.post(f"/incidents/{b}/resolve")
    into_resolved = client.post(f"/incidents/{a}/merge", json={"into_id": b})
    assert into_resolved.status_code == 409
    assert into_resolved.json()["error"]["code"] == "incident.merge_target_resolved"

    from_resolved = client.post(f"/incidents/{b}/merge", json={"into_id": a})
    assert from_resolved.status_code == 409
    assert from_resolved.json()["error"]["code"] == "incident.resolved"

    assert client.get(f"/incidents/{a}").json()["status"] == "triggered"


def test_merge_needs_write_access_to_both_teams(world: World) -> None:
    ours = world.open()["id"]
    theirs = world.open(world.bob, service_id=world.service_b)["id"]
    denied = world.as_(world.alice).post(f"/incidents/{ours}/merge", json={"into_id": theirs})
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "auth.not_team_member"
    observer = world.as_(world.olive).post(f"/incidents/{ours}/merge", json={"into_id": theirs})
    assert observer.status_code == 403
    ok = world.as_(world.admin).post(f"/incidents/{ours}/merge", json={"into_id": theirs})
    assert ok.status_code == 200
    assert ok.json()["service_name"] == "search-api"
