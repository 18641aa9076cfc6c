"""TCP connect probe: up when a connection to ``host:port`` opens within the timeout."""

from __future__ import annotations

import socket
import time

from slar.domain.monitors.guard import TargetRefused, vetted_addresses
from slar.domain.monitors.ports import ProbeRequest, ProbeResult
from slar.domain.monitors.rules import TargetPolicy, parse_target


def probe_tcp(request: ProbeRequest, *, policy: TargetPolicy) -> ProbeResult:
    target = parse_target("tcp", request.target)
    started = time.perf_counter()
    try:
        addresses = vetted_addresses(target.host, target.port, policy)
    except TargetRefused as refused:
        return ProbeResult(ok=False, error=f"refused by the SSRF guard: {refused}")
    except OSError as error:
        return ProbeResult(ok=False, error=f"cannot resolve {target.host}: {error}")
    errors = []
    for address in addresses:  # connect only to what the guard vetted (no second lookup)
        remaining = request.timeout_seconds - (time.perf_counter() - started)
        if remaining <= 0:
            break
        try:
            with socket.create_connection((address, target.port), timeout=remaining):
                latency = (time.perf_counter() - started) * 1000.0
                return ProbeResult(ok=True, latency_ms=round(latency, 3))
        except TimeoutError:
            errors.append(f"{address}: timed out after {request.timeout_seconds:g} s")
        except OSError as error:
            errors.append(f"{address}: {error.strerror or error}")
    return ProbeResult(
        ok=False,
        latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
        error="connection failed: " + ("; ".join(errors) or "timed out"),
    )
