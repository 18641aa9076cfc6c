"""Pure notification rules: address syntax per channel, who may manage whose settings, which
deliveries a page makes, verification codes, and masking addresses for other readers.

No SQLAlchemy here: values in, values out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from slar.domain.identity.rules import Principal
from slar.kernel.emails import normalise_email
from slar.kernel.errors import Conflict, InvalidInput, PermissionDenied

EMAIL, SMS, SLACK, WEBHOOK = "email", "sms", "slack", "webhook"
KINDS = (EMAIL, SMS, SLACK, WEBHOOK)
URGENCIES = ("high", "low")
PAGE, TEST, VERIFICATION, HANDOFF = "page", "test", "verification", "handoff"
# The reason of a page telling someone an incident was assigned to them: it goes out while the
# incident is open (even acknowledged), where an escalation page needs it still triggered.
ASSIGNED = "assigned"
PURPOSES = (PAGE, TEST, VERIFICATION, HANDOFF)
QUEUED, SENT, DELIVERED, FAILED, CANCELLED = "queued", "sent", "delivered", "failed", "cancelled"
STATUSES = (QUEUED, SENT, DELIVERED, FAILED, CANCELLED)

MAX_DELAY_MINUTES = 1440
MAX_RULES = 50
MAX_METHODS = 20
LABEL_MAX = 200
ADDRESS_MAX = 2048

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5
# Codes and test messages cost money (SMS) and can annoy the recipient: one a minute per method.
SEND_COOLDOWN = timedelta(seconds=60)

# Channels a code can verify; webhooks verify by a successful test delivery, Slack by the
# Slack worker (or an admin creating the method).
CODE_VERIFIED_KINDS = (EMAIL, SMS)

_E164 = re.compile(r"\+[1-9]\d{7,14}")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,30}")


# --- permissions -----------------------------------------------------------------------------


def require_self_or_admin(principal: Principal, user_id: int) -> None:
    """Contact methods and rules are personal: their owner or an admin manages them."""
    if principal.user_id != user_id and not principal.is_admin:
        raise PermissionDenied(
            "you can only manage your own notification settings",
            code="notification.not_owner",
            user_id=user_id,
        )


# --- addresses -------------------------------------------------------------------------------


def clean_address(kind: str, address: str) -> str:
    """The canonical form of ``address`` for a channel, or ``InvalidInput`` naming the problem."""
    raw = address.strip()
    if not raw or len(raw) > ADDRESS_MAX:
        raise _bad_address(kind, f"address must be 1 to {ADDRESS_MAX} characters")
    if kind == EMAIL:
        try:
            return normalise_email(raw)
        except ValueError as exc:
            raise _bad_address(kind, str(exc)) from None
    if kind == SMS:
        phone = _PHONE_PUNCTUATION.sub("", raw)
        if not _E164.fullmatch(phone):
            raise _bad_address(
                kind, "phone numbers must be in E.164 form: '+' then country code and number"
            )
        return phone
    if kind == SLACK:
        user = raw.upper()
        if not _SLACK_USER.fullmatch(user):
            raise _bad_address(kind, "a Slack member id looks like U012AB3CD")
        return user
    if kind == WEBHOOK:
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _bad_address(kind, "a webhook address must be an http:// or https:// URL")
        return raw
    raise InvalidInput(f"unknown contact method kind {kind!r}", code="notification.invalid_kind")


def _bad_address(kind: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{kind} address: {message}", code="notification.invalid_address", kind=kind
    )


def clean_label(label: str, *, kind: str) -> str:
    cleaned = label.strip()
    if len(cleaned) > LABEL_MAX:
        raise InvalidInput(
            f"label must be at most {LABEL_MAX} characters", code="notification.invalid_label"
        )
    return cleaned or kind


def mask_address(channel: str, address: str) -> str:
    """What a reader who is neither the recipient nor an admin sees of an address."""
    if channel == EMAIL and "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if channel == SMS:
        return address[:3] + "*" * max(len(address) - 6, 0) + address[-3:]
    if channel == WEBHOOK:
        parts = urlsplit(address)
        return f"{parts.scheme}://{parts.hostname}/***"
    return address


# --- personal rules --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as a user writes it."""

    contact_method_id: int
    urgency: str
    delay_minutes: int


