"""In-memory senders implementing the notification ports: they record what would go out.

For scenario and service tests that assert exactly which messages went to whom; the protocol
fakes (``smtp``, ``sms``, ``webhook_receiver``) test the real channel adapters.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from slar.domain.notifications.ports import (
    DeliveryFailed,
    EmailMessage,
    Message,
    Senders,
    SmsMessage,
    WebhookMessage,
)


@dataclass
class RecordingChannels:
    """Every message "sent", in order; ``failing`` channels raise ``DeliveryFailed``."""

    sent: list[Message] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _keep(self, channel: str, message: Message) -> None:
        if channel in self.failing:
            raise DeliveryFailed(f"{channel} is down (test)")
        with self.lock:
            self.sent.append(message)

    def senders(self) -> Senders:
        channels = self

        class Email:
            def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
                channels._keep("email", EmailMessage(to, subject, text, html))

        class Sms:
            def send(self, to: str, body: str) -> None:
                channels._keep("sms", SmsMessage(to, body))

        class Webhook:
            def post(self, url: str, body: dict[str, Any], secret: str | None) -> int:
                channels._keep("webhook", WebhookMessage(url, body, secret))
                return 200

        return Senders(email=Email(), sms=Sms(), webhook=Webhook())

    def to(self, address: str) -> list[Message]:
        return [m for m in self.sent if getattr(m, "to", getattr(m, "url", None)) == address]

    def emails(self) -> list[EmailMessage]:
        return [m for m in self.sent if isinstance(m, EmailMessage)]

    def sms(self) -> list[SmsMessage]:
        return [m for m in self.sent if isinstance(m, SmsMessage)]
