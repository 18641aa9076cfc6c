"""Channel settings: defaults, what counts as configured, and errors naming the variable."""

from __future__ import annotations

import pytest

from slar.settings import SettingsError, load_settings


def test_defaults_leave_email_and_sms_unconfigured() -> None:
    settings = load_settings({})
    assert not settings.smtp.configured
    assert not settings.sms.configured
    assert (settings.smtp.port, settings.smtp.tls) == (587, "starttls")
    assert settings.sms.base_url == "https://api.twilio.com"
    assert settings.webhook.timeout == 10.0


def test_configured_channels_keep_their_secrets_out_of_reprs() -> None:
    settings = load_settings(
        {
            "SLAR_SMTP_HOST": "smtp.example.com",
            "SLAR_SMTP_TLS": "TLS",
            "SLAR_SMTP_PORT": "465",
            "SLAR_SMTP_PASSWORD": "hunter2",
            "SLAR_SMS_ACCOUNT_SID": "AC1",
            "SLAR_SMS_AUTH_TOKEN": "tok-secret",
            "SLAR_SMS_FROM": "+15005550006",
        }
    )
    assert settings.smtp.configured
    assert settings.smtp.tls == "tls"
    assert settings.sms.configured
    assert "hunter2" not in repr(settings)
    assert "tok-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SLAR_SMTP_TLS", "ssl3"), ("SLAR_SMTP_PORT", "70000"), ("SLAR_WEBHOOK_TIMEOUT", "0")],
)
def test_bad_values_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert variable in str(caught.value)
