"""Listing incidents through real HTTP: each filter, text search, time range, paging."""

from __future__ import annotations

from typing import Any

from tests.edges.incidents.conftest import World

from slar.domain.incidents.models import Incident


def _ids(world: World, **params: Any) -> list[int]:
    response = world.as_(world.olive).get("/incidents", params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    ids = [item["id"] for item in page["items"]]
    assert page["total"] == len(ids) or page["limit"] == len(ids)
    return ids


def test_each_filter(world: World) -> None:
    client = world.as_(world.alice)
    first = world.open(title="Checkout latency", severity="critical")["id"]  # high
    world.api.advance(minutes=1)
    second = world.open(title="Cache warnings", severity="warning")["id"]  # low
    world.api.advance(minutes=1)
    third = world.open(world.bob, service_id=world.service_b, title="Index lag")["id"]  # low
    world.api.advance(minutes=1)
    fourth = world.open(title="Refund job stuck", assignee_id=world.bob.id)["id"]

    client.post(f"/incidents/{second}/acknowledge")
    client.post(f"/incidents/{fourth}/resolve")

    assert _ids(world) == [fourth, third, second, first]
    assert _ids(world, status="triggered") == [third, first]
    assert _ids(world, status=["triggered", "acknowledged"]) == [third, second, first]
    assert _ids(world, status="triggered,resolved") == [fourth, third, first]
    assert _ids(world, status="open") == [third, second, first]
    assert _ids(world, status="resolved") == [fourth]
    assert _ids(world, service_id=world.service_b) == [third]
    assert _ids(world, team_id=world.team_a) == [fourth, second, first]
    assert _ids(world, team_id=world.team_b) == [third]
    assert _ids(world, urgency="high") == [fourth, first]
    assert _ids(world, urgency="low") == [third, second]
    assert _ids(world, assignee_id=world.bob.id) == [fourth]
    assert _ids(world, service_id=world.service_a, status="open", urgency="low") == [second]

    bad = world.as_(world.olive).get("/incidents", params={"status": "sleeping"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "incident.invalid_filter"
    assert "sleeping" in bad.json()["error"]["message"]
    assert world.as_(world.olive).get("/incidents", params={"urgency": "mid"}).status_code == 422


def test_text_search_and_incident_number(world: World) -> None:
    checkout = world.open(title="Checkout LATENCY high")["id"]
    described = world.open(title="Slow pages", description="the checkout path is slow")["id"]
    other = world.open(title="Disk 100% full_now")["id"]

    assert _ids(world, q="checkout") == [described, checkout]
    assert _ids(world, q="latency") == [checkout]
    assert _ids(world, q="  Latency ") == [checkout]
    assert _ids(world, q=f"#{other}") == [other]
    assert _ids(world, q="nothing like this") == []
    # LIKE wildcards are matched literally.
    assert _ids(world, q="100%") == [other]
    assert _ids(world, q="%") == [other]
    assert _ids(world, q="l_now") == [other]
    assert _ids(world, q="k_f") == []


def test_created_at_time_range(world: World) -> None:
    early = world.open(title="early")["id"]  # 09:00
    world.api.advance(hours=1)
    middle = world.open(title="middle")["id"]  # 10:00
    world.api.advance(hours=1)
    late = world.open(title="late")["id"]  # 11:00

    assert _ids(world, since="2026-03-02T10:00:00Z") == [late, middle]
    assert _ids(world, until="2026-03-02T10:00:00Z") == [early]  # until is exclusive
    assert _ids(world, since="2026-03-02T09:30:00Z", until="2026-03-02T10:30:00Z") == [middle]
    # An offset in another zone means the same instant.
    assert _ids(world, since="2026-03-02T11:00:00+01:00") == [late, middle]
    bad = world.as_(world.olive).get("/incidents", params={"since": "yesterday-ish"})
    assert bad.status_code == 422


def test_pages_of_equal_timestamps_are_stable_and_complete(world: World) -> None:
    created = {world.open(title=f"same instant {n}")["id"] for n in range(25)}
    seen: list[int] = []
    for offset in (0, 10, 20):
        response = world.as_(world.olive).get("/incidents", params={"limit": 10, "offset": offset})
        page = response.json()
        assert page["total"] == 25
        assert page["limit"] == 10
        assert page["offset"] == offset
        seen.extend(item["id"] for item in page["items"])
    assert len(seen) == 25
    assert set(seen) == created
    assert seen == sorted(created, reverse=True)  # ties broken by id, newest first

    empty = world.as_(world.olive).get("/incidents", params={"limit": 10, "offset": 30}).json()
    assert empty["items"] == []
    assert empty["total"] == 25
    assert _ids(world, limit=200, q="same instant") == sorted(created, reverse=True)

    client = world.as_(world.olive)
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        assert client.get("/incidents", params=params).status_code == 422, params


def test_list_items_match_the_detail_view(world: World) -> None:
    iid = world.open(labels={"team": "payments"})["id"]
    with world.api.db.transaction() as session:
        incident = session.get(Incident, iid)
        assert incident is not None
    listed = world.as_(world.olive).get("/incidents").json()["items"][0]
    detail = world.as_(world.olive).get(f"/incidents/{iid}").json()
    assert listed == detail
    assert set(detail) >= {
        "id",
        "number",
        "service_name",
        "team_id",
        "snoozed_until",
        "merged_into_id",
        "integration_id",
    }
