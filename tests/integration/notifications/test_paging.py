"""``page_user`` and the ``notification.send`` handler on a real database (both backends):
default rules, idempotency, personal rule delays, cancellation after an ack, retries and
failures, verification and test messages. Channels are recording fakes here; the protocol
tests are in ``test_channel_protocols.py``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.integration.notifications.conftest import World

from slar.domain.identity.models import User
from slar.domain.incidents import lifecycle
from slar.domain.incidents.models import Incident, IncidentEvent
from slar.domain.incidents.rules import Actor
from slar.domain.notifications import render, service
from slar.domain.notifications.models import ContactMethod
from slar.domain.notifications.ports import EmailMessage, Senders, SmsMessage, WebhookMessage
from slar.domain.notifications.rules import RuleSpec
from slar.jobs.runner import Outcome
from slar.kernel.errors import Conflict, NotFound


def _page(world: World, incident_id: int, *, user_id: int | None = None, key: str = "k1") -> int:
    with world.db.transaction() as session:
        return service.page_user(
            session,
            user_id=user_id or world.alice.user_id,
            incident_id=incident_id,
            urgency="high",
            reason="escalation level 1",
            key=key,
            now=world.clock.now(),
        )


def _method(world: World, kind: str, address: str, *, verified: bool = True) -> int:
    with world.db.transaction() as session:
        out = service.create_contact_method(
            session, principal=world.alice, kind=kind, address=address, now=world.clock.now()
        )
        session.get_one(ContactMethod, out.id).verified = verified
        return out.id


def _rules(world: World, *specs: RuleSpec) -> None:
    with world.db.transaction() as session:
        service.replace_rules(
            session, principal=world.alice, rules_in=list(specs), now=world.clock.now()
        )


def _timeline(world: World, incident_id: int) -> list[tuple[str, str]]:
    with world.db.read() as session:
        rows = session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.id)
        )
        return [(e.kind, e.message) for e in rows]


def test_a_user_without_rules_is_emailed_at_their_account_address_at_once(world: World) -> None:
    incident = world.incident("Disk full")
    assert _page(world, incident) == 1
    result = world.run_jobs()
    assert result.count(Outcome.DONE) == 1
    [mail] = world.channels.sent
    assert isinstance(mail, EmailMessage)
    assert mail.to == "alice@example.com"
    assert mail.subject == f"[SLAR] #{incident} Disk full (payments-api)"
    assert f"https://slar.example/incidents/{incident}" in mail.text
    [delivery] = world.deliveries()
    assert (delivery.status, delivery.attempts, delivery.purpose) == ("sent", 1, "page")
    assert delivery.sent_at == world.clock.now()
    assert delivery.subject == mail.subject
    assert ("notified", "Paged Alice by e-mail") in _timeline(world, incident)
    assert world.jobs() == []


def test_paging_twice_with_the_same_key_makes_one_delivery_and_one_message(world: World) -> None:
    incident = world.incident()
    assert _page(world, incident, key="incident:1:gen:1:level:0:loop:0:user:1") == 1
    assert _page(world, incident, key="incident:1:gen:1:level:0:loop:0:user:1") == 0
    assert len(world.deliveries()) == 1
    assert len(world.jobs()) == 1
    world.run_jobs()
    world.run_jobs()
    assert len(world.channels.sent) == 1
    assert _page(world, incident, key="incident:1:gen:2:level:0:loop:0:user:1") == 1


def test_personal_rules_fire_after_their_delays(world: World) -> None:
    sms = _method(world, "sms", "+447700900123")
    email = _method(world, "email", "alice.personal@example.com")
    _rules(
        world,
        RuleSpec(sms, "high", 0),
        RuleSpec(email, "high", 5),
        RuleSpec(email, "low", 0),
    )
    incident = world.incident()
    start = world.clock.now()
    assert _page(world, incident) == 2
    jobs = world.jobs()
    assert sorted((j.kind, j.run_at) for j in jobs) == [
        ("notification.send", start),
        ("notification.send", start + timedelta(minutes=5)),
    ]
    world.run_jobs()
    assert [type(m) for m in world.channels.sent] == [SmsMessage]
    assert world.channels.sent[0].to == "+447700900123"  # type: ignore[union-attr]
    world.advance(minutes=4, seconds=59)
    world.run_jobs()
    assert len(world.channels.sent) == 1
    world.advance(seconds=1)
    world.run_jobs()
    assert [m.to for m in world.channels.emails()] == ["alice.personal@example.com"]
    assert [e for e in _timeline(world, incident) if e[0] == "notified"] == [
        ("notified", "Paged Alice by SMS"),
        ("notified", "Paged Alice by e-mail"),
    ]


def test_an_acknowledged_incident_cancels_the_delayed_pages(world: World) -> None:
    sms = _method(world, "sms", "+447700900123")
    email = _method(world, "email", "alice.personal@example.com")
    _rules(world, RuleSpec(sms, "high", 0), RuleSpec(email, "high", 10))
    incident = world.incident()
    _page(world, incident)
    world.run_jobs()
    with world.db.transaction() as session:
        row = session.get_one(Incident, incident)
        lifecycle.apply_acknowledge(
            session, row, actor=Actor("Alice", world.alice.user_id), now=world.clock.now()
        )
    world.advance(minutes=10)
    world.run_jobs()
    assert len(world.channels.sent) == 1  # the SMS only
    statuses = {d.channel: (d.status, d.last_error) for d in world.deliveries()}
    assert statuses["sms"] == ("sent", "")
    assert statuses["email"] == ("cancelled", "not sent: the incident is acknowledged")
    assert world.jobs() == []


def test_unverified_methods_never_receive_pages(world: World) -> None:
    sms = _method(world, "sms", "+447700900123", verified=False)
    email = _method(world, "email", "alice.personal@example.com")
    _rules(world, RuleSpec(sms, "high", 0), RuleSpec(email, "high", 0))
    _page(world, world.incident())
    world.run_jobs()
    assert [getattr(m, "to", None) for m in world.channels.sent] == ["alice.personal@example.com"]


def test_an_inactive_user_is_not_paged(world: World) -> None:
    with world.db.transaction() as session:
        session.get_one(User, world.bob.user_id).is_active = False
    assert _page(world, world.incident(), user_id=world.bob.user_id) == 0


def test_a_failing_channel_is_retried_then_the_delivery_fails(world: World) -> None:
    incident = world.incident()
    _page(world, incident)
    world.channels.failing.add("email")
    for attempt in range(1, 5):
        assert world.run_jobs().count(Outcome.RETRIED) == 1
        [delivery] = world.deliveries()
        assert (delivery.status, delivery.attempts) == ("queued", attempt)
        assert "email is down" in delivery.last_error
        world.advance(seconds=5)
    assert world.run_jobs().count(Outcome.DEAD) == 1
    [delivery] = world.deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", 5)
    [job] = world.jobs()
    assert job.status == "dead"
    assert any(kind == "notification_failed" for kind, _ in _timeline(world, incident))
    assert world.channels.sent == []


def test_a_channel_that_is_not_configured_fails_at_once(world: World) -> None:
    _page(world, world.incident())
    world.run_jobs(Senders())
    [delivery] = world.deliveries()
    assert delivery.status == "failed"
    assert "SLAR_SMTP_HOST" in delivery.last_error
    assert world.jobs() == []


def test_slack_methods_get_a_slack_delivery_job_for_the_slack_worker(world: World) -> None:
    slack = _method(world, "slack", "U012AB3CD")
    _rules(world, RuleSpec(slack, "high", 0))
    _page(world, world.incident())
    [delivery] = world.deliveries()
    assert (delivery.channel, delivery.address, delivery.status) == ("slack", "U012AB3CD", "queued")
    [job] = world.jobs()
    assert (job.kind, job.payload) == ("slack.deliver", {"delivery_id": delivery.id})
    world.run_jobs()  # this worker has no slack.deliver handler: the job waits for Slack's
    assert world.jobs()[0].status == "queued"


def test_the_verification_flow(world: World) -> None:
    method = _method(world, "sms", "+447700900123", verified=False)
    now = world.clock.now
    with world.db.transaction() as session:
        out = service.send_code(session, principal=world.alice, contact_method_id=method, now=now())
    assert out.purpose == "verification"
    assert out.body == render.REDACTED_CODE  # never shown through the API
    world.run_jobs()
    [sms] = world.channels.sms()
    code = re.search(r"\d{6}", sms.body).group(0)  # type: ignore[union-attr]
    [delivery] = world.deliveries()
    assert code not in delivery.body  # not kept once sent
    wrong = "000000" if code != "000000" else "111111"
    with world.db.transaction() as session:
        method_out, check = service.verify_code(
            session, principal=world.alice, contact_method_id=method, code=wrong, now=now()
        )
    assert (method_out.verified, check.attempts_left) == (False, 4)
    with world.db.transaction() as session:
        method_out, check = service.verify_code(
            session, principal=world.alice, contact_method_id=method, code=code, now=now()
        )
    assert method_out.verified
    assert check.verified


def test_codes_expire_and_a_new_one_replaces_the_old(world: World) -> None:
    method = _method(world, "email", "alice.personal@example.com", verified=False)
    with world.db.transaction() as session:
        service.send_code(
            session, principal=world.alice, contact_method_id=method, now=world.clock.now()
        )
    world.run_jobs()
    first = re.search(r"\d{6}", world.channels.emails()[0].text).group(0)  # type: ignore[union-attr]
    world.advance(seconds=30)
    with world.db.transaction() as session, pytest.raises(Conflict) as too_soon:
        service.send_code(
            session, principal=world.alice, contact_method_id=method, now=world.clock.now()
        )
    assert too_soon.value.code == "notification.too_soon"
    world.advance(minutes=16)
    with world.db.transaction() as session, pytest.raises(Conflict) as expired:
        service.verify_code(
            session,
            principal=world.alice,
            contact_method_id=method,
            code=first,
            now=world.clock.now(),
        )
    assert expired.value.code == "notification.code_expired"


def test_a_successful_webhook_test_verifies_the_webhook(world: World) -> None:
    with world.db.transaction() as session:
        hook = service.create_contact_method(
            session,
            principal=world.alice,
            kind="webhook",
            address="https://hooks.example.com/slar",
            now=world.clock.now(),
        )
    assert not hook.verified
    assert hook.secret
    with world.db.transaction() as session:
        service.send_test(
            session, principal=world.alice, contact_method_id=hook.id, now=world.clock.now()
        )
    world.run_jobs()
    [message] = world.channels.sent
    assert isinstance(message, WebhookMessage)
    assert message.secret == hook.secret
    assert message.body["event"] == "notification.test"
    assert message.body["user"]["id"] == world.alice.user_id
    with world.db.read() as session:
        assert session.get_one(ContactMethod, hook.id).verified
    assert world.deliveries()[0].status == "delivered"


def test_deleting_a_method_cancels_its_queued_deliveries(world: World) -> None:
    email = _method(world, "email", "alice.personal@example.com")
    _rules(world, RuleSpec(email, "high", 5))
    _page(world, world.incident())
    with world.db.transaction() as session:
        service.delete_contact_method(
            session, principal=world.alice, contact_method_id=email, now=world.clock.now()
        )
        assert service.get_rules(session, principal=world.alice).using_default
    world.advance(minutes=5)
    world.run_jobs()
    assert world.channels.sent == []
    [delivery] = world.deliveries()
    assert (delivery.status, delivery.contact_method_id) == ("cancelled", None)


def test_others_methods_are_invisible_to_non_admins(world: World) -> None:
    email = _method(world, "email", "alice.personal@example.com")
    with world.db.transaction() as session, pytest.raises(NotFound):
        service.send_test(
            session, principal=world.bob, contact_method_id=email, now=world.clock.now()
        )
    with world.db.transaction() as session:
        out = service.send_test(
            session, principal=world.admin, contact_method_id=email, now=world.clock.now()
        )
        assert out.user_id == world.alice.user_id
