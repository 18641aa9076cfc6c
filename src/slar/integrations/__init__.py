"""Inbound alert formats: pure parsers from a sender's decoded JSON to normalised events.

One module per format (Alertmanager, PagerDuty Events v2, Datadog, Grafana, generic JSON).
Each takes the decoded body as an untrusted Python object and returns a ``ParsedBatch`` or
raises ``PayloadInvalid`` naming every bad field; nothing else escapes. No I/O, no database,
no web framework: values in, values out. The ingestion endpoint picks the parser by the URL's
kind (``parse``), the alerts service stores what comes back. See ``docs/integrations.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from slar.integrations.alertmanager import parse_alertmanager
from slar.integrations.datadog import RECOMMENDED_TEMPLATE, parse_datadog
from slar.integrations.events import (
    AlertEvent,
    EventAction,
    Link,
    ParsedBatch,
    PayloadInvalid,
    Severity,
)
from slar.integrations.generic import parse_generic
from slar.integrations.grafana import parse_grafana
from slar.integrations.pagerduty_v2 import parse_pagerduty_v2

PARSERS: Final[Mapping[str, Callable[[object], ParsedBatch]]] = MappingProxyType(
    {
        "alertmanager": parse_alertmanager,
        "pagerduty": parse_pagerduty_v2,
        "datadog": parse_datadog,
        "grafana": parse_grafana,
        "generic": parse_generic,
    }
)
KINDS: Final = tuple(PARSERS)


def parse(kind: str, body: object) -> ParsedBatch:
    """Parse ``body`` as format ``kind`` (one of ``KINDS``).

    Raises ``PayloadInvalid`` for a bad body and ``ValueError`` for an unknown kind (a bug in
    the caller, not the sender's fault: check ``kind in KINDS`` first to answer 404).
    """
    parser = PARSERS.get(kind)
    if parser is None:
        raise ValueError(f"unknown integration kind {kind!r}; expected one of {', '.join(KINDS)}")
    return parser(body)


__all__ = [
    "KINDS",
    "PARSERS",
    "RECOMMENDED_TEMPLATE",
    "AlertEvent",
    "EventAction",
    "Link",
    "ParsedBatch",
    "PayloadInvalid",
    "Severity",
    "parse",
    "parse_alertmanager",
    "parse_datadog",
    "parse_generic",
    "parse_grafana",
    "parse_pagerduty_v2",
]
