"""The admin page: a dead job is listed and its Retry button queues it again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from tests.support.harness import ApiHarness
from tests.support.web import Web, post_form

from slar.jobs.handlers import PermanentFailure
from slar.jobs.models import Job
from slar.jobs.queue import enqueue
from slar.jobs.runner import Runner, RunnerConfig


def _refuse(session: Session, payload: dict[str, Any], now: datetime) -> None:
    raise PermanentFailure("the address bounced")


def test_a_dead_job_is_retried_from_the_admin_page(web: Web, api: ApiHarness) -> None:
    admin = api.make_user("admin@example.com", role="admin")
    with api.db.transaction() as session:
        job = enqueue(session, "notification.send", {"delivery_id": 7}, now=api.clock.now())
        assert job is not None
        job_id = job.id
    runner = Runner(
        api.db,
        api.clock,
        {"notification.send": _refuse},
        RunnerConfig(worker_id="t", max_retries=0),
    )
    runner.run_batch()
    browser = web.signed_in(admin)
    page = browser.get("/admin").text
    assert "the address bounced" in page and f"/admin/jobs/{job_id}/retry" in page
    answer = post_form(browser, "/admin", f"/admin/jobs/{job_id}/retry", {})
    assert answer.status_code == 303
    assert f"Job {job_id} queued again." in browser.get("/admin").text
    with api.db.read() as session:
        assert session.get(Job, job_id).status == "queued"  # type: ignore[union-attr]
