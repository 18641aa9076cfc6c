"""Generic JSON: the format for scripts, cron jobs and tools without a dedicated parser.

    {
      "title": "Disk almost full on db-1",        required, string, at most 1024 characters
      "description": "Only 3% left on /var",      optional string
      "severity": "warning",                      critical | error | warning | info (+ aliases)
      "dedup_key": "disk-db-1",                   optional string, at most 255 characters
      "status": "firing",                         firing | resolved (+ aliases); default firing
      "labels": {"host": "db-1"},                 optional object; values stringified
      "links": ["https://...", {"href": "https://...", "text": "Grafana"}],
      "source": "cron@db-1",                      optional string
      "timestamp": "2024-05-14T09:12:43Z",        optional ISO 8601 or epoch seconds/ms
      "details": {...}                            optional object, kept as the alert's details
    }

Deduplication: without ``dedup_key`` the key is ``"title:" + sha256(title)[:32]`` (of the title
with surrounding whitespace removed), so a script that sends the same title again adds to the
open incident instead of opening a second one, and a ``"status": "resolved"`` with the same
title resolves it. Send an explicit ``dedup_key`` when titles carry changing numbers.

Severity aliases: crit/page/fatal/p1 -> critical; high/major/err/p2 -> error;
warn/medium/minor/p3 -> warning; low/notice/debug/p4/p5 -> info. Unknown words are an error
(the sender sees the 400 at once), and so is a missing or over-long title. Missing severity:
error. Status aliases: trigger/triggered/alerting/problem -> trigger; resolve/ok/recovered ->
resolve; acknowledge/acknowledged -> acknowledge.

Unknown fields are ignored by the mapping and kept in ``raw`` (the whole body).
"""

from __future__ import annotations

from typing import Any, Final

from slar.integrations._fields import (
    MAX_DESCRIPTION,
    MAX_KEY,
    MAX_SOURCE,
    MAX_SUMMARY,
    SEVERITIES,
    Errors,
    http_link,
    opt_list,
    opt_str,
    parse_timestamp,
    require_object,
    severity_alias,
    sha256_hex,
    string_labels,
    truncate,
)
from slar.integrations.events import AlertEvent, EventAction, Link, ParsedBatch, Severity

_STATUSES: Final = {
    "firing": EventAction.TRIGGER,
    "trigger": EventAction.TRIGGER,
    "triggered": EventAction.TRIGGER,
    "alerting": EventAction.TRIGGER,
    "problem": EventAction.TRIGGER,
    "resolved": EventAction.RESOLVE,
    "resolve": EventAction.RESOLVE,
    "ok": EventAction.RESOLVE,
    "recovered": EventAction.RESOLVE,
    "acknowledge": EventAction.ACKNOWLEDGE,
    "acknowledged": EventAction.ACKNOWLEDGE,
}


def title_dedup_key(title: str) -> str:
    """The dedup key of a generic alert sent without one."""
    return "title:" + sha256_hex(title.strip())[:32]


def parse_generic(body: object) -> ParsedBatch:
    """Parse a generic JSON alert; raise ``PayloadInvalid`` naming bad fields."""
    obj = require_object(body)
    errors = Errors()

    title = _title(obj, errors)

    description = opt_str(obj, "description", "", errors) or ""
    severity = _severity(obj, errors)
    action = _action(obj, errors)
    dedup_key = _dedup_key(obj, errors)
    labels = string_labels(obj.get("labels"), "labels", errors)
    links = _links(obj, errors)
    source = opt_str(obj, "source", "", errors) or ""
    occurred_at = None
    if obj.get("timestamp") is not None:
        try:
            occurred_at = parse_timestamp(obj["timestamp"], allow_epoch=True)
        except ValueError:
            errors.add("timestamp must be an ISO 8601 date-time or epoch seconds")
    details = obj.get("details")
    if details is not None and not isinstance(details, dict):
        errors.add("details must be an object")
    errors.raise_if_any()

    key = dedup_key or title_dedup_key(title)
    event = AlertEvent(
        action=action,
        dedup_key=key,
        fingerprint=key,
        summary=title,
        description=truncate(description.strip(), MAX_DESCRIPTION),
        severity=severity,
        source=truncate(source.strip(), MAX_SOURCE),
        labels=labels,
        links=links,
        occurred_at=occurred_at,
        details=details if isinstance(details, dict) else {},
        raw=dict(obj),
    )
    return ParsedBatch(events=(event,))


def _title(obj: dict[str, Any], errors: Errors) -> str:
    value = obj.get("title")
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add("title is required")
        return ""
    if not isinstance(value, str):
        errors.add("title must be a string")
        return ""
    title = value.strip()
    if len(title) > MAX_SUMMARY:
        errors.add(f"title must be at most {MAX_SUMMARY} characters")
    return title


def _severity(obj: dict[str, Any], errors: Errors) -> Severity:
    value = opt_str(obj, "severity", "", errors)
    if value is None or not value.strip():
        return Severity.ERROR
    severity = severity_alias(value)
    if severity is None:
        errors.add(f"severity must be one of {SEVERITIES}")
        return Severity.ERROR
    return severity


def _action(obj: dict[str, Any], errors: Errors) -> EventAction:
    value = opt_str(obj, "status", "", errors)
    if value is None or not value.strip():
        return EventAction.TRIGGER
    action = _STATUSES.get(value.strip().lower())
    if action is None:
        errors.add("status must be firing or resolved")
        return EventAction.TRIGGER
    return action


def _dedup_key(obj: dict[str, Any], errors: Errors) -> str | None:
    value = opt_str(obj, "dedup_key", "", errors)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_KEY:
        errors.add(f"dedup_key must be at most {MAX_KEY} characters")
        return None
    return value


def _links(obj: dict[str, Any], errors: Errors) -> tuple[Link, ...]:
    links: list[Link] = []
    for index, item in enumerate(opt_list(obj, "links", "", errors)):
        path = f"links[{index}]"
        if isinstance(item, str):
            link = http_link(item)
        elif isinstance(item, dict):
            href = opt_str(item, "href", path, errors)
            text = opt_str(item, "text", path, errors)
            if href is None and item.get("href") is None:
                errors.add(f"{path}.href is required")
            link = http_link(href, text or "")
        else:
            errors.add(f"{path} must be a string or an object")
            continue
        if link is not None:
            links.append(link)
    return tuple(links)


__all__ = ["parse_generic", "title_dedup_key"]
