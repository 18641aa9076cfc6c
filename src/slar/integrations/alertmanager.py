"""Prometheus Alertmanager webhook (version 4): one event per alert of a notification group.

Alertmanager re-sends the whole group on every change and every ``group_interval``, so the
mapping is idempotent by construction:

- ``dedup_key`` (the incident) = ``groupKey`` when it fits 255 characters, else
  ``"sha256:" + hexdigest(groupKey)``; ``fingerprint`` (the alert inside it) = the alert's
  ``fingerprint``, or, if absent, the first 16 hex of a SHA-256 of its sorted labels;
- ``status`` ``firing`` -> trigger, ``resolved`` -> resolve (a missing alert status falls back
  to the group's); ``resolve_with_last_alert=True``: the incident resolves with its last alert;
- summary = ``annotations.summary``, else ``labels.alertname``, else ``"Alert"``; description =
  ``annotations.description``; severity from ``labels.severity`` (see ``severity_of``);
- labels = the alert's labels (values stringified); details = its annotations;
- links: ``generatorURL`` ("Source") and ``annotations.runbook_url`` ("Runbook"), http(s) only;
- ``occurred_at`` = ``startsAt``; ``source`` = ``externalURL`` or ``"alertmanager"``;
- ``raw`` = the whole body with ``alerts`` holding only this alert (at most ``MAX_RAW_FIELDS``
  top-level fields are copied per event, in body order);
- incident title: ``commonAnnotations.summary``, else ``"<alertname> (<other group label
  values>)"``, else the first alert's summary.

Lenient where the sender cannot be fixed quickly (a 400 delays the page by a whole group
interval): any ``version`` is accepted, unknown fields are ignored, over-long texts are
truncated and unparseable times become None. Only the shape is enforced: ``groupKey`` must be a
string, ``alerts`` a list of at most ``MAX_ALERTS`` objects, label maps objects; errors name
the field path (``alerts[2].labels must be an object``).

``parse_grouped`` is the shared core: Grafana's webhook has the same shape.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Final

from slar.integrations._fields import (
    MAX_DESCRIPTION,
    MAX_SOURCE,
    MAX_SUMMARY,
    Errors,
    bounded_key,
    http_link,
    labels_fingerprint,
    opt_str,
    parse_timestamp,
    require_object,
    severity_alias,
    string_labels,
    truncate,
)
from slar.integrations.events import AlertEvent, EventAction, Link, ParsedBatch, Severity

_STATUSES = {"firing": EventAction.TRIGGER, "resolved": EventAction.RESOLVE}

# A real 512 KiB body holds well under this many alerts (each is at least ~150 bytes); the cap
# bounds the memory one request can make the parser allocate.
MAX_ALERTS: Final = 5000
# Top-level fields copied into each event's raw (Alertmanager sends about ten).
MAX_RAW_FIELDS: Final = 64


@dataclass(frozen=True, slots=True)
class GroupOptions:
    """What differs between senders of the Alertmanager shape."""

    default_source: str = "alertmanager"
    # Used when the body has no groupKey; None makes groupKey required.
    fallback_group_key: str | None = None
    # Description of alerts whose annotations have none.
    fallback_description: str = ""
    # Incident title that wins over the computed one, when non-empty.
    title: str = ""
    # Alert fields holding URLs, with the text of the link each becomes.
    link_fields: tuple[tuple[str, str], ...] = (("generatorURL", "Source"),)


def parse_alertmanager(body: object) -> ParsedBatch:
    """Parse an Alertmanager webhook; raise ``PayloadInvalid`` naming bad fields."""
    return parse_grouped(require_object(body), Errors(), GroupOptions())


def severity_of(labels: dict[str, str]) -> Severity:
    """Severity from ``labels.severity``: aliases such as page, high, warn, low; unknown: error."""
    value = labels.get("severity")
    if value is None:
        return Severity.ERROR
    return severity_alias(value) or Severity.ERROR


def parse_grouped(obj: dict[str, Any], errors: Errors, options: GroupOptions) -> ParsedBatch:
    """Parse an Alertmanager-shaped body, adding to ``errors`` and raising them at the end."""
    group_key = _group_key(obj, errors, options)
    alerts_value = obj.get("alerts")
    alerts: list[Any] = []
    if alerts_value is None:
        errors.add("alerts is required")
    elif not isinstance(alerts_value, list):
        errors.add("alerts must be a list")
    elif len(alerts_value) > MAX_ALERTS:
        errors.add(f"alerts must hold at most {MAX_ALERTS} alerts")
    else:
        alerts = alerts_value

    group_status = _status(opt_str(obj, "status", "", errors))
    group_labels = string_labels(obj.get("groupLabels"), "groupLabels", errors)
    common_labels = string_labels(obj.get("commonLabels"), "commonLabels", errors)
    common_annotations = string_labels(
        obj.get("commonAnnotations"), "commonAnnotations", errors, value_limit=MAX_DESCRIPTION
    )
    external_url = opt_str(obj, "externalURL", "", errors)
    source = truncate(external_url.strip(), MAX_SOURCE) if external_url else ""

    # Each event's raw is this plus its alert: bounded, so N alerts cannot copy N huge bodies.
    group_raw = dict(
        itertools.islice(((k, v) for k, v in obj.items() if k != "alerts"), MAX_RAW_FIELDS)
    )
    events: list[AlertEvent] = []
    for index, alert in enumerate(alerts):
        event = _event(
            alert,
            f"alerts[{index}]",
            errors,
            options,
            group_raw=group_raw,
            dedup_key=group_key,
            group_status=group_status,
            source=source or options.default_source,
        )
        if event is not None:
            events.append(event)
    errors.raise_if_any()

    title = options.title or _incident_title(
        common_annotations, group_labels, common_labels, events
    )
    return ParsedBatch(
        events=tuple(events),
        incident_title=truncate(title, MAX_SUMMARY),
        resolve_with_last_alert=True,
    )


def _group_key(obj: dict[str, Any], errors: Errors, options: GroupOptions) -> str:
    value = obj.get("groupKey")
    if isinstance(value, str) and value:
        return bounded_key(value)
    if value is not None and not isinstance(value, str):
        errors.add("groupKey must be a string")
        return ""
    if options.fallback_group_key is not None:
        return options.fallback_group_key
    errors.add("groupKey is required")
    return ""


def _status(value: str | None) -> EventAction | None:
    if value is None:
        return None
    return _STATUSES.get(value.strip().lower())


def _event(
    alert: object,
    path: str,
    errors: Errors,
    options: GroupOptions,
    *,
    group_raw: dict[str, Any],
    dedup_key: str,
    group_status: EventAction | None,
    source: str,
) -> AlertEvent | None:
    if not isinstance(alert, dict):
        errors.add(f"{path} must be an object")
        return None
    status_text = opt_str(alert, "status", path, errors)
    action = _status(status_text)
    if status_text is not None and action is None:
        errors.add(f"{path}.status must be firing or resolved")
    action = action or group_status or EventAction.TRIGGER

    labels = string_labels(alert.get("labels"), f"{path}.labels", errors)
    annotations = string_labels(
        alert.get("annotations"), f"{path}.annotations", errors, value_limit=MAX_DESCRIPTION
    )

    fingerprint_text = opt_str(alert, "fingerprint", path, errors)
    if fingerprint_text and fingerprint_text.strip():
        fingerprint = bounded_key(fingerprint_text)
    else:
        fingerprint = labels_fingerprint(labels)

    summary = _nonblank(annotations.get("summary")) or _nonblank(labels.get("alertname")) or "Alert"
    description = _nonblank(annotations.get("description")) or options.fallback_description

    occurred_at = None
    starts_at = alert.get("startsAt")
    if starts_at is not None:
        if not isinstance(starts_at, str):
            errors.add(f"{path}.startsAt must be a string")
        else:
            try:
                occurred_at = parse_timestamp(starts_at, allow_epoch=False)
            except ValueError:
                occurred_at = None  # lenient: the ingest time stands in

    links: list[Link] = []
    for field_name, text in options.link_fields:
        link = http_link(opt_str(alert, field_name, path, errors), text)
        if link is not None:
            links.append(link)
    runbook = http_link(annotations.get("runbook_url"), "Runbook")
    if runbook is not None:
        links.append(runbook)

    return AlertEvent(
        action=action,
        dedup_key=dedup_key,
        fingerprint=fingerprint,
        summary=truncate(summary, MAX_SUMMARY),
        description=truncate(description, MAX_DESCRIPTION),
        severity=severity_of(labels),
        source=source,
        labels=labels,
        links=tuple(links),
        occurred_at=occurred_at,
        details=dict(annotations),
        raw={**group_raw, "alerts": [alert]},
    )


def _nonblank(value: str | None) -> str:
    return value.strip() if value and value.strip() else ""


def _incident_title(
    common_annotations: dict[str, str],
    group_labels: dict[str, str],
    common_labels: dict[str, str],
    events: list[AlertEvent],
) -> str:
    summary = _nonblank(common_annotations.get("summary"))
    if summary:
        return summary
    name = _nonblank(group_labels.get("alertname")) or _nonblank(common_labels.get("alertname"))
    if name:
        others = [
            value
            for key, value in sorted(group_labels.items())
            if key != "alertname" and value.strip()
        ]
        return f"{name} ({' '.join(others)})" if others else name
    return events[0].summary if events else ""


__all__ = ["GroupOptions", "parse_alertmanager", "parse_grouped", "severity_of"]
