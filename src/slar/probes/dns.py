"""DNS resolution probe: up when the name resolves (to ``keyword``, when one is given).

It asks the system resolver (``getaddrinfo``: A and AAAA records) and connects nowhere, so
the SSRF guard does not apply. ``getaddrinfo`` has no timeout of its own: it runs on a small
thread pool and the probe gives up waiting after the check's timeout.
"""

from __future__ import annotations

import ipaddress
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from slar.domain.monitors.guard import resolve
from slar.domain.monitors.ports import ProbeRequest, ProbeResult
from slar.domain.monitors.rules import parse_target

_RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slar-dns")


def probe_dns(request: ProbeRequest) -> ProbeResult:
    host = parse_target("dns", request.target).host
    started = time.perf_counter()
    future = _RESOLVERS.submit(resolve, host)
    try:
        addresses = future.result(timeout=request.timeout_seconds)
    except FutureTimeout:
        return ProbeResult(
            ok=False, error=f"resolving {host} timed out after {request.timeout_seconds:g} s"
        )
    except OSError as error:
        return ProbeResult(ok=False, error=f"cannot resolve {host}: {error}")
    latency = round((time.perf_counter() - started) * 1000.0, 3)
    expected = request.keyword.strip()
    if expected:
        try:
            wanted = str(ipaddress.ip_address(expected))
        except ValueError:
            wanted = expected
        if wanted not in addresses:
            return ProbeResult(
                ok=False,
                latency_ms=latency,
                error=f"{host} resolves to {', '.join(addresses)}, not {expected}",
            )
    return ProbeResult(ok=True, latency_ms=latency)
