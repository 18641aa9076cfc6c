"""Pure monitor rules: values in, values out (no SQLAlchemy, no I/O).

* ``after_result``: the failure-threshold state machine of an uptime check. N consecutive
  failures make it ``down`` and ask for an incident (once per outage); the first success makes
  it ``up`` and asks for the incident to be resolved.
* ``uptime_percent`` and ``percentile``: the figures of ``/monitors/checks/{id}/stats``.
* ``spread_offset`` / ``next_slot``: every check runs on slots ``k * interval + offset`` with a
  stable offset derived from its id (multiplicative hashing spreads consecutive ids evenly over
  the interval), so 500 checks at 30 s fire ~17 per second, not 500 at once, and restarting a
  worker does not bunch them up again.
* ``refusal``: the SSRF guard. A check may not be aimed at loopback, private, link-local,
  CGNAT, multicast, unspecified or reserved addresses, the cloud metadata service, or the
  platform's own database host, unless an admin allowed private targets or allow-listed the
  address or host.
* Target parsing and validation per kind (``parse_target``) and expected-status ranges.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from slar.kernel.errors import InvalidInput

KINDS = ("http", "tcp", "dns")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "OPTIONS")
MIN_INTERVAL_SECONDS = 30
MAX_INTERVAL_SECONDS = 86_400
MAX_TIMEOUT_SECONDS = 30.0
"""A probe never runs longer than this (it must finish well inside a job's lease)."""

UNKNOWN, UP, DOWN, NEW = "unknown", "up", "down", "new"

_GOLDEN = 0.6180339887498949


# --- the failure threshold -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckState:
    state: str
    consecutive_failures: int
    incident_open: bool
    """Whether an incident was opened for the current outage (and not yet cleared)."""


@dataclass(frozen=True, slots=True)
class Transition:
    state: str
    consecutive_failures: int
    open_incident: bool
    """Raise the outage incident now (threshold reached and none opened for this outage)."""
    resolve_incident: bool
    """The outage is over: resolve its incident."""


def after_result(current: CheckState, *, ok: bool, threshold: int) -> Transition:
    """The check's state after one more result."""
    if ok:
        return Transition(
            state=UP,
            consecutive_failures=0,
            open_incident=False,
            resolve_incident=current.incident_open,
        )
    failures = current.consecutive_failures + 1
    if failures >= threshold:
        return Transition(
            state=DOWN,
            consecutive_failures=failures,
            open_incident=not current.incident_open,
            resolve_incident=False,
        )
    return Transition(
        state=current.state if current.state != DOWN else DOWN,
        consecutive_failures=failures,
        open_incident=False,
        resolve_incident=False,
    )


# --- figures ---------------------------------------------------------------------------------


def uptime_percent(up: int, total: int) -> float | None:
    """Share of successful results in percent (None when there is no result at all)."""
    if total <= 0:
        return None
    return round(100.0 * up / total, 3)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# --- scheduling ------------------------------------------------------------------------------


def spread_offset(check_id: int, interval_seconds: int) -> float:
    """A stable offset in ``[0, interval)`` for the check's slots."""
    fraction = (check_id * _GOLDEN) % 1.0
    return round(fraction * interval_seconds, 3)


def next_slot(after: datetime, interval_seconds: int, offset: float) -> datetime:
    """The first slot ``k * interval + offset`` (seconds since the epoch) strictly after
    ``after``."""
    epoch = after.astimezone(UTC).timestamp()
    k = math.floor((epoch - offset) / interval_seconds) + 1
    return datetime.fromtimestamp(k * interval_seconds + offset, tz=UTC)


def plan_run(
    due: datetime, interval_seconds: int, offset: float, now: datetime
) -> tuple[datetime, datetime]:
    """``(run_at, next_run_at)`` for a check whose slot ``due`` came up.

    Normally the run is at its slot and the next one a whole interval later. When the slot is
    more than an interval old (no worker ran for a while), missed slots are skipped, not
    replayed in a burst: one run now, and the next on a regular slot at least half an
    interval later."""
    interval = timedelta(seconds=interval_seconds)
    if due + interval > now:
        return due, due + interval
    return now, next_slot(now + interval / 2, interval_seconds, offset)


def heartbeat_deadline(beat_at: datetime, interval_seconds: int, grace_seconds: int) -> datetime:
    return beat_at + timedelta(seconds=interval_seconds + grace_seconds)


# --- expected HTTP status --------------------------------------------------------------------

_RANGE = re.compile(r"^\s*([1-5]\d\d)\s*(?:-\s*([1-5]\d\d)\s*)?$")


def parse_status_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """``"200-299,301"`` → ``((200, 299), (301, 301))``; ValueError naming the bad part."""
    ranges = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"{part.strip()!r} is not a status code or range like 200-299")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise ValueError(f"{part.strip()!r}: the range ends before it starts")
        ranges.append((low, high))
    return tuple(ranges)


