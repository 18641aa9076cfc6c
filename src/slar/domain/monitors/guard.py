"""The SSRF guard's resolving half: look a host up and judge every address it resolves to.

The judgement itself is pure (``rules.refusal``); this module adds the system resolver. It is
used when a check is created or changed (a clear 400 naming the target) and, by the probes,
again right before connecting, on the very addresses they then connect to (a name that
resolved to a public address at creation may resolve to a private one later: DNS rebinding).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from functools import lru_cache

from sqlalchemy.engine import make_url

from slar.domain.monitors.rules import TargetPolicy, parse_allow_list, refusal
from slar.settings import Settings


class TargetRefused(Exception):
    """The target resolves to an address checks may not reach."""


def resolve(host: str, port: int = 0) -> list[str]:
    """Every address ``host`` resolves to (an address resolves to itself); OSError if none."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port or None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vetted_addresses(host: str, port: int, policy: TargetPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses if the policy lets checks reach all of them.

    Raises ``TargetRefused`` naming the address and why, or OSError when it does not resolve.
    """
    addresses = resolve(host, port)
    reason = refusal(host, addresses, policy)
    if reason is not None:
        raise TargetRefused(reason)
    return addresses


@lru_cache(maxsize=8)
def _policy(allow_private: bool, allow_list: str, database_url: str) -> TargetPolicy:
    networks, hosts = parse_allow_list(allow_list)
    denied: set[str] = set()
    db_host = make_url(database_url).host if not database_url.startswith("sqlite") else None
    if db_host:
        denied.add(db_host.lower())
        with contextlib.suppress(OSError):
            denied.update(resolve(db_host))
    return TargetPolicy(
        allow_private=allow_private,
        allow_networks=networks,
        allow_hosts=hosts,
        denied_hosts=frozenset(denied),
    )


def policy_from_settings(settings: Settings) -> TargetPolicy:
    """The SSRF policy of this deployment (``SLAR_MONITOR_ALLOW_PRIVATE``,
    ``SLAR_MONITOR_ALLOW_LIST``, and the database host taken from ``DATABASE_URL``)."""
    return _policy(
        settings.monitor.allow_private, settings.monitor.allow_list, settings.database.url
    )
