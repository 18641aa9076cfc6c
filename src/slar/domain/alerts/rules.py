"""Pure ingestion rules: severity order, what a grouped event means for an incident, and the
shape alert fields take in storage.

No SQLAlchemy here: values in, values out. ``service.py`` asks these questions; the answers
decide which rows it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Final

from slar.integrations.events import AlertEvent, EventAction, Link

SEVERITY_ORDER: Final = ("critical", "error", "warning", "info")
"""Most to least severe: an incident's severity is the highest of its alerts'."""

_RANK: Final = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}


def severity_rank(severity: str) -> int:
    """0 for critical ... 3 for info; an unknown value ranks like ``error``."""
    return _RANK.get(severity, _RANK["error"])


def highest_severity(severities: Iterable[str]) -> str:
    """The most severe of ``severities`` (``error`` when there are none)."""
    return min(severities, key=severity_rank, default="error")


def at_least_as_severe(severity: str) -> tuple[str, ...]:
    """Severities an incident may already have that ``severity`` does not raise."""
    return SEVERITY_ORDER[: severity_rank(severity) + 1]


def links_json(links: Sequence[Link]) -> list[dict[str, Any]]:
    """Links as stored on alerts and incidents: ``[{"href": ..., "text": ...}]``."""
    return [{"href": link.href, "text": link.text} for link in links]


def incident_title(batch_title: str, event: AlertEvent) -> str:
    """The title of the incident an event opens: the batch's, else the event's summary."""
    return batch_title or event.summary or event.dedup_key


def latest_per_fingerprint(events: Iterable[AlertEvent]) -> list[AlertEvent]:
    """One event per fingerprint, the last one sent winning, in first-seen order.

    A grouped notification lists each alert once; should a sender repeat one, its last state
    is the one that counts (firing then resolved means resolved).
    """
    latest: dict[str, AlertEvent] = {}
    for event in events:
        latest[event.fingerprint] = event
    return list(latest.values())


class Placement(StrEnum):
    """What a firing event of a grouped batch does to an already open alert row."""

    NEW = "new"
    """No open row, or its row belongs to no open incident (suppressed in maintenance, or its
    incident was resolved by hand): the alert joins the group's incident and counts."""
    SAME = "same"
    """The row is already in the group's incident: a re-send; only ``last_seen_at`` moves."""
    FOREIGN = "foreign"
    """The row is in another *open* incident (the same alert in two groups of one receiver):
    it stays there, so re-sends of the two groups never pull it back and forth."""


def placement(
    *, row_incident_id: int | None, row_incident_open: bool, target_incident_id: int | None
) -> Placement:
    """Where a firing event's existing open alert row stands against the group's incident."""
    if row_incident_id is None or not row_incident_open:
        return Placement.NEW
    if row_incident_id == target_incident_id:
        return Placement.SAME
    return Placement.FOREIGN


def split_actions(
    events: Iterable[AlertEvent],
) -> tuple[list[AlertEvent], list[AlertEvent]]:
    """Firing and resolved events of a grouped batch (grouped formats never acknowledge;
    should one, it counts as firing: the alert is still there)."""
    firing: list[AlertEvent] = []
    resolved: list[AlertEvent] = []
    for event in events:
        (resolved if event.action is EventAction.RESOLVE else firing).append(event)
    return firing, resolved


def maintenance_reason(service_id: int) -> str:
    return f"service {service_id} was in a maintenance window"


def alert_fields(event: AlertEvent) -> dict[str, Any]:
    """The columns of an alert row an event (re)writes: the latest event's word wins."""
    return {
        "summary": event.summary or event.dedup_key,
        "description": event.description,
        "severity": event.severity.value,
        "source": event.source,
        "labels": dict(event.labels),
        "links": links_json(event.links),
        "payload": event.raw,
        "occurred_at": event.occurred_at,
    }
