"""Normalised alert events: what every inbound parser returns.

Parsers are pure: bytes/JSON in, a ``ParsedBatch`` out, or ``PayloadInvalid`` raised with
the path of the offending field. The ingestion service (``domain/alerts``) turns a batch into
stored alerts and incidents; it never looks at the sender's format again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventAction(StrEnum):
    """What the sender asks for."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class Severity(StrEnum):
    """PagerDuty's four severities; every format maps onto them."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One alert occurrence, in SLAR's terms.

    ``dedup_key`` groups events into one incident (per service); ``fingerprint`` identifies the
    alert inside it (per integration). For single-alert formats they are the same string.
    ``raw`` is the part of the payload this event came from, kept verbatim with the alert.
    """

    action: EventAction
    dedup_key: str
    fingerprint: str
    summary: str = ""
    description: str = ""
    severity: Severity = Severity.ERROR
    source: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    occurred_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    """Everything one request carried.

    ``resolve_with_last_alert`` is True for grouped formats (Alertmanager, Grafana): the
    incident resolves when its last open alert resolves, not on a single event's word.
    ``incident_title`` names the incident a grouped batch opens (empty: the first event's
    summary). ``generated_dedup_key`` is True when the sender gave no key and the parser made
    one (the PagerDuty endpoint must return it).
    """

    events: tuple[AlertEvent, ...]
    incident_title: str = ""
    resolve_with_last_alert: bool = False
    generated_dedup_key: bool = False


class PayloadInvalid(ValueError):
    """The payload cannot be turned into events; ``errors`` name each bad field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
