"""SMS through a Twilio-compatible Messages API.

``POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json``, form-encoded ``To``, ``From`` (or
``MessagingServiceSid`` for an ``MG...`` sender) and ``Body``, HTTP basic auth ``sid:token``.
The base URL is configurable, so any provider speaking this API (or a local fake) works.

A 400 answer (Twilio's "invalid 'To' number" and friends) is permanent: the delivery fails
without retries. Network errors, 401/403 (credentials can be fixed), 429 and 5xx are retried.
"""

from __future__ import annotations

import httpx

from slar.domain.notifications.ports import DeliveryFailed, DeliveryRejected
from slar.settings import SmsSettings

API_VERSION = "2010-04-01"


class TwilioSmsSender:
    """Implements ``SmsSender``."""

    def __init__(self, settings: SmsSettings, *, transport: httpx.BaseTransport | None = None):
        if not settings.configured:
            raise ValueError("TwilioSmsSender needs SLAR_SMS_ACCOUNT_SID, _AUTH_TOKEN and _FROM")
        self.sid = settings.account_sid or ""
        self.token = settings.auth_token.get_secret_value() if settings.auth_token else ""
        self.sender = settings.from_number or ""
        self.url = (
            f"{settings.base_url.rstrip('/')}/{API_VERSION}/Accounts/{self.sid}/Messages.json"
        )
        self.timeout = settings.timeout
        self.transport = transport

    def send(self, to: str, body: str) -> None:
        form = {"To": to, "Body": body}
        if self.sender.startswith("MG"):
            form["MessagingServiceSid"] = self.sender
        else:
            form["From"] = self.sender
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.url, data=form, auth=(self.sid, self.token))
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"SMS API {self.url}: {exc}") from exc
        if response.is_success:
            return
        detail = _detail(response)
        if response.status_code == 400:
            raise DeliveryRejected(f"SMS API refused the message to {to}: {detail}")
        raise DeliveryFailed(f"SMS API answered {response.status_code}: {detail}")


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict):
        return f"{data.get('code', '')} {data.get('message', '')}".strip()[:300]
    return str(data)[:300]