def check_rule_list(rules: Sequence[RuleSpec], owned_method_ids: Iterable[int]) -> None:
    """A rule list must use the owner's methods, sane delays, and no rule twice."""
    owned = set(owned_method_ids)
    if len(rules) > MAX_RULES:
        raise InvalidInput(
            f"at most {MAX_RULES} notification rules", code="notification.too_many_rules"
        )
    seen: set[RuleSpec] = set()
    for rule in rules:
        if rule.contact_method_id not in owned:
            raise InvalidInput(
                f"contact method {rule.contact_method_id} is not one of this user's methods",
                code="notification.unknown_contact_method",
                contact_method_id=rule.contact_method_id,
            )
        if rule.urgency not in URGENCIES:
            raise InvalidInput(
                f"urgency must be high or low, got {rule.urgency!r}",
                code="notification.invalid_urgency",
            )
        if not 0 <= rule.delay_minutes <= MAX_DELAY_MINUTES:
            raise InvalidInput(
                f"delay_minutes must be between 0 and {MAX_DELAY_MINUTES}",
                code="notification.invalid_delay",
            )
        if rule in seen:
            raise InvalidInput(
                f"the rule (method {rule.contact_method_id}, {rule.urgency}, "
                f"{rule.delay_minutes} min) is listed twice",
                code="notification.duplicate_rule",
            )
        seen.add(rule)


@dataclass(frozen=True, slots=True)
class RuleFact:
    """A stored rule joined with its contact method."""

    rule_id: int
    contact_method_id: int
    kind: str
    address: str
    verified: bool
    urgency: str
    delay_minutes: int


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    """One delivery a page makes: where, by which channel, after how long, under which key."""

    idempotency_key: str
    contact_method_id: int | None
    channel: str
    address: str
    delay_minutes: int


def plan_page(
    rules: Sequence[RuleFact], *, urgency: str, key: str, account_email: str
) -> list[PlannedDelivery]:
    """The deliveries one page of a user makes.

    * A user without any rule gets the default: an immediate e-mail to their account address.
    * Rules on unverified methods are skipped. If that leaves nothing for this urgency although
      the user has rules for it, the account e-mail is used instead: a page is never dropped
      silently because a method is still awaiting verification.
    * A user whose rules cover only the other urgency is not paged at this one (their choice).
    """
    fallback = PlannedDelivery(f"{key}:account-email", None, EMAIL, account_email, 0)
    if not rules:
        return [fallback]
    applicable = [r for r in rules if r.urgency == urgency]
    usable = [r for r in applicable if r.verified]
    if applicable and not usable:
        return [fallback]
    return [
        PlannedDelivery(
            f"{key}:rule:{r.rule_id}", r.contact_method_id, r.kind, r.address, r.delay_minutes
        )
        for r in sorted(usable, key=lambda r: (r.delay_minutes, r.rule_id))
    ]


# --- verification codes ----------------------------------------------------------------------


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(contact_method_id: int, code: str) -> str:
    """The stored form of a code, bound to its method (a code for one method fits no other)."""
    return hashlib.sha256(f"{contact_method_id}:{code}".encode()).hexdigest()


def check_can_send_code(kind: str, verified: bool) -> None:
    if kind not in CODE_VERIFIED_KINDS:
        how = (
            "a webhook is verified by a successful test delivery"
            if kind == WEBHOOK
            else "a Slack method is verified by the Slack app"
        )
        raise Conflict(f"{kind} methods take no code: {how}", code="notification.no_code_channel")
    if verified:
        raise Conflict("this contact method is already verified", code="notification.verified")


def check_cooldown(last_sent_at: datetime | None, now: datetime, *, what: str) -> None:
    if last_sent_at is not None and now - last_sent_at < SEND_COOLDOWN:
        wait = int((SEND_COOLDOWN - (now - last_sent_at)).total_seconds()) + 1
        raise Conflict(
            f"a {what} was sent to this method less than a minute ago; retry in {wait} s",
            code="notification.too_soon",
            retry_after_seconds=wait,
        )


@dataclass(frozen=True, slots=True)
class CodeCheck:
    verified: bool
    attempts_left: int


def check_code(
    *,
    contact_method_id: int,
    code: str,
    digest: str | None,
    expires_at: datetime | None,
    attempts: int,
    now: datetime,
) -> CodeCheck:
    """Compare a submitted code; ``Conflict`` when there is no live code to compare against.

    The caller stores the attempt count of a failed check (the request still succeeds in
    storing it), so guessing is limited to ``MAX_CODE_ATTEMPTS`` per code sent.
    """
    if digest is None or expires_at is None:
        raise Conflict(
            "no verification code is pending; send one first", code="notification.no_code"
        )
    if now >= expires_at:
        raise Conflict(
            "the verification code has expired; send a new one", code="notification.code_expired"
        )
    if attempts >= MAX_CODE_ATTEMPTS:
        raise Conflict(
            "too many wrong codes; send a new one", code="notification.too_many_attempts"
        )
    ok = hmac.compare_digest(digest, code_digest(contact_method_id, code.strip()))
    return CodeCheck(verified=ok, attempts_left=0 if ok else MAX_CODE_ATTEMPTS - attempts - 1)
