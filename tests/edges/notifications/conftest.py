"""Protocol-level fakes of the outside world (SMTP, the Twilio Messages API, a webhook
receiver), each a real server on a free local port, and settings pointing the product at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.fakes.sms import FakeTwilio
from tests.support.fakes.smtp import FakeSmtpServer
from tests.support.fakes.webhook_receiver import WebhookReceiver

from slar.settings import Settings, load_settings


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(account_sid="AC" + "1" * 32, auth_token="s3cret-token").start()
    yield fake
    fake.stop()


def channel_settings(smtp: FakeSmtpServer, twilio: FakeTwilio, **extra: str) -> Settings:
    return load_settings(
        {
            "SLAR_SMTP_HOST": smtp.host,
            "SLAR_SMTP_PORT": str(smtp.port),
            "SLAR_SMTP_TLS": "none",
            "SLAR_SMTP_FROM": "SLAR On-call <oncall@slar.example>",
            "SLAR_SMTP_TIMEOUT": "5",
            "SLAR_SMS_BASE_URL": twilio.base_url,
            "SLAR_SMS_ACCOUNT_SID": twilio.account_sid,
            "SLAR_SMS_AUTH_TOKEN": twilio.auth_token,
            "SLAR_SMS_FROM": "+15005550006",
            "SLAR_WEBHOOK_TIMEOUT": "5",
            **extra,
        }
    )


@pytest.fixture
def receivers() -> Iterator[list[WebhookReceiver]]:
    started: list[WebhookReceiver] = []
    yield started
    for receiver in started:
        receiver.stop()
