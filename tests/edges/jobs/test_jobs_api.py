"""The job review API over real HTTP: dead jobs listed and retried, queue stats; admins only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.support.harness import ApiHarness

from slar.jobs.handlers import PermanentFailure
from slar.jobs.models import Job
from slar.jobs.queue import enqueue
from slar.jobs.runner import Runner, RunnerConfig


def _runner(api: ApiHarness, handlers: dict[str, Any]) -> Runner:
    return Runner(api.db, api.clock, handlers, RunnerConfig(worker_id="test", max_retries=0))


def _refuse(session: Session, payload: dict[str, Any], now: datetime) -> None:
    raise PermanentFailure(f"delivery {payload['delivery_id']} has no address")


def _enqueue(api: ApiHarness, kind: str, payload: dict[str, Any], **kwargs: Any) -> int:
    with api.db.transaction() as session:
        job = enqueue(session, kind, payload, now=api.clock.now(), **kwargs)
        assert job is not None
        return job.id


def test_dead_jobs_are_listed_and_retried_by_an_admin(api: ApiHarness) -> None:
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    dead_id = _enqueue(api, "notification.send", {"delivery_id": 41}, dedup_key="delivery:41")
    _enqueue(api, "notification.send", {"delivery_id": 42})
    with _runner(api, {"notification.send": _refuse}) as runner:
        runner.run_due()

    listed = admin.get("/jobs/dead")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    item = by_id[dead_id]
    assert item["kind"] == "notification.send"
    assert item["payload"] == {"delivery_id": 41}
    assert item["status"] == "dead"
    assert item["attempts"] == 1
    assert "delivery 41 has no address" in item["last_error"]
    assert item["created_at"] and item["updated_at"] and item["run_at"]
    assert item["dedup_key"] == "delivery:41"

    page = admin.get("/jobs/dead", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert admin.get("/jobs/dead", params={"kind": "escalation.step"}).json()["total"] == 0

    api.advance(minutes=5)
    retried = admin.post(f"/jobs/{dead_id}/retry")
    assert retried.status_code == 200, retried.text
    job = retried.json()
    assert job["status"] == "queued" and job["attempts"] == 0
    assert datetime.fromisoformat(job["run_at"]) == api.clock.now()  # due at once
    assert admin.get("/jobs/dead").json()["total"] == 1

    # The worker now runs it (the cause was fixed meanwhile).
    seen: list[dict[str, Any]] = []

    def fixed(session: Session, payload: dict[str, Any], now: datetime) -> None:
        seen.append(payload)

    with _runner(api, {"notification.send": fixed}) as runner:
        assert runner.run_due().claimed == 1
    assert seen == [{"delivery_id": 41}]
    with api.db.read() as session:
        assert session.get(Job, dead_id) is None


def test_retry_refuses_unknown_pending_and_duplicate_jobs(api: ApiHarness) -> None:
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    assert admin.post("/jobs/999/retry").status_code == 404
    assert admin.post("/jobs/999/retry").json()["error"]["code"] == "job.not_found"

    queued = _enqueue(api, "escalation.step", {"incident_id": 1, "generation": 1})
    conflict = admin.post(f"/jobs/{queued}/retry")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "job.not_dead"

    dead = _enqueue(api, "notification.send", {"delivery_id": 7}, dedup_key="delivery:7")
    with _runner(api, {"notification.send": _refuse}) as runner:
        runner.run_due()
    pending = _enqueue(api, "notification.send", {"delivery_id": 7}, dedup_key="delivery:7")
    duplicate = admin.post(f"/jobs/{dead}/retry")
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "job.duplicate_pending"
    assert str(pending) in duplicate.json()["error"]["message"]


def test_stats_count_by_status_and_kind_with_the_oldest_lag(api: ApiHarness) -> None:
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    empty = admin.get("/jobs/stats").json()
    assert empty == {
        "by_status": {"queued": 0, "running": 0, "dead": 0},
        "by_kind": {},
        "oldest_due_lag_seconds": 0.0,
    }
    now = api.clock.now()
    _enqueue(api, "escalation.step", {"incident_id": 1}, run_at=now - timedelta(seconds=30))
    _enqueue(api, "escalation.step", {"incident_id": 2}, run_at=now - timedelta(seconds=5))
    _enqueue(api, "escalation.step", {"incident_id": 3}, run_at=now + timedelta(minutes=5))
    _enqueue(api, "notification.send", {"delivery_id": 1})
    with _runner(api, {"notification.send": _refuse}) as runner:
        runner.run_due()

    stats = admin.get("/jobs/stats")
    assert stats.status_code == 200, stats.text
    assert stats.json() == {
        "by_status": {"queued": 3, "running": 0, "dead": 1},
        "by_kind": {"escalation.step": {"queued": 3}, "notification.send": {"dead": 1}},
        "oldest_due_lag_seconds": 30.0,
    }


def test_only_admins_see_or_retry_jobs(api: ApiHarness) -> None:
    team = api.make_team("ops")
    for role, teams in (("responder", {team: "manager"}), ("observer", {})):
        client = api.http(api.make_user(f"{role}@example.com", role=role, teams=teams).token)
        for method, path in (
            ("GET", "/jobs/dead"),
            ("GET", "/jobs/stats"),
            ("POST", "/jobs/1/retry"),
        ):
            response = client.request(method, path)
            assert response.status_code == 403, (role, path, response.text)
            assert response.json()["error"]["code"] == "auth.admin_required"
    assert api.http().get("/jobs/dead").status_code == 401


def test_retrying_through_the_api_does_not_touch_other_jobs(api: ApiHarness) -> None:
    admin = api.http(api.make_user("root@example.com", role="admin").token)
    dead = _enqueue(api, "notification.send", {"delivery_id": 1})
    other = _enqueue(api, "notification.send", {"delivery_id": 2})
    with _runner(api, {"notification.send": _refuse}) as runner:
        runner.run_due()
    assert admin.post(f"/jobs/{dead}/retry").status_code == 200
    with api.db.read() as session:
        statuses = dict(session.execute(select(Job.id, Job.status)).all())
    assert statuses == {dead: "queued", other: "dead"}
