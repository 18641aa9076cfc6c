"""Ports: what the notification domain needs from the outside world to send a message.

``slar.channels`` implements them (SMTP, a Twilio-compatible SMS API, HTTP webhooks); the
composition root injects the implementations into the ``notification.send`` job handler.
The ``*Message`` values are what one delivery sends; ``Senders`` is the set of configured ports
(``None`` where a channel is not configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from slar.jobs.handlers import PermanentFailure


class EmailSender(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None = None) -> None: ...


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> None: ...


class WebhookSender(Protocol):
    def post(self, url: str, body: dict[str, Any], secret: str | None) -> int:
        """POST ``body`` as JSON, signed with ``secret``; return the 2xx status or raise."""
        ...


class DeliveryFailed(Exception):
    """A send failed in a way worth retrying (connection refused, 5xx, timeout)."""


class DeliveryRejected(PermanentFailure):
    """The provider refused the message for good (invalid recipient): no retry helps."""


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    body: str


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    url: str
    body: dict[str, Any]
    secret: str | None


Message = EmailMessage | SmsMessage | WebhookMessage


@dataclass(frozen=True, slots=True)
class Senders:
    """The configured channels; ``None`` means "not configured in this deployment"."""

    email: EmailSender | None = None
    sms: SmsSender | None = None
    webhook: WebhookSender | None = None

    def missing(self, message: Message) -> str | None:
        """Why ``message`` cannot be sent here (a setting to set), or ``None`` if it can."""
        if isinstance(message, EmailMessage) and self.email is None:
            return "e-mail is not configured (set SLAR_SMTP_HOST and SLAR_SMTP_FROM)"
        if isinstance(message, SmsMessage) and self.sms is None:
            return "SMS is not configured (set SLAR_SMS_ACCOUNT_SID, _AUTH_TOKEN and _FROM)"
        if isinstance(message, WebhookMessage) and self.webhook is None:
            return "webhooks are not configured"
        return None

    def send(self, message: Message) -> int | None:
        """Send through the matching port (I/O; no database). Returns a webhook's status."""
        if isinstance(message, EmailMessage):
            assert self.email is not None
            self.email.send(message.to, message.subject, message.text, message.html)
            return None
        if isinstance(message, SmsMessage):
            assert self.sms is not None
            self.sms.send(message.to, message.body)
            return None
        assert self.webhook is not None
        return self.webhook.post(message.url, message.body, message.secret)
