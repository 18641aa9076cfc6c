"""Outbound channels: the adapters that implement the notification ports over real protocols
(SMTP e-mail, a Twilio-compatible SMS API, signed HTTP webhooks). Slack delivery belongs to
the Slack worker. ``senders(settings)`` builds the configured set for the composition root."""

from __future__ import annotations

from slar.channels.email import SmtpEmailSender
from slar.channels.sms import TwilioSmsSender
from slar.channels.webhook import HttpWebhookSender
from slar.domain.notifications.ports import Senders
from slar.settings import Settings

__all__ = ["HttpWebhookSender", "SmtpEmailSender", "TwilioSmsSender", "senders"]


def senders(settings: Settings) -> Senders:
    """One sender per configured channel (``None`` where the settings leave it unconfigured)."""
    return Senders(
        email=SmtpEmailSender(settings.smtp) if settings.smtp.configured else None,
        sms=TwilioSmsSender(settings.sms) if settings.sms.configured else None,
        webhook=HttpWebhookSender(timeout=settings.webhook.timeout),
    )
