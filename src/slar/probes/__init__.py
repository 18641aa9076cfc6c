"""Outbound probes of monitors (HTTP, TCP, DNS): the adapters behind ``domain.monitors.ports``,
wired in by ``bootstrap``.

``build_prober`` returns the one ``Prober`` the ``monitor.check`` handler calls: it picks the
probe for the check's kind, holds the SSRF policy (every connection goes only to addresses
the guard vetted, redirects included) and bounds how many probes run at once in this process
(``SLAR_MONITOR_MAX_CONCURRENT_PROBES``).
"""

from __future__ import annotations

import threading
from functools import partial

from slar.domain.monitors.ports import Prober, ProbeRequest, ProbeResult
from slar.domain.monitors.rules import TargetPolicy
from slar.probes.dns import probe_dns
from slar.probes.http import probe_http
from slar.probes.tcp import probe_tcp

__all__ = ["build_prober", "probe"]


def probe(request: ProbeRequest, *, policy: TargetPolicy) -> ProbeResult:
    """Probe once, by kind; failures are results, never exceptions."""
    if request.kind == "http":
        return probe_http(request, policy=policy)
    if request.kind == "tcp":
        return probe_tcp(request, policy=policy)
    if request.kind == "dns":
        return probe_dns(request)
    return ProbeResult(ok=False, error=f"unknown check kind {request.kind!r}")


def build_prober(policy: TargetPolicy, *, max_concurrent: int) -> Prober:
    """A prober bounded to ``max_concurrent`` probes in flight (the others wait their turn)."""
    slots = threading.BoundedSemaphore(max_concurrent)
    run = partial(probe, policy=policy)

    def bounded(request: ProbeRequest) -> ProbeResult:
        with slots:
            return run(request)

    return bounded
