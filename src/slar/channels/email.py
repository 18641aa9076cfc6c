"""E-mail over SMTP (``smtplib``): plain, STARTTLS or implicit TLS, with optional login.

A connection per message keeps the adapter stateless and safe to call from any worker thread;
paging volume is low enough that connection reuse is not worth the failure modes.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from slar.domain.notifications.ports import DeliveryFailed, DeliveryRejected
from slar.settings import SmtpSettings


class SmtpEmailSender:
    """Implements ``EmailSender`` against the SMTP server of ``SmtpSettings``."""

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None):
        if not settings.host:
            raise ValueError("SmtpEmailSender needs SLAR_SMTP_HOST")
        self.settings = settings
        self.host: str = settings.host
        self.ssl_context = ssl_context or ssl.create_default_context()

    def build(self, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.from_address
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = parseaddr(self.settings.from_address)[1].rpartition("@")[2] or "slar.local"
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        return message

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls == "tls":
            return smtplib.SMTP_SSL(self.host, s.port, timeout=s.timeout, context=self.ssl_context)
        client = smtplib.SMTP(self.host, s.port, timeout=s.timeout)
        if s.tls == "starttls":
            client.starttls(context=self.ssl_context)
        return client

    def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        message = self.build(to, subject, text, html)
        where = f"SMTP {self.host}:{self.settings.port}"
        try:
            with self._connect() as client:
                if self.settings.username:
                    password = self.settings.password
                    client.login(
                        self.settings.username, password.get_secret_value() if password else ""
                    )
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise DeliveryRejected(f"{where} refused recipient {to}: {exc.recipients}") from exc
            raise DeliveryFailed(f"{where} deferred recipient {to}: {exc.recipients}") from exc
        except smtplib.SMTPDataError as exc:
            if 500 <= exc.smtp_code < 600:
                raise DeliveryRejected(f"{where} rejected the message: {exc}") from exc
            raise DeliveryFailed(f"{where} deferred the message: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"{where}: {exc}") from exc
