"""Outgoing webhooks: a JSON POST signed with the contact method's secret.

Headers: ``X-SLAR-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>`` and
``X-SLAR-Timestamp: <unix seconds>`` (the body carries the event's own times; receivers may
refuse old timestamps). Any answer other than 2xx raises, so the job retries with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from slar import __version__
from slar.domain.notifications.ports import DeliveryFailed
from slar.kernel.clock import Clock, SystemClock

SIGNATURE_HEADER = "X-SLAR-Signature"
TIMESTAMP_HEADER = "X-SLAR-Timestamp"


def sign(secret: str, raw_body: bytes) -> str:
    """The signature header value for ``raw_body``."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode()


class HttpWebhookSender:
    """Implements ``WebhookSender`` with httpx (redirects are not followed)."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.clock = clock or SystemClock()
        self.transport = transport

    def post(self, url: str, body: dict[str, Any], secret: str | None) -> int:
        raw = encode(body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"SLAR/{__version__}",
            TIMESTAMP_HEADER: str(int(self.clock.now().timestamp())),
        }
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, raw)
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook {url}: {exc.__class__.__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"webhook {url} answered {response.status_code}")
        return response.status_code
