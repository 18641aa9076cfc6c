"""HTTP(S) probe: method, expected status ranges, body keyword, timeout, redirects, and the
expiry of the server's TLS certificate.

**SSRF guard at connect time.** Every TCP connection httpx opens (the first request and each
redirect) goes through ``_GuardedBackend``: it resolves the host itself, lets the guard judge
every address, and connects to a vetted address, so a name that re-resolves to a private
address between the check's creation and the probe (DNS rebinding) or a redirect into the
private network is refused. TLS still verifies the certificate against the host *name*
(httpcore passes the origin's host as ``server_hostname``). The backend is plugged in by
replacing the transport's connection pool (``httpx.HTTPTransport`` offers no
``network_backend`` argument); ``tests/edges/monitors`` fails if that stops working.

Proxies from the environment are ignored (``trust_env=False``): a proxy would connect on
our behalf to an address the guard never saw.
"""

from __future__ import annotations

import ssl
import time
import typing
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache

import httpcore
import httpx
from cryptography import x509

from slar.domain.monitors.guard import TargetRefused, vetted_addresses
from slar.domain.monitors.ports import ProbeRequest, ProbeResult
from slar.domain.monitors.rules import TargetPolicy, parse_status_ranges, status_expected

BODY_LIMIT = 1024 * 1024
"""At most this much of the body is read (and searched for the keyword)."""
MAX_REDIRECTS = 5
USER_AGENT = "SLAR-uptime-check/1"


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the SSRF guard vetted."""

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = vetted_addresses(host, port, self._policy)
        except OSError as error:  # TargetRefused is not an OSError: it propagates as is
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last = error
        raise last or httpcore.ConnectError(f"{host} has no address")


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext, policy: TargetPolicy) -> None:
        super().__init__(verify=ssl_context, trust_env=False, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=1,
            max_keepalive_connections=0,
            retries=0,
            network_backend=_GuardedBackend(policy),
        )


@lru_cache(maxsize=2)
def _ssl_context(verify: bool) -> ssl.SSLContext:
    """One context per verification mode for the process (loading the CA store is costly)."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _peer_certificate_expiry(response: httpx.Response) -> datetime | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    ssl_object = stream.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(True)  # DER, present even when not verified
    if not der:
        return None
    return x509.load_der_x509_certificate(der).not_valid_after_utc


def _read_body(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= BODY_LIMIT:
            break
    return b"".join(chunks)[:BODY_LIMIT]


def probe_http(request: ProbeRequest, *, policy: TargetPolicy) -> ProbeResult:
    ranges = parse_status_ranges(request.expected_status)
    transport = _GuardedTransport(ssl_context=_ssl_context(request.verify_tls), policy=policy)
    timeout = httpx.Timeout(request.timeout_seconds)
    started = time.perf_counter()

    def elapsed() -> float:
        return round((time.perf_counter() - started) * 1000.0, 3)

    try:
        with httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=request.follow_redirects,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
        ) as client:
            outgoing = client.build_request(request.http_method, request.target)
            response = client.send(outgoing, stream=True)
            try:
                expires = _peer_certificate_expiry(response)
                body = b"" if request.http_method == "HEAD" else _read_body(response)
                charset = response.charset_encoding or "utf-8"
            finally:
                response.close()
    except TargetRefused as refused:
        return ProbeResult(ok=False, error=f"refused by the SSRF guard: {refused}")
    except httpx.TimeoutException:
        return ProbeResult(
            ok=False,
            latency_ms=elapsed(),
            error=f"timed out after {request.timeout_seconds:g} s",
        )
    except httpx.TooManyRedirects:
        return ProbeResult(ok=False, latency_ms=elapsed(), error="too many redirects")
    except httpx.HTTPError as error:
        return ProbeResult(ok=False, latency_ms=elapsed(), error=_describe(error))
    latency = elapsed()
    if latency > request.timeout_seconds * 1000.0:
        return ProbeResult(
            ok=False,
            latency_ms=latency,
            status_code=response.status_code,
            error=f"timed out after {request.timeout_seconds:g} s (body too slow)",
        )
    passed = ProbeResult(
        ok=True, latency_ms=latency, status_code=response.status_code, cert_expires_at=expires
    )
    if not status_expected(response.status_code, ranges):
        problem = f"HTTP {response.status_code}, expected {request.expected_status}"
        return replace(passed, ok=False, error=problem)
    if request.keyword and request.keyword not in body.decode(charset, errors="replace"):
        return replace(passed, ok=False, error=f"keyword {request.keyword!r} not found in the body")
    if expires is not None and request.tls_expiry_days is not None:
        now = request.now or datetime.now(UTC)
        days_left = (expires - now).total_seconds() / 86400.0
        if days_left < request.tls_expiry_days:
            problem = (
                f"TLS certificate expires in {max(days_left, 0):.1f} days "
                f"({expires.date().isoformat()}; warning at {request.tls_expiry_days} days)"
            )
            return replace(passed, ok=False, error=problem)
    return passed


def _describe(error: httpx.HTTPError) -> str:
    cause = error.__context__ or error.__cause__
    text = str(error) or type(error).__name__
    if isinstance(error, httpx.ConnectError):
        if isinstance(cause, httpcore.ConnectError) and isinstance(cause.__context__, ssl.SSLError):
            return f"TLS handshake failed: {cause.__context__}"
        return f"connection failed: {text}"
    return f"{type(error).__name__}: {text}"
