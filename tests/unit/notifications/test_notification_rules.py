"""Pure notification rules: address syntax, page planning, verification codes, masking, and
the rendered messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slar.domain.identity.rules import Principal
from slar.domain.notifications import render, rules
from slar.domain.notifications.rules import RuleFact, RuleSpec
from slar.kernel.errors import Conflict, InvalidInput, PermissionDenied

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "raw", "clean"),
    [
        ("email", "  Alice@Example.COM ", "Alice@example.com"),
        ("sms", "+44 (20) 7946-0958", "+442079460958"),
        ("slack", "u012ab3cd", "U012AB3CD"),
        ("webhook", "https://hooks.example.com/slar?x=1", "https://hooks.example.com/slar?x=1"),
    ],
)
def test_addresses_are_canonicalised(kind: str, raw: str, clean: str) -> None:
    assert rules.clean_address(kind, raw) == clean


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("email", "not-an-address"),
        ("sms", "07946 0958"),  # no country code
        ("sms", "+0123456789"),
        ("slack", "alice"),
        ("webhook", "ftp://example.com/x"),
        ("webhook", "https:///nohost"),
        ("email", " "),
    ],
)
def test_bad_addresses_name_the_channel(kind: str, raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.clean_address(kind, raw)
    assert caught.value.code == "notification.invalid_address"
    assert caught.value.message.startswith(f"{kind} address")


def test_only_the_owner_or_an_admin_manages_settings() -> None:
    alice = Principal(1, "a@x", "A", "responder")
    rules.require_self_or_admin(alice, 1)
    rules.require_self_or_admin(Principal(9, "r@x", "R", "admin"), 1)
    with pytest.raises(PermissionDenied):
        rules.require_self_or_admin(alice, 2)


def _fact(rule_id: int, *, urgency: str = "high", verified: bool = True, delay: int = 0):  # type: ignore[no-untyped-def]
    return RuleFact(
        rule_id, 100 + rule_id, "sms", f"+4470000000{rule_id}", verified, urgency, delay
    )


def test_no_rules_means_an_immediate_email_to_the_account() -> None:
    plan = rules.plan_page([], urgency="low", key="k", account_email="a@example.com")
    assert [(p.idempotency_key, p.channel, p.address, p.delay_minutes) for p in plan] == [
        ("k:account-email", "email", "a@example.com", 0)
    ]


def test_rules_of_the_urgency_make_keyed_deliveries_in_delay_order() -> None:
    facts = [_fact(1, delay=10), _fact(2, delay=0), _fact(3, urgency="low")]
    plan = rules.plan_page(facts, urgency="high", key="inc:1", account_email="a@x.io")
    assert [(p.idempotency_key, p.delay_minutes) for p in plan] == [
        ("inc:1:rule:2", 0),
        ("inc:1:rule:1", 10),
    ]


def test_unverified_methods_are_skipped_and_never_leave_a_page_undelivered() -> None:
    mixed = rules.plan_page(
        [_fact(1, verified=False), _fact(2)], urgency="high", key="k", account_email="a@x.io"
    )
    assert [p.idempotency_key for p in mixed] == ["k:rule:2"]
    only_unverified = rules.plan_page(
        [_fact(1, verified=False)], urgency="high", key="k", account_email="a@x.io"
    )
    assert [p.address for p in only_unverified] == ["a@x.io"]


def test_rules_only_for_the_other_urgency_page_nobody() -> None:
    assert (
        rules.plan_page([_fact(1, urgency="high")], urgency="low", key="k", account_email="a") == []
    )


def test_rule_lists_are_checked() -> None:
    ok = [RuleSpec(1, "high", 0), RuleSpec(1, "high", 5), RuleSpec(2, "low", 0)]
    rules.check_rule_list(ok, [1, 2])
    for bad, code in [
        ([RuleSpec(3, "high", 0)], "notification.unknown_contact_method"),
        ([RuleSpec(1, "high", 0), RuleSpec(1, "high", 0)], "notification.duplicate_rule"),
        ([RuleSpec(1, "high", 1441)], "notification.invalid_delay"),
        ([RuleSpec(1, "urgent", 0)], "notification.invalid_urgency"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            rules.check_rule_list(bad, [1, 2])
        assert caught.value.code == code


@given(st.integers(min_value=1, max_value=10**6))
def test_a_code_checks_only_against_its_own_method(method_id: int) -> None:
    code = rules.new_code()
    assert len(code) == 6
    assert code.isdigit()
    digest = rules.code_digest(method_id, code)
    live = {"digest": digest, "expires_at": NOW + rules.CODE_TTL, "attempts": 0, "now": NOW}
    assert rules.check_code(contact_method_id=method_id, code=code, **live).verified  # type: ignore[arg-type]
    assert not rules.check_code(contact_method_id=method_id + 1, code=code, **live).verified  # type: ignore[arg-type]


def test_codes_expire_and_run_out_of_attempts() -> None:
    digest = rules.code_digest(1, "123456")
    expires = NOW + rules.CODE_TTL
    wrong = rules.check_code(
        contact_method_id=1, code="000000", digest=digest, expires_at=expires, attempts=3, now=NOW
    )
    assert (wrong.verified, wrong.attempts_left) == (False, 1)
    for kwargs, code in [
        ({"expires_at": NOW, "attempts": 0}, "notification.code_expired"),
        ({"expires_at": expires, "attempts": 5}, "notification.too_many_attempts"),
    ]:
        with pytest.raises(Conflict) as caught:
            rules.check_code(
                contact_method_id=1,
                code="123456",
                digest=digest,
                now=NOW,
                **kwargs,  # type: ignore[arg-type]
            )
        assert caught.value.code == code
    with pytest.raises(Conflict) as caught:
        rules.check_code(
            contact_method_id=1, code="1", digest=None, expires_at=None, attempts=0, now=NOW
        )
    assert caught.value.code == "notification.no_code"


def test_cooldown() -> None:
    rules.check_cooldown(None, NOW, what="code")
    rules.check_cooldown(NOW - timedelta(seconds=60), NOW, what="code")
    with pytest.raises(Conflict) as caught:
        rules.check_cooldown(NOW - timedelta(seconds=30), NOW, what="code")
    assert caught.value.details["retry_after_seconds"] == 31


def test_only_email_and_sms_take_codes() -> None:
    rules.check_can_send_code("sms", False)
    for kind, verified in [("webhook", False), ("slack", False), ("email", True)]:
        with pytest.raises(Conflict):
            rules.check_can_send_code(kind, verified)


def test_masking_hides_most_of_an_address() -> None:
    assert rules.mask_address("email", "alice@example.com") == "a***@example.com"
    assert rules.mask_address("sms", "+447700900123") == "+44*******123"
    assert rules.mask_address("webhook", "https://h.example.com/secret/path") == (
        "https://h.example.com/***"
    )


def _incident() -> render.IncidentFacts:
    return render.IncidentFacts(
        id=42,
        title="Disk full",
        description="/var is at 100%",
        status="triggered",
        urgency="high",
        severity="critical",
        service_name="payments-api",
        created_at=NOW,
    )


def test_a_page_says_what_where_and_how_to_act() -> None:
    page = render.page(
        _incident(), recipient="Alice", reason="level 1", public_url="https://slar.example/"
    )
    assert page.subject == "[SLAR] #42 Disk full (payments-api)"
    assert "https://slar.example/incidents/42" in page.text
    assert "Why you:  level 1" in page.text
    assert page.short == "[SLAR] #42 HIGH payments-api: Disk full https://slar.example/incidents/42"
    hook = json.loads(page.body_for("webhook"))
    assert hook["event"] == "incident.page"
    assert hook["incident"]["id"] == 42
    assert page.body_for("sms") == page.short
    assert page.body_for("email") == page.text


def test_sms_bodies_fit_the_api_limit() -> None:
    facts = _incident()
    big = render.IncidentFacts(
        facts.id, "x" * 5000, "", "triggered", "high", "error", "svc", facts.created_at
    )
    assert len(render.page(big, recipient="A", reason="", public_url="u").short) == render.SMS_MAX


def test_handoff_is_in_the_recipients_zone() -> None:
    start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    notice = render.handoff(
        recipient="Alice",
        schedule_id=3,
        schedule_name="Primary",
        start=start,
        end=start + timedelta(days=1),
        timezone="Europe/London",
    )
    assert "Wed 01 Jul 2026 09:00 BST" in notice.text
    assert notice.data["schedule"] == {"id": 3, "name": "Primary"}


def test_the_verification_message_carries_the_code() -> None:
    message = render.verification("012345")
    assert "012345" in message.text
    assert message.short == "SLAR verification code: 012345"