def status_expected(code: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(low <= code <= high for low, high in ranges)


# --- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """Where a check connects: ``host`` and ``port`` (``url`` for HTTP)."""

    host: str
    port: int
    url: str = ""


_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$")


def _invalid(message: str, field_name: str = "target") -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", code="monitor.invalid_target", field=field_name)


def _host_ok(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST.match(host))


def parse_target(kind: str, target: str) -> Target:
    """Validate ``target`` for ``kind``: an http(s) URL, ``host:port`` for TCP, a host name
    for DNS. Raises ``InvalidInput`` (``monitor.invalid_target``) naming the problem."""
    target = target.strip()
    if kind == "http":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise _invalid("an HTTP check needs an http:// or https:// URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise _invalid("the URL has an invalid port") from None
        host = parts.hostname or ""
        if not _host_ok(host):
            raise _invalid("the URL has no valid host")
        if parts.username or parts.password:
            raise _invalid("credentials in the URL are not supported")
        return Target(host=host, port=port, url=target)
    if kind == "tcp":
        host, sep, port_text = target.rpartition(":")
        host = host.strip("[]")
        if not sep or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise _invalid("a TCP check needs host:port (port 1-65535)")
        if not _host_ok(host):
            raise _invalid(f"{host!r} is not a valid host name or address")
        return Target(host=host, port=int(port_text))
    if kind == "dns":
        if not _host_ok(target) or target.replace(".", "").isdigit():
            raise _invalid(f"{target!r} is not a host name to resolve")
        return Target(host=target.rstrip("."), port=0)
    raise _invalid(f"unknown kind {kind!r}; use http, tcp or dns", "kind")


# --- SSRF guard ------------------------------------------------------------------------------

METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def classify(address: str) -> str | None:
    """Why ``address`` is not a public target (``"loopback"``, ``"private"``, ``"metadata"``...),
    or None
    when it is public. IPv4-mapped IPv6 addresses are judged as their IPv4 address."""
    ip: IPAddress = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "carrier-grade NAT"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    return None


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    """Which targets checks may reach (from ``MonitorSettings``)."""

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()
    allow_hosts: frozenset[str] = frozenset()
    denied_hosts: frozenset[str] = field(default_factory=frozenset)
    """The platform's own database host (by name and address)."""


def parse_allow_list(text: str) -> tuple[tuple[IPNetwork, ...], frozenset[str]]:
    """``"10.0.0.0/8, 127.0.0.1, intranet.example"`` → networks and host names."""
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        if not _HOST.match(entry):
            raise ValueError(f"{entry!r} is neither a CIDR, an address nor a host name")
        hosts.add(entry.lower().rstrip("."))
    return tuple(networks), frozenset(hosts)


def refusal(host: str, addresses: Iterable[str], policy: TargetPolicy) -> str | None:
    """Why a check may not connect to ``host`` resolved to ``addresses`` (None: it may).

    Every address must pass: a name resolving to one public and one private address is
    refused (otherwise a resolver could steer the connection to the private one)."""
    if policy.allow_private:
        return None
    name = host.lower().rstrip(".")
    if name in policy.allow_hosts:
        return None
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if any(ip in network for network in policy.allow_networks):
            continue
        reason = classify(address)
        if reason is not None:
            what = "the cloud metadata address" if reason == "metadata" else f"a {reason} address"
            return f"{host} resolves to {address}, {what}"
        if name in policy.denied_hosts or address in policy.denied_hosts:
            return f"{host} ({address}) is the platform's own database"
    return None
