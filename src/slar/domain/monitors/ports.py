"""Ports: what monitors need from the outside world to probe a target.

``slar.probes`` implements ``Prober`` (HTTP via httpx, TCP connect, DNS resolution); the
composition root binds it, with the SSRF policy, into the ``monitor.check`` job handler.
A prober never raises for a failing target: every failure is a ``ProbeResult`` with
``ok=False`` and the reason in ``error`` (connection refused, timeout, wrong status, keyword
missing, certificate expiring, target refused by the SSRF guard).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """One probe to make: a check's settings, as plain values."""

    kind: str
    target: str
    timeout_seconds: float
    http_method: str = "GET"
    expected_status: str = "200-399"
    keyword: str = ""
    follow_redirects: bool = True
    verify_tls: bool = True
    tls_expiry_days: int | None = None
    now: datetime | None = None
    """The injected clock's time, against which certificate expiry is judged."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    latency_ms: float | None = None
    status_code: int | None = None
    error: str = ""
    cert_expires_at: datetime | None = None


class Prober(Protocol):
    def __call__(self, request: ProbeRequest) -> ProbeResult: ...
