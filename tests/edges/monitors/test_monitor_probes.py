"""The real probes (``slar.probes``) against HTTP, HTTPS and TCP servers on loopback: up, down,
slow, wrong status, keyword missing, certificate near expiry, and the SSRF guard (refusing
loopback by default, re-checking on every redirect)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.fakes.websites import TcpListener, Website, closed_port

from slar.domain.monitors.ports import ProbeRequest
from slar.domain.monitors.rules import TargetPolicy, parse_allow_list
from slar.probes import build_prober, probe

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NETWORKS, HOSTS = parse_allow_list("127.0.0.1/32")
LOOPBACK_ONE = TargetPolicy(allow_networks=NETWORKS, allow_hosts=HOSTS)
DEFAULT = TargetPolicy()


def http(url: str, **fields: object) -> ProbeRequest:
    values: dict[str, object] = {"kind": "http", "target": url, "timeout_seconds": 2.0, "now": NOW}
    values.update(fields)
    return ProbeRequest(**values)  # type: ignore[arg-type]


def test_a_healthy_site_is_up_with_its_latency_and_status() -> None:
    with Website() as site:
        result = probe(http(f"{site.url}/health", keyword="operational"), policy=LOOPBACK_ONE)
    assert result.ok, result.error
    assert result.status_code == 200
    assert result.latency_ms is not None and result.latency_ms > 0
    assert site.hits["/health"] == 1


def test_a_wrong_status_fails_and_says_which() -> None:
    with Website() as site:
        site.behaviour.status = 503
        result = probe(http(site.url), policy=LOOPBACK_ONE)
        assert not result.ok
        assert result.status_code == 503
        assert "HTTP 503, expected 200-399" in result.error
        site.behaviour.status = 404
        assert probe(http(site.url, expected_status="200-299,404"), policy=LOOPBACK_ONE).ok


def test_a_missing_keyword_fails() -> None:
    with Website() as site:
        site.behaviour.body = "maintenance page"
        result = probe(http(site.url, keyword="operational"), policy=LOOPBACK_ONE)
    assert not result.ok
    assert "keyword 'operational' not found" in result.error


def test_a_slow_site_times_out() -> None:
    with Website() as site:
        site.behaviour.delay = 1.5
        result = probe(http(site.url, timeout_seconds=0.3), policy=LOOPBACK_ONE)
    assert not result.ok
    assert "timed out after 0.3 s" in result.error


def test_a_site_that_is_down_fails_with_the_connection_error() -> None:
    result = probe(http(f"http://127.0.0.1:{closed_port()}/"), policy=LOOPBACK_ONE)
    assert not result.ok
    assert result.error.startswith("connection failed")


def test_head_and_post_methods_are_sent_as_asked() -> None:
    with Website() as site:
        assert probe(http(f"{site.url}/h", http_method="HEAD"), policy=LOOPBACK_ONE).ok
        assert probe(http(f"{site.url}/p", http_method="POST"), policy=LOOPBACK_ONE).ok
        assert site.hits["/h"] == 1 and site.hits["/p"] == 1


def test_a_self_signed_certificate_near_expiry_fails_with_its_date() -> None:
    with Website(tls_not_after=NOW + timedelta(days=5)) as site:
        near = probe(http(site.url, verify_tls=False, tls_expiry_days=14), policy=LOOPBACK_ONE)
        relaxed = probe(http(site.url, verify_tls=False, tls_expiry_days=3), policy=LOOPBACK_ONE)
        verified = probe(http(site.url, verify_tls=True), policy=LOOPBACK_ONE)
    assert not near.ok
    assert "TLS certificate expires in 5.0 days" in near.error
    assert near.cert_expires_at is not None
    assert near.cert_expires_at.date() == (NOW + timedelta(days=5)).date()
    assert relaxed.ok, relaxed.error  # 5 days left, warning only at 3
    assert not verified.ok  # self-signed: verification refuses it
    assert "certificate" in verified.error.lower()


def test_the_ssrf_guard_refuses_loopback_by_default() -> None:
    with Website() as site:
        result = probe(http(site.url), policy=DEFAULT)
        assert not result.ok
        assert "refused by the SSRF guard" in result.error
        assert "loopback" in result.error
        assert site.hits.total() == 0  # never connected


def test_a_redirect_into_a_refused_address_is_refused() -> None:
    with Website() as site, Website() as inner:
        # 127.0.0.2 is loopback too, but only 127.0.0.1 is allow-listed.
        site.behaviour.redirect_to = f"http://127.0.0.2:{inner.port}/secret"
        result = probe(http(site.url), policy=LOOPBACK_ONE)
        not_followed = probe(http(site.url, follow_redirects=False), policy=LOOPBACK_ONE)
    assert not result.ok
    assert "127.0.0.2" in result.error and "loopback" in result.error
    assert inner.hits.total() == 0
    assert not_followed.ok and not_followed.status_code == 302


def test_tcp_connect_up_down_and_guarded() -> None:
    with TcpListener() as listener:
        up = probe(
            ProbeRequest(kind="tcp", target=f"127.0.0.1:{listener.port}", timeout_seconds=2),
            policy=LOOPBACK_ONE,
        )
        refused = probe(
            ProbeRequest(kind="tcp", target=f"127.0.0.1:{listener.port}", timeout_seconds=2),
            policy=DEFAULT,
        )
    down = probe(
        ProbeRequest(kind="tcp", target=f"127.0.0.1:{closed_port()}", timeout_seconds=2),
        policy=LOOPBACK_ONE,
    )
    assert up.ok and up.latency_ms is not None
    assert not down.ok and "connection failed" in down.error
    assert not refused.ok and "SSRF" in refused.error


def test_dns_resolution_and_expected_address() -> None:
    ok = probe(ProbeRequest(kind="dns", target="localhost", timeout_seconds=2), policy=DEFAULT)
    wrong = probe(
        ProbeRequest(kind="dns", target="localhost", timeout_seconds=2, keyword="192.0.2.1"),
        policy=DEFAULT,
    )
    missing = probe(
        ProbeRequest(kind="dns", target="no-such-host.invalid", timeout_seconds=2),
        policy=DEFAULT,
    )
    assert ok.ok, ok.error
    assert not wrong.ok and "not 192.0.2.1" in wrong.error
    assert not missing.ok and "cannot resolve" in missing.error


@pytest.mark.parametrize("limit", [1, 3])
def test_the_prober_bounds_probes_in_flight(limit: int) -> None:
    with Website() as site:
        site.behaviour.delay = 0.2
        prober = build_prober(LOOPBACK_ONE, max_concurrent=limit)
        threads = [threading.Thread(target=prober, args=(http(site.url),)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert site.hits.total() == 6
    assert site.peak_in_flight == limit
