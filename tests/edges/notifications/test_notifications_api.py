"""The notifications REST API over real HTTP: contact methods, rules, verification, test
messages and delivery listings, and who may do what."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import httpx
import pytest
from tests.support.fakes.recording import RecordingChannels
from tests.support.harness import Account, ApiHarness

from slar.domain.catalog.models import Service
from slar.domain.notifications import service
from slar.domain.notifications.jobs import SEND_JOB, send_notification
from slar.domain.notifications.ports import EmailMessage
from slar.jobs.runner import Runner, RunnerConfig

METHODS = "/notifications/contact-methods"


class Env:
    def __init__(self, api: ApiHarness) -> None:
        self.api = api
        self.team = api.make_team("Payments")
        self.alice = api.make_user("alice@example.com", teams={self.team: "member"})
        self.bob = api.make_user("bob@example.com", teams={self.team: "member"})
        self.olive = api.make_user("olive@example.com", role="observer")
        self.admin = api.make_user("admin@example.com", role="admin")
        self.channels = RecordingChannels()

    def as_(self, account: Account) -> httpx.Client:
        return self.api.http(self.api.token_for(account.id))

    def add(self, account: Account, kind: str, address: str, **extra: Any) -> dict[str, Any]:
        response = self.as_(account).post(METHODS, json={"kind": kind, "address": address, **extra})
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    def run_jobs(self) -> None:
        handlers = {
            SEND_JOB: partial(
                send_notification,
                senders=self.channels.senders(),
                public_url="https://slar.example",
            )
        }
        with Runner(
            self.api.db, self.api.clock, handlers, RunnerConfig(worker_id="http-test")
        ) as runner:
            runner.run_due()

    def incident(self) -> int:
        with self.api.db.transaction() as session:
            svc = Service(
                team_id=self.team,
                name="payments-api",
                description="",
                urgency="high",
                created_at=self.api.clock.now(),
            )
            session.add(svc)
            session.flush()
            service_id = svc.id
        response = self.as_(self.alice).post(
            "/incidents", json={"service_id": service_id, "title": "Disk full"}
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def page(self, account: Account, incident_id: int) -> None:
        with self.api.db.transaction() as session:
            service.page_user(
                session,
                user_id=account.id,
                incident_id=incident_id,
                urgency="high",
                reason="level 1",
                key=f"test:{incident_id}:{account.id}",
                now=self.api.clock.now(),
            )


@pytest.fixture
def env(api: ApiHarness) -> Env:
    return Env(api)


def test_contact_method_lifecycle(env: Env) -> None:
    alice = env.as_(env.alice)
    email = env.add(env.alice, "email", "Alice.Home@Example.com", label="home")
    assert email["address"] == "Alice.Home@example.com"
    assert (email["verified"], email["label"], email["secret"]) == (False, "home", None)
    account = env.add(env.alice, "email", "alice@example.com")
    assert account["verified"]  # the account address counts as verified
    hook = env.add(env.alice, "webhook", "https://hooks.example.com/slar")
    assert hook["secret"]
    sms = env.add(env.alice, "sms", "+44 7700 900123")
    assert sms["label"] == "sms"

    listed = alice.get(METHODS).json()
    assert [m["id"] for m in listed] == [email["id"], account["id"], hook["id"], sms["id"]]

    dup = alice.post(METHODS, json={"kind": "sms", "address": "+447700900123"})
    assert (dup.status_code, dup.json()["error"]["code"]) == (409, "notification.duplicate_method")
    bad = alice.post(METHODS, json={"kind": "sms", "address": "0770"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "notification.invalid_address")
    assert alice.post(METHODS, json={"kind": "pager", "address": "x"}).status_code == 422

    rotated = alice.patch(f"{METHODS}/{hook['id']}", json={"rotate_secret": True}).json()
    assert rotated["secret"] != hook["secret"]
    moved = alice.patch(f"{METHODS}/{account['id']}", json={"address": "a2@example.com"}).json()
    assert (moved["address"], moved["verified"]) == ("a2@example.com", False)
    no_secret = alice.patch(f"{METHODS}/{sms['id']}", json={"rotate_secret": True})
    assert no_secret.status_code == 400

    assert alice.delete(f"{METHODS}/{sms['id']}").status_code == 204
    assert alice.delete(f"{METHODS}/{sms['id']}").status_code == 404
    assert len(alice.get(METHODS).json()) == 3


def test_people_manage_only_their_own_settings_admins_anyones(env: Env) -> None:
    method = env.add(env.alice, "email", "alice.home@example.com")
    bob = env.as_(env.bob)
    for response in (
        bob.patch(f"{METHODS}/{method['id']}", json={"label": "mine"}),
        bob.delete(f"{METHODS}/{method['id']}"),
        bob.post(f"{METHODS}/{method['id']}/send-code"),
        bob.post(f"{METHODS}/{method['id']}/test"),
    ):
        assert response.status_code == 404
    for response in (
        bob.get(METHODS, params={"user_id": env.alice.id}),
        bob.get("/notifications/rules", params={"user_id": env.alice.id}),
        bob.get("/notifications/deliveries", params={"user_id": env.alice.id}),
        bob.post(
            METHODS, json={"kind": "sms", "address": "+447700900123", "user_id": env.alice.id}
        ),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "notification.not_owner"

    admin = env.as_(env.admin)
    slack = admin.post(
        METHODS, json={"kind": "slack", "address": "U012AB3CD", "user_id": env.alice.id}
    ).json()
    assert (slack["user_id"], slack["verified"]) == (env.alice.id, True)
    own_slack = env.add(env.alice, "slack", "U999ZZZ")
    assert not own_slack["verified"]  # the Slack worker verifies it
    assert len(admin.get(METHODS, params={"user_id": env.alice.id}).json()) == 3
    assert admin.patch(f"{METHODS}/{method['id']}", json={"label": "x"}).status_code == 200
    missing = admin.get(METHODS, params={"user_id": 999999})
    assert missing.status_code == 404

    # Observers are read-only on the organisation, but their own contact details are theirs.
    assert (
        env.as_(env.olive)
        .post(METHODS, json={"kind": "email", "address": "olive.home@example.com"})
        .status_code
        == 201
    )


def test_rules_replace_the_list_and_an_empty_list_restores_the_default(env: Env) -> None:
    alice = env.as_(env.alice)
    assert alice.get("/notifications/rules").json() == {
        "user_id": env.alice.id,
        "rules": [],
        "using_default": True,
    }
    sms = env.add(env.alice, "sms", "+447700900123")
    email = env.add(env.alice, "email", "alice@example.com")
    body = {
        "rules": [
            {"contact_method_id": sms["id"], "urgency": "high", "delay_minutes": 0},
            {"contact_method_id": email["id"], "urgency": "high", "delay_minutes": 5},
            {"contact_method_id": email["id"], "urgency": "low"},
        ]
    }
    saved = alice.put("/notifications/rules", json=body).json()
    assert not saved["using_default"]
    assert [
        (r["kind"], r["urgency"], r["delay_minutes"], r["verified"]) for r in saved["rules"]
    ] == [
        ("sms", "high", 0, False),
        ("email", "high", 5, True),
        ("email", "low", 0, True),
    ]
    assert alice.get("/notifications/rules").json() == saved

    bobs = env.add(env.bob, "email", "bob@example.com")
    stolen = alice.put(
        "/notifications/rules",
        json={"rules": [{"contact_method_id": bobs["id"], "urgency": "high"}]},
    )
    assert (stolen.status_code, stolen.json()["error"]["code"]) == (
        400,
        "notification.unknown_contact_method",
    )
    too_late = alice.put(
        "/notifications/rules",
        json={
            "rules": [{"contact_method_id": sms["id"], "urgency": "high", "delay_minutes": 1441}]
        },
    )
    assert too_late.status_code == 422
    assert alice.get("/notifications/rules").json() == saved  # failed writes changed nothing
    assert alice.put("/notifications/rules", json={"rules": []}).json()["using_default"]


def test_verification_by_code_over_http(env: Env) -> None:
    alice = env.as_(env.alice)
    method = env.add(env.alice, "email", "alice.home@example.com")
    url = f"{METHODS}/{method['id']}"
    assert alice.post(f"{url}/verify", json={"code": "123456"}).json()["error"]["code"] == (
        "notification.no_code"
    )
    sent = alice.post(f"{url}/send-code")
    assert sent.status_code == 202
    assert sent.json()["purpose"] == "verification"
    assert not re.search(r"\d{6}", sent.json()["body"] + sent.json()["subject"])
    again = alice.post(f"{url}/send-code")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "notification.too_soon")
    env.run_jobs()
    [mail] = env.channels.sent
    assert isinstance(mail, EmailMessage)
    assert mail.to == "alice.home@example.com"
    code = re.search(r"\d{6}", mail.text).group(0)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"

    first = alice.post(f"{url}/verify", json={"code": wrong})
    assert first.status_code == 400
    assert first.json()["error"]["code"] == "notification.wrong_code"
    assert first.json()["error"]["details"]["attempts_left"] == 4
    second = alice.post(f"{url}/verify", json={"code": wrong})
    assert second.json()["error"]["details"]["attempts_left"] == 3  # the first one was kept
    assert alice.post(f"{url}/verify", json={"code": "12345"}).status_code == 422
    ok = alice.post(f"{url}/verify", json={"code": code})
    assert ok.status_code == 200, ok.text
    assert ok.json()["verified"]
    done = alice.post(f"{url}/send-code")
    assert (done.status_code, done.json()["error"]["code"]) == (409, "notification.verified")


def test_guessing_is_limited_per_code(env: Env) -> None:
    alice = env.as_(env.alice)
    method = env.add(env.alice, "sms", "+447700900123")
    url = f"{METHODS}/{method['id']}"
    alice.post(f"{url}/send-code")
    env.run_jobs()
    code = re.search(r"\d{6}", env.channels.sms()[0].body).group(0)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert alice.post(f"{url}/verify", json={"code": wrong}).status_code == 400
    locked = alice.post(f"{url}/verify", json={"code": code})
    assert (locked.status_code, locked.json()["error"]["code"]) == (
        409,
        "notification.too_many_attempts",
    )
    env.api.advance(minutes=1)
    alice.post(f"{url}/send-code")
    env.run_jobs()
    fresh = re.search(r"\d{6}", env.channels.sms()[1].body).group(0)  # type: ignore[union-attr]
    assert alice.post(f"{url}/verify", json={"code": fresh}).json()["verified"]


def test_test_notifications(env: Env) -> None:
    alice = env.as_(env.alice)
    unverified = env.add(env.alice, "email", "alice.home@example.com")
    refused = alice.post(f"{METHODS}/{unverified['id']}/test")
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        409,
        "notification.not_verified",
    )
    account = env.add(env.alice, "email", "alice@example.com")
    accepted = alice.post(f"{METHODS}/{account['id']}/test")
    assert accepted.status_code == 202
    assert (accepted.json()["purpose"], accepted.json()["status"]) == ("test", "queued")
    env.run_jobs()
    [mail] = env.channels.sent
    assert mail.subject == "[SLAR] Test notification"  # type: ignore[union-attr]
    mine = alice.get("/notifications/deliveries").json()
    assert mine["total"] == 1
    assert mine["items"][0]["status"] == "sent"
    assert alice.post(f"{METHODS}/{account['id']}/test").status_code == 409  # once a minute
    env.api.advance(seconds=61)
    assert alice.post(f"{METHODS}/{account['id']}/test").status_code == 202


def test_deliveries_are_listed_per_incident_and_per_user(env: Env) -> None:
    incident = env.incident()
    env.page(env.alice, incident)
    env.run_jobs()
    alice, bob = env.as_(env.alice), env.as_(env.bob)

    [own] = alice.get(f"/incidents/{incident}/deliveries").json()
    assert (own["address"], own["status"], own["purpose"]) == ("alice@example.com", "sent", "page")
    assert own["subject"] == f"[SLAR] #{incident} Disk full (payments-api)"
    assert "Disk full" in own["body"]
    [seen_by_bob] = bob.get(f"/incidents/{incident}/deliveries").json()
    assert (seen_by_bob["address"], seen_by_bob["body"]) == ("a***@example.com", "")
    [seen_by_admin] = env.as_(env.admin).get(f"/incidents/{incident}/deliveries").json()
    assert seen_by_admin["address"] == "alice@example.com"
    assert bob.get("/incidents/999999/deliveries").status_code == 404

    page = alice.get("/notifications/deliveries", params={"limit": 10}).json()
    assert (page["total"], page["limit"], page["offset"]) == (1, 10, 0)
    assert page["items"][0]["incident_id"] == incident
    assert bob.get("/notifications/deliveries").json()["total"] == 0
    as_admin = env.as_(env.admin).get("/notifications/deliveries", params={"user_id": env.alice.id})
    assert as_admin.json()["total"] == 1

    timeline = alice.get(f"/incidents/{incident}/timeline").json()
    assert "Paged Alice by e-mail" in [e["message"] for e in timeline]


def test_every_route_needs_a_principal(env: Env) -> None:
    anonymous = env.api.http()
    for method, path in [
        ("GET", METHODS),
        ("POST", METHODS),
        ("PATCH", f"{METHODS}/1"),
        ("DELETE", f"{METHODS}/1"),
        ("POST", f"{METHODS}/1/test"),
        ("POST", f"{METHODS}/1/send-code"),
        ("POST", f"{METHODS}/1/verify"),
        ("GET", "/notifications/rules"),
        ("PUT", "/notifications/rules"),
        ("GET", "/notifications/deliveries"),
        ("GET", "/incidents/1/deliveries"),
    ]:
        assert anonymous.request(method, path).status_code == 401, (method, path)
