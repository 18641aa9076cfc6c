"""E-mail over SMTP (``smtplib``): plain, STARTTLS or implicit TLS, with optional login.

Each worker thread keeps its own connection open between messages (a page storm is hundreds of
messages a minute, and a new connection costs a TCP and often a TLS handshake, EHLO and login
each time). A connection idle longer than ``IDLE_SECONDS`` is closed and replaced before use,
because servers drop idle clients; a reused connection that turns out to be dead is replaced and
the message tried once more on a fresh one. Messages are built with the ``compat32`` classes,
five times cheaper than ``EmailMessage`` with the modern policy for the same bytes on the wire.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from slar.domain.notifications.ports import DeliveryFailed, DeliveryRejected
from slar.settings import SmtpSettings

IDLE_SECONDS = 30.0


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address or value


class SmtpEmailSender:
    """Implements ``EmailSender`` against the SMTP server of ``SmtpSettings``."""

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None):
        if not settings.host:
            raise ValueError("SmtpEmailSender needs SLAR_SMTP_HOST")
        self.settings = settings
        self.host: str = settings.host
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.domain = parseaddr(settings.from_address)[1].rpartition("@")[2] or "slar.local"
        # smtplib would look up the fully qualified host name (a DNS query) for every EHLO.
        self.local_hostname = socket.gethostname() or "localhost"
        self._local = threading.local()

    def build(self, to: str, subject: str, text: str, html: str | None = None) -> Message:
        if not (to.isascii() and self.settings.from_address.isascii()):
            return self._build_international(to, subject, text, html)
        body = MIMEText(text, "plain", "utf-8")
        message: Message = body
        if html is not None:
            message = MIMEMultipart("alternative")
            message.attach(body)
            message.attach(MIMEText(html, "html", "utf-8"))
        message["From"] = _address(self.settings.from_address)
        message["To"] = to
        message["Subject"] = _header(subject)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.domain)
        return message

    def _build_international(
        self, to: str, subject: str, text: str, html: str | None
    ) -> EmailMessage:
        """A non-ASCII address needs SMTPUTF8, which only the modern policy can send."""
        message = EmailMessage()
        message["From"] = self.settings.from_address
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.domain)
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        return message

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        client: smtplib.SMTP
        if s.tls == "tls":
            client = smtplib.SMTP_SSL(
                self.host,
                s.port,
                local_hostname=self.local_hostname,
                timeout=s.timeout,
                context=self.ssl_context,
            )
        else:
            client = smtplib.SMTP(
                self.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout
            )
            if s.tls == "starttls":
                client.starttls(context=self.ssl_context)
        try:
            if s.username:
                client.login(s.username, s.password.get_secret_value() if s.password else "")
        except BaseException:
            self._quietly_close(client)
            raise
        return client

    def _cached(self) -> smtplib.SMTP | None:
        client: smtplib.SMTP | None = getattr(self._local, "client", None)
        if client is not None and time.monotonic() - self._local.used > IDLE_SECONDS:
            self._drop()
            return None
        return client

    def _drop(self) -> None:
        client = getattr(self._local, "client", None)
        self._local.client = None
        if client is not None:
            self._quietly_close(client)

    @staticmethod
    def _quietly_close(client: smtplib.SMTP) -> None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()

    def _deliver(self, message: Message) -> None:
        client = self._cached()
        if client is not None:
            try:
                client.send_message(message)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self._drop()  # closed while idle: try once more on a new connection
            else:
                self._local.used = time.monotonic()
                return
        client = self._connect()
        self._local.client, self._local.used = client, time.monotonic()
        client.send_message(message)

    def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        message = self.build(to, subject, text, html)
        where = f"SMTP {self.host}:{self.settings.port}"
        try:
            self._deliver(message)
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
            self._drop()  # the connection's state is unknown: never reuse it
            raise DeliveryFailed(f"{where}: {exc}") from exc
