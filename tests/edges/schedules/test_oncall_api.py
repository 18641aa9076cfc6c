"""Who is on call, final shifts, overrides and calendar feeds through real HTTP; the specs the
escalation engine reads."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event
from tests.support.harness import Account, ApiHarness

from slar.domain.schedules import oncall, repository

# The harness clock starts at 2026-03-02T09:00Z: Monday, 04:00 in New York (EST). The weekly
# rotation below started a week earlier, so Ana is on call until 09:00 EST today, then Bob.
WEEKLY = {
    "name": "Primary",
    "rotation": {"type": "weekly", "handoff_time": "09:00", "handoff_weekday": "monday"},
    "start": "2026-02-23T09:00:00-05:00",
}


def _setup(api: ApiHarness) -> tuple[httpx.Client, dict[str, Any], Account, Account, Account]:
    team = api.make_team("SRE")
    manager = api.make_user("mia@example.com", teams={team: "manager"})
    ana = api.make_user("ana@example.com", teams={team: "member"})
    bob = api.make_user("bob@example.com", teams={team: "member"})
    cat = api.make_user("cat@example.com", teams={team: "member"})
    http = api.http(manager.token)
    response = http.post(
        "/schedules",
        json={
            "team_id": team,
            "name": "Primary on-call",
            "time_zone": "America/New_York",
            "layers": [{**WEEKLY, "users": [ana.id, bob.id]}],
        },
    )
    assert response.status_code == 201, response.text
    return http, response.json(), ana, bob, cat


def _override(http: httpx.Client, schedule_id: int, user: int, start: str, end: str) -> Any:
    response = http.post(
        f"/schedules/{schedule_id}/overrides", json={"user_id": user, "start": start, "end": end}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _ids(body: dict[str, Any]) -> list[int]:
    return [u["id"] for u in body["users"]]


def test_oncall_now_at_an_instant_and_everywhere(api: ApiHarness) -> None:
    http, schedule, ana, bob, cat = _setup(api)
    url = f"/schedules/{schedule['id']}/oncall"
    now = http.get(url).json()
    assert now["users"] == [{"id": ana.id, "name": "Ana", "email": "ana@example.com"}]
    assert now["at"] == "2026-03-02T09:00:00Z"
    assert _ids(http.get(url, params={"at": "2026-03-02T14:00:00Z"}).json()) == [bob.id]
    assert _ids(http.get(url, params={"at": "2026-03-02T13:59:59Z"}).json()) == [ana.id]
    assert http.get(url, params={"at": "2026-03-02T14:00:00"}).status_code == 422  # no zone

    _override(http, schedule["id"], cat.id, "2026-03-02T08:00:00Z", "2026-03-02T10:00:00Z")
    assert _ids(http.get(url).json()) == [cat.id]

    empty = api.http(api.make_user("x@example.com", role="admin").token).post(
        "/schedules",
        json={"team_id": schedule["team_id"], "name": "Empty", "time_zone": "UTC"},
    )
    observer = api.http(api.make_user("o@example.com", role="observer").token)
    everywhere = observer.get("/oncall").json()
    assert [(e["schedule_name"], _ids(e)) for e in everywhere] == [
        ("Empty", []),
        ("Primary on-call", [cat.id]),
    ]
    assert everywhere[0]["schedule_id"] == empty.json()["id"]
    later = observer.get("/oncall", params={"at": "2026-03-03T00:00:00Z"}).json()
    assert [_ids(e) for e in later] == [[], [bob.id]]


def test_final_shifts_follow_local_handoffs_across_spring_forward(api: ApiHarness) -> None:
    http, schedule, ana, bob, cat = _setup(api)
    _override(http, schedule["id"], cat.id, "2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z")
    url = f"/schedules/{schedule['id']}/shifts"
    body = http.get(url, params={"start": "2026-03-01T00:00:00Z", "end": "2026-03-10T00:00:00Z"})
    assert body.status_code == 200, body.text
    found = [(s["user"]["id"], s["start"], s["end"]) for s in body.json()["shifts"]]
    assert found == [
        (ana.id, "2026-03-01T00:00:00Z", "2026-03-02T10:00:00Z"),
        (cat.id, "2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z"),
        (ana.id, "2026-03-02T12:00:00Z", "2026-03-02T14:00:00Z"),  # 09:00 EST
        (bob.id, "2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z"),  # 09:00 EDT: 167 hours
        (ana.id, "2026-03-09T13:00:00Z", "2026-03-10T00:00:00Z"),
    ]
    assert body.json()["time_zone"] == "America/New_York"
    assert body.json()["shifts"][0]["user"]["email"] == "ana@example.com"

    def status(start: str, end: str) -> httpx.Response:
        return http.get(url, params={"start": start, "end": end})

    reversed_range = status("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z")
    assert reversed_range.status_code == 400
    assert reversed_range.json()["error"]["code"] == "schedule.invalid_range"
    too_long = status("2026-01-01T00:00:00Z", "2027-02-01T00:00:00Z")
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "schedule.range_too_large"
    assert "366 days" in too_long.json()["error"]["message"]
    assert status("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z").status_code == 200
    assert http.get(url, params={"start": "2026-03-01T00:00:00Z"}).status_code == 422
    assert status("2026-03-01T00:00:00Z", "3026-03-01T00:00:00Z").status_code == 422


def test_override_lifecycle(api: ApiHarness) -> None:
    http, schedule, ana, bob, cat = _setup(api)
    url = f"/schedules/{schedule['id']}/overrides"
    running = _override(
        http, schedule["id"], cat.id, "2026-03-02T08:00:00Z", "2026-03-02T20:00:00Z"
    )
    future = _override(http, schedule["id"], bob.id, "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z")
    past = _override(http, schedule["id"], bob.id, "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z")
    assert running["created_by_id"] is not None
    assert [o["id"] for o in http.get(url).json()] == [running["id"], future["id"]]
    window = {"start": "2026-02-01T12:00:00Z", "end": "2026-03-03T00:00:00Z"}
    assert [o["id"] for o in http.get(url, params=window).json()] == [past["id"], running["id"]]

    bad = http.post(
        url,
        json={"user_id": 987654, "start": "2026-03-05T00:00:00Z", "end": "2026-03-06T00:00:00Z"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "schedule.unknown_users"
    backwards = http.post(
        url,
        json={"user_id": cat.id, "start": "2026-03-06T00:00:00Z", "end": "2026-03-05T00:00:00Z"},
    )
    assert backwards.status_code == 422
    outsider = api.http(api.make_user("out@example.com").token)
    assert (
        outsider.post(
            url,
            json={
                "user_id": cat.id,
                "start": "2026-03-05T00:00:00Z",
                "end": "2026-03-06T00:00:00Z",
            },
        ).status_code
        == 403
    )

    assert http.delete(f"{url}/{future['id']}").status_code == 204  # future: gone
    ended = http.delete(f"{url}/{past['id']}")
    assert ended.status_code == 409
    assert ended.json()["error"]["code"] == "schedule.override_ended"
    api.advance(minutes=10)  # 09:10Z: the running override is cut short now
    assert http.delete(f"{url}/{running['id']}").status_code == 204
    [cut] = http.get(url, params={"start": "2026-03-02T00:00:00Z"}).json()
    assert cut["id"] == running["id"]
    assert cut["end"] == "2026-03-02T09:10:00Z"
    assert _ids(http.get(f"/schedules/{schedule['id']}/oncall").json()) == [ana.id]
    assert http.delete(f"{url}/{future['id']}").status_code == 404


def _path(url: str) -> str:
    """The API path of a public URL (behind the gateway everything is under /api)."""
    return "/" + url.split("/api/", 1)[1]


def _events(text: str) -> list[dict[str, str]]:
    unfolded = text.replace("\r\n ", "")
    events = []
    for block in unfolded.split("BEGIN:VEVENT\r\n")[1:]:
        lines = block.split("END:VEVENT")[0].strip("\r\n").split("\r\n")
        events.append(dict(line.split(":", 1) for line in lines))
    return events


def test_schedule_calendar_feed_is_public_by_secret_url(api: ApiHarness) -> None:
    http, schedule, _ana, _bob, cat = _setup(api)
    _override(http, schedule["id"], cat.id, "2026-03-04T10:00:00Z", "2026-03-04T12:00:00Z")
    anonymous = api.http()
    feed_path = _path(schedule["ical_url"])
    token = feed_path.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 32

    response = anonymous.get(feed_path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    events = _events(text)
    # From the week before now to eight weeks ahead: Ana, Cat's override, then weekly turns.
    assert events[0]["DTSTART"] == "20260223T140000Z"
    assert events[0]["SUMMARY"] == "On call: Ana"
    assert {e["SUMMARY"] for e in events} == {"On call: Ana", "On call: Bob", "On call: Cat"}
    assert events[-1]["DTEND"] == "20260427T090000Z"  # now + 8 weeks
    assert all(e["DTSTART"].endswith("Z") and e["DTEND"].endswith("Z") for e in events)
    assert len({e["UID"] for e in events}) == len(events)

    api.advance(minutes=10)
    again = _events(anonymous.get(feed_path).text)
    assert [e["UID"] for e in again] == [e["UID"] for e in events]  # stable per shift
    assert again[0]["DTSTAMP"] != events[0]["DTSTAMP"]

    assert anonymous.get(f"/ical/schedules/{'x' * 43}.ics").status_code == 404
    assert anonymous.get(f"/ical/schedules/{token}x.ics").status_code == 404
    observer = api.http(api.make_user("o@example.com", role="observer").token)
    assert observer.post(f"/schedules/{schedule['id']}/ical-token").status_code == 403
    fresh = http.post(f"/schedules/{schedule['id']}/ical-token").json()
    assert fresh["token"] != token
    assert anonymous.get(feed_path).status_code == 404  # the old URL is dead at once
    assert anonymous.get(_path(fresh["url"])).status_code == 200
    assert http.get(f"/schedules/{schedule['id']}").json()["ical_url"] == fresh["url"]


def test_personal_calendar_feed_lists_only_my_shifts_in_every_schedule(api: ApiHarness) -> None:
    http, schedule, ana, bob, cat = _setup(api)
    other = http.post(
        "/schedules",
        json={
            "team_id": schedule["team_id"],
            "name": "Database",
            "time_zone": "Europe/London",
            "layers": [{**WEEKLY, "users": [cat.id, bob.id]}],
        },
    ).json()
    _override(http, other["id"], ana.id, "2026-03-10T00:00:00Z", "2026-03-10T06:00:00Z")
    mine = api.http(ana.token)
    assert mine.get("/oncall/ical-token").status_code == 404
    created = mine.post("/oncall/ical-token")
    assert created.status_code == 200
    feed = created.json()
    assert mine.get("/oncall/ical-token").json() == feed
    events = _events(api.http().get(_path(feed["url"])).text)
    assert {e["SUMMARY"] for e in events} == {"On call: Primary on-call", "On call: Database"}
    assert [e["DTSTART"] for e in events if e["SUMMARY"] == "On call: Database"] == [
        "20260310T000000Z"
    ]
    primary = [e for e in events if e["SUMMARY"] == "On call: Primary on-call"]
    assert primary[0]["DTSTART"] == "20260223T140000Z"  # Ana's turns only: every other week
    assert [e["DTSTART"] for e in primary][1] == "20260309T130000Z"

    replaced = mine.post("/oncall/ical-token").json()
    assert api.http().get(_path(feed["url"])).status_code == 404
    assert api.http().get(_path(replaced["url"])).status_code == 200
    assert api.http().get(f"/ical/users/{'y' * 43}.ics").status_code == 404


def test_schedule_specs_read_many_schedules_in_four_queries(api: ApiHarness) -> None:
    http, schedule, ana, bob, cat = _setup(api)
    ids = [schedule["id"]]
    for name in ("B", "C", "D"):
        created = http.post(
            "/schedules",
            json={
                "team_id": schedule["team_id"],
                "name": name,
                "time_zone": "Australia/Lord_Howe",
                "layers": [
                    {**WEEKLY, "users": [bob.id, cat.id]},
                    {
                        "name": "nights",
                        "users": [ana.id],
                        "rotation": {"type": "daily", "handoff_time": "18:00"},
                        "start": "2026-01-01T00:00:00Z",
                        "restrictions": [{"start": "18:00", "end": "08:00"}],
                    },
                ],
            },
        ).json()
        _override(http, created["id"], ana.id, "2026-03-02T08:00:00Z", "2026-03-02T09:30:00Z")
        ids.append(created["id"])
    statements: list[str] = []

    def count(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            statements.append(str(args[2]))

    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        with api.db.read() as session:
            specs = repository.schedule_specs(session, [*ids, 99999])
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)
    assert len(statements) == 4, statements
    assert sorted(specs) == sorted(ids)
    at = api.clock.now()
    for schedule_id in ids:
        over_http = _ids(http.get(f"/schedules/{schedule_id}/oncall").json())
        assert list(oncall.oncall_at(specs[schedule_id], at)) == over_http
    assert [layer.position for layer in specs[ids[1]].layers] == [1, 0]
    with api.db.read() as session:
        assert repository.schedule_spec(session, 99999) is None
        assert repository.schedule_specs(session, []) == {}
