"""Real channel protocols: the product's SMTP, SMS and webhook adapters talk to real local
servers (aiosmtpd, a fake of the Twilio Messages API, an HTTP receiver that checks the HMAC
signature itself), both directly and through ``page_user`` + the job runner."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select
from tests.edges.notifications.conftest import channel_settings
from tests.support.fakes.sms import FakeTwilio
from tests.support.fakes.smtp import FakeSmtpServer
from tests.support.fakes.webhook_receiver import WebhookReceiver

from slar.channels import HttpWebhookSender, SmtpEmailSender, TwilioSmsSender, senders
from slar.db import Database
from slar.domain.catalog.models import Service
from slar.domain.identity.models import Team, User
from slar.domain.identity.rules import Principal
from slar.domain.incidents.models import Incident
from slar.domain.notifications import service
from slar.domain.notifications.jobs import SEND_JOB, send_notification
from slar.domain.notifications.models import ContactMethod, Delivery
from slar.domain.notifications.ports import DeliveryFailed, DeliveryRejected
from slar.domain.notifications.rules import RuleSpec
from slar.jobs.runner import Runner, RunnerConfig
from slar.kernel.clock import FakeClock
from slar.settings import load_settings

# --- SMTP ------------------------------------------------------------------------------------


def test_smtp_sends_a_real_message(smtp_server: FakeSmtpServer, twilio: FakeTwilio) -> None:
    sender = SmtpEmailSender(channel_settings(smtp_server, twilio).smtp)
    sender.send("alice@example.com", "[SLAR] #7 Disk full", "Hello Alice,\n\nDisk is full.")
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.mail_from == "oncall@slar.example"
    assert mail.to == "alice@example.com"
    assert mail.subject == "[SLAR] #7 Disk full"
    assert mail.text.strip() == "Hello Alice,\n\nDisk is full."
    assert mail.message["From"] == "SLAR On-call <oncall@slar.example>"
    assert mail.message["Message-ID"].endswith("@slar.example>")


def test_one_connection_carries_the_messages_of_a_thread(
    smtp_server: FakeSmtpServer, twilio: FakeTwilio
) -> None:
    sender = SmtpEmailSender(channel_settings(smtp_server, twilio).smtp)
    for n in range(3):
        sender.send("alice@example.com", f"[SLAR] #{n} Disk full", "Disk is full.")
    mails = smtp_server.wait_for(3)
    assert [m.subject for m in mails] == [f"[SLAR] #{n} Disk full" for n in range(3)]
    assert len({m.peer for m in mails}) == 1


def test_a_connection_the_server_dropped_is_replaced(twilio: FakeTwilio) -> None:
    first = FakeSmtpServer().start()
    sender = SmtpEmailSender(channel_settings(first, twilio).smtp)
    sender.send("alice@example.com", "one", "first")
    first.stop()  # the server goes away and comes back: the kept connection is dead
    second = FakeSmtpServer(port=first.port).start()
    try:
        sender.send("alice@example.com", "two", "second")
        [mail] = second.wait_for(1)
        assert (mail.subject, mail.text.strip()) == ("two", "second")
    finally:
        second.stop()


def test_non_ascii_subject_and_body_arrive_intact(
    smtp_server: FakeSmtpServer, twilio: FakeTwilio
) -> None:
    sender = SmtpEmailSender(
        channel_settings(
            smtp_server, twilio, SLAR_SMTP_FROM="Astreinte Équipe <oncall@slar.example>"
        ).smtp
    )
    sender.send("zoe@example.com", "[SLAR] #8 Disque plein ⚠ à Zürich", "Bonjour Zoë,\n\n⚠ plein.")
    [mail] = smtp_server.wait_for(1)
    assert mail.subject == "[SLAR] #8 Disque plein ⚠ à Zürich"
    assert mail.text.strip() == "Bonjour Zoë,\n\n⚠ plein."
    assert mail.message["From"].addresses[0].display_name == "Astreinte Équipe"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_logs_in_when_given_credentials(twilio: FakeTwilio) -> None:
    server = FakeSmtpServer(username="slar", password="hunter2").start()
    try:
        good = channel_settings(
            server, twilio, SLAR_SMTP_USERNAME="slar", SLAR_SMTP_PASSWORD="hunter2"
        )
        SmtpEmailSender(good.smtp).send("a@example.com", "s", "t")
        assert [m.login for m in server.wait_for(1)] == ["slar"]
        bad = channel_settings(server, twilio, SLAR_SMTP_USERNAME="slar", SLAR_SMTP_PASSWORD="x")
        with pytest.raises(DeliveryFailed):
            SmtpEmailSender(bad.smtp).send("a@example.com", "s", "t")
        anonymous = channel_settings(server, twilio)
        with pytest.raises(DeliveryFailed):
            SmtpEmailSender(anonymous.smtp).send("a@example.com", "s", "t")
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_a_refused_recipient_is_permanent_and_a_dead_server_is_retryable(
    twilio: FakeTwilio,
) -> None:
    server = FakeSmtpServer(refuse=["gone@example.com"]).start()
    try:
        sender = SmtpEmailSender(channel_settings(server, twilio).smtp)
        with pytest.raises(DeliveryRejected):
            sender.send("gone@example.com", "s", "t")
    finally:
        server.stop()
    with pytest.raises(DeliveryFailed) as caught:
        sender.send("a@example.com", "s", "t")
    assert not isinstance(caught.value, DeliveryRejected)


# --- SMS -------------------------------------------------------------------------------------


def test_sms_posts_the_messages_api_with_basic_auth(
    smtp_server: FakeSmtpServer, twilio: FakeTwilio
) -> None:
    TwilioSmsSender(channel_settings(smtp_server, twilio).sms).send("+447700900123", "Disk full")
    [sms] = twilio.messages
    assert (sms.to, sms.sender, sms.body) == ("+447700900123", "+15005550006", "Disk full")
    assert set(sms.form) == {"To", "From", "Body"}


def test_a_messaging_service_sender_uses_its_own_field(
    smtp_server: FakeSmtpServer, twilio: FakeTwilio
) -> None:
    settings = channel_settings(smtp_server, twilio, SLAR_SMS_FROM="MG" + "2" * 32)
    TwilioSmsSender(settings.sms).send("+447700900123", "hi")
    assert twilio.messages[0].form["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in twilio.messages[0].form


def test_sms_errors(smtp_server: FakeSmtpServer, twilio: FakeTwilio) -> None:
    wrong_token = channel_settings(smtp_server, twilio, SLAR_SMS_AUTH_TOKEN="nope")
    with pytest.raises(DeliveryFailed) as unauthorised:
        TwilioSmsSender(wrong_token.sms).send("+447700900123", "x")
    assert "401" in str(unauthorised.value)
    assert not isinstance(unauthorised.value, DeliveryRejected)  # fixable: retried
    sender = TwilioSmsSender(channel_settings(smtp_server, twilio).sms)
    with pytest.raises(DeliveryRejected) as invalid:
        sender.send("12345", "x")
    assert "21211" in str(invalid.value)
    twilio.fail_with = 503
    with pytest.raises(DeliveryFailed):
        sender.send("+447700900123", "x")
    assert twilio.messages == []


# --- webhooks --------------------------------------------------------------------------------


def test_webhooks_are_signed_with_the_methods_secret(
    receivers: list[WebhookReceiver], clock: FakeClock
) -> None:
    receiver = WebhookReceiver(secret="top-secret").start()
    receivers.append(receiver)
    sender = HttpWebhookSender(timeout=5, clock=clock)
    assert sender.post(receiver.url(), {"event": "incident.page", "n": 1}, "top-secret") == 200
    [hit] = receiver.received
    assert hit.signature_valid
    assert hit.json == {"event": "incident.page", "n": 1}
    assert hit.headers["X-SLAR-Timestamp"] == str(int(clock.now().timestamp()))
    assert hit.headers["Content-Type"] == "application/json"


def test_a_secret_mismatch_is_detected_and_retried(receivers: list[WebhookReceiver]) -> None:
    receiver = WebhookReceiver(secret="the-receivers-secret").start()
    receivers.append(receiver)
    sender = HttpWebhookSender(timeout=5)
    with pytest.raises(DeliveryFailed) as caught:
        sender.post(receiver.url(), {"event": "x"}, "a-different-secret")
    assert "401" in str(caught.value)
    with pytest.raises(DeliveryFailed):
        sender.post(receiver.url(), {"event": "x"}, None)  # unsigned
    assert [r.signature_valid for r in receiver.received] == [False, False]


def test_non_2xx_and_unreachable_receivers_raise(receivers: list[WebhookReceiver]) -> None:
    receiver = WebhookReceiver(secret="s", status=500).start()
    receivers.append(receiver)
    with pytest.raises(DeliveryFailed):
        HttpWebhookSender(timeout=5).post(receiver.url(), {}, "s")
    with pytest.raises(DeliveryFailed):
        HttpWebhookSender(timeout=1).post("http://127.0.0.1:9/nothing", {}, "s")


# --- end to end: page_user -> job -> real protocol ------------------------------------------


@pytest.fixture
def people(db: Database, clock: FakeClock) -> tuple[Principal, int]:
    now = clock.now()
    with db.transaction() as session:
        team = Team(name="Ops", description="", created_at=now)
        session.add(team)
        session.flush()
        svc = Service(
            team_id=team.id, name="checkout", description="", urgency="high", created_at=now
        )
        user = User(
            email="alice@example.com",
            name="Alice",
            role="responder",
            is_active=True,
            timezone="UTC",
            created_at=now,
        )
        session.add_all([svc, user])
        session.flush()
        incident = Incident(
            title="Checkout 500s",
            description="error rate 12%",
            status="triggered",
            urgency="high",
            severity="critical",
            service_id=svc.id,
            alert_count=1,
            labels={},
            links=[],
            created_at=now,
            updated_at=now,
        )
        session.add(incident)
        session.flush()
        return Principal(user.id, user.email, user.name, "responder"), incident.id


def _run(db: Database, clock: FakeClock, smtp: FakeSmtpServer, twilio: FakeTwilio) -> None:
    handlers = {
        SEND_JOB: partial(
            send_notification,
            senders=senders(channel_settings(smtp, twilio)),
            public_url="https://slar.example",
        )
    }
    with Runner(db, clock, handlers, RunnerConfig(worker_id="t", backoff_base=1)) as runner:
        runner.run_due()


def test_a_page_arrives_by_email_sms_and_webhook(
    db: Database,
    clock: FakeClock,
    people: tuple[Principal, int],
    smtp_server: FakeSmtpServer,
    twilio: FakeTwilio,
    receivers: list[WebhookReceiver],
) -> None:
    alice, incident_id = people
    now = clock.now()
    with db.transaction() as session:
        methods = [
            service.create_contact_method(
                session, principal=alice, kind=kind, address=address, now=now
            )
            for kind, address in [
                ("email", "alice@example.com"),  # the account address: verified at once
                ("sms", "+447700900123"),
                ("webhook", "http://127.0.0.1:1/placeholder"),
            ]
        ]
    hook = methods[2]
    receiver = WebhookReceiver(secret=hook.secret).start()
    receivers.append(receiver)
    with db.transaction() as session:
        for m in methods:
            row = session.get_one(ContactMethod, m.id)
            row.verified = True
            if m.kind == "webhook":
                row.address = receiver.url("/slar")
        service.replace_rules(
            session,
            principal=alice,
            rules_in=[RuleSpec(m.id, "high", 0) for m in methods],
            now=now,
        )
        assert (
            service.page_user(
                session,
                user_id=alice.user_id,
                incident_id=incident_id,
                urgency="high",
                reason="level 1",
                key="e2e",
                now=now,
            )
            == 3
        )
    _run(db, clock, smtp_server, twilio)

    [mail] = smtp_server.wait_for(1)
    assert mail.to == "alice@example.com"
    assert mail.subject == f"[SLAR] #{incident_id} Checkout 500s (checkout)"
    assert "error rate 12%" in mail.text
    assert f"https://slar.example/incidents/{incident_id}" in mail.text
    [sms] = twilio.messages
    assert sms.to == "+447700900123"
    assert sms.body.startswith(f"[SLAR] #{incident_id} HIGH checkout: Checkout 500s")
    [hit] = receiver.received
    assert hit.path == "/slar"
    assert hit.signature_valid
    assert hit.json["event"] == "incident.page"
    assert hit.json["incident"]["id"] == incident_id
    with db.read() as session:
        statuses = {d.channel: d.status for d in session.scalars(select(Delivery))}
    assert statuses == {"email": "sent", "sms": "sent", "webhook": "delivered"}


def test_sms_verification_end_to_end(
    db: Database,
    clock: FakeClock,
    people: tuple[Principal, int],
    smtp_server: FakeSmtpServer,
    twilio: FakeTwilio,
) -> None:
    alice, _ = people
    with db.transaction() as session:
        method = service.create_contact_method(
            session, principal=alice, kind="sms", address="+44 7700 900123", now=clock.now()
        )
        service.send_code(session, principal=alice, contact_method_id=method.id, now=clock.now())
    _run(db, clock, smtp_server, twilio)
    [sms] = twilio.messages
    code = re.fullmatch(r"SLAR verification code: (\d{6})", sms.body)
    assert code is not None
    with db.transaction() as session:
        out, _check = service.verify_code(
            session, principal=alice, contact_method_id=method.id, code=code[1], now=clock.now()
        )
    assert out.verified


def test_a_rotated_secret_the_receiver_does_not_know_fails_the_test_delivery(
    db: Database,
    clock: FakeClock,
    people: tuple[Principal, int],
    smtp_server: FakeSmtpServer,
    twilio: FakeTwilio,
    receivers: list[WebhookReceiver],
) -> None:
    alice, _ = people
    receiver = WebhookReceiver(secret="old-secret").start()
    receivers.append(receiver)
    with db.transaction() as session:
        hook = service.create_contact_method(
            session, principal=alice, kind="webhook", address=receiver.url(), now=clock.now()
        )
        service.send_test(session, principal=alice, contact_method_id=hook.id, now=clock.now())
    _run(db, clock, smtp_server, twilio)
    assert [r.signature_valid for r in receiver.received] == [False]
    with db.read() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.status, delivery.attempts) == ("queued", 1)
        assert "answered 401" in delivery.last_error
        assert not session.get_one(ContactMethod, hook.id).verified
    receiver.secret = hook.secret  # the owner configures the receiver with the shown secret
    clock.advance(timedelta(seconds=5))
    _run(db, clock, smtp_server, twilio)
    assert [r.signature_valid for r in receiver.received] == [False, True]
    with db.read() as session:
        assert session.get_one(ContactMethod, hook.id).verified


def test_settings_leave_unconfigured_channels_out() -> None:
    bare = senders(load_settings({}))
    assert bare.email is None
    assert bare.sms is None
    assert bare.webhook is not None
