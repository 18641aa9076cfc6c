"""Analytics numbers on a fixture whose times are set by moving the server's clock."""

from __future__ import annotations

from typing import Any

from tests.edges.incidents.conftest import World


def _by(items: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {item[key]: item for item in items}


def test_counts_mtta_and_mttr_per_service_and_team(world: World) -> None:
    def alice(path: str, body: dict[str, Any] | None = None) -> None:
        assert world.as_(world.alice).post(path, json=body).status_code == 200, path

    def bob(path: str) -> None:
        assert world.as_(world.bob).post(path).status_code == 200, path

    service_c = world.add_service("ledger", world.team_a)

    # 09:00 a1 and a2 on payments-api, b1 on search-api.
    a1 = world.open(title="a1")["id"]
    a2 = world.open(title="a2")["id"]
    b1 = world.open(world.bob, service_id=world.service_b, title="b1")["id"]
    world.api.advance(minutes=2)  # 09:02
    alice(f"/incidents/{a1}/acknowledge")  # MTTA 120 s
    world.api.advance(minutes=4)  # 09:06
    alice(f"/incidents/{a2}/acknowledge")  # MTTA 360 s
    bob(f"/incidents/{b1}/acknowledge")  # MTTA 360 s
    world.api.advance(minutes=4)  # 09:10
    alice(f"/incidents/{a1}/resolve")  # MTTR 600 s
    world.api.advance(minutes=20)  # 09:30
    bob(f"/incidents/{b1}/resolve")  # MTTR 1800 s
    c1 = world.open(title="c1", service_id=service_c)["id"]  # created 09:30, never acked
    world.api.advance(minutes=30)  # 10:00
    alice(f"/incidents/{c1}/resolve")  # MTTR 1800 s, no ack
    # A merged-away duplicate does not count.
    dup = world.open(title="dup")["id"]
    alice(f"/incidents/{dup}/merge", {"into_id": a2})
    world.api.advance(minutes=1)

    response = world.as_(world.olive).get("/analytics/incidents")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["until"] == "2026-03-02T10:01:00Z"
    assert data["since"] == "2026-01-31T10:01:00Z"  # 30 days before

    overall = data["overall"]
    assert overall["count"] == 4
    assert overall["acknowledged"] == 3
    assert overall["resolved"] == 3
    assert overall["mtta_seconds"] == 280.0  # (120 + 360 + 360) / 3
    assert overall["mtta_p50_seconds"] == 360.0
    assert overall["mttr_seconds"] == 1400.0  # (600 + 1800 + 1800) / 3
    assert overall["mttr_p50_seconds"] == 1800.0

    services = _by(data["services"], "service_name")
    assert [s["service_name"] for s in data["services"]] == ["ledger", "payments-api", "search-api"]
    payments = services["payments-api"]
    assert (payments["count"], payments["acknowledged"], payments["resolved"]) == (2, 2, 1)
    assert payments["mtta_seconds"] == 240.0
    assert payments["mttr_seconds"] == 600.0
    assert payments["team_id"] == world.team_a
    ledger = services["ledger"]
    assert (ledger["count"], ledger["acknowledged"], ledger["resolved"]) == (1, 0, 1)
    assert ledger["mtta_seconds"] is None
    assert ledger["mtta_p50_seconds"] is None
    assert ledger["mttr_seconds"] == 1800.0
    search = services["search-api"]
    assert (search["mtta_seconds"], search["mttr_seconds"]) == (360.0, 1800.0)

    teams = _by(data["teams"], "team_name")
    assert teams["Payments"]["count"] == 3
    assert teams["Payments"]["mtta_seconds"] == 240.0
    assert teams["Payments"]["mttr_seconds"] == 1200.0  # (600 + 1800) / 2
    assert teams["Search"]["count"] == 1
    assert teams["Search"]["team_id"] == world.team_b


def test_window_is_on_creation_time(world: World) -> None:
    world.open(title="before")  # 09:00
    world.api.advance(hours=2)
    world.open(title="inside")  # 11:00
    client = world.as_(world.olive)
    window = client.get(
        "/analytics/incidents",
        params={"since": "2026-03-02T10:00:00Z", "until": "2026-03-02T12:00:00Z"},
    ).json()
    assert window["overall"]["count"] == 1
    assert window["overall"]["mtta_seconds"] is None
    empty = client.get(
        "/analytics/incidents", params={"since": "2026-03-03T00:00:00Z", "until": "2026-03-04"}
    ).json()
    assert empty["overall"]["count"] == 0
    assert empty["services"] == []
    assert empty["teams"] == []
    bad = client.get(
        "/analytics/incidents",
        params={"since": "2026-03-02T12:00:00Z", "until": "2026-03-02T10:00:00Z"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "analytics.invalid_range"
