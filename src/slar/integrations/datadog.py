"""Datadog webhook: a body the user writes from ``RECOMMENDED_TEMPLATE`` (or close to it).

Datadog fills ``$VARIABLES`` into a template the user pastes in the webhook's Payload field.
Because users edit it, field names are read leniently: the recommended name first, then
obvious variants (``title`` for ``event_title``, ``transition`` for ``alert_transition``...).
A value that is still an unfilled ``$VARIABLE`` counts as absent.

Mapping:

- dedup key (and fingerprint) = ``alert_cycle_key``, else ``aggreg_key``, else ``alert_id``:
  one is required. The cycle key links a trigger to its recovery; the others are fallbacks
  for templates without it (a key longer than 255 characters is hashed);
- ``alert_transition`` ``Recovered`` -> resolve; ``Triggered``, ``Re-Triggered``, ``Warn``,
  ``No Data``, ``Renotify`` and anything else -> trigger. With no transition,
  ``alert_type: success`` -> resolve;
- severity: ``alert_priority`` P1 critical, P2 error, P3 warning, P4/P5 info; without a
  priority, a ``Warn`` transition or ``alert_type: warning`` -> warning, ``alert_type: info``
  -> info, otherwise error;
- summary = ``event_title`` (required) without Datadog's ``[Triggered]`` / ``[P1]`` prefixes;
  description = ``event_msg``; source = ``hostname`` or ``"datadog"``;
- labels: ``tags`` ``"a:b,c"`` -> ``{"a": "b", "c": ""}`` (repeated keys joined by ","),
  ``alert_scope`` -> ``labels["scope"]``; links: ``link`` ("Datadog"), ``snapshot`` ("Snapshot");
- ``occurred_at`` = ``date`` (``$DATE``: epoch milliseconds; seconds and ISO 8601 accepted too).

Over-long texts are truncated (Datadog does not retry a 4xx, so a 400 would lose the page).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

from slar.integrations._fields import (
    MAX_DESCRIPTION,
    MAX_LABEL_KEY,
    MAX_LABEL_VALUE,
    MAX_SOURCE,
    MAX_SUMMARY,
    Errors,
    bounded_key,
    http_link,
    is_blank,
    key_text,
    parse_timestamp,
    require_object,
    truncate,
)
from slar.integrations.events import AlertEvent, EventAction, Link, ParsedBatch, Severity

RECOMMENDED_TEMPLATE: Final = """\
{
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "aggreg_key": "$AGGREG_KEY",
  "alert_id": "$ALERT_ID",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_type": "$ALERT_TYPE",
  "alert_priority": "$ALERT_PRIORITY",
  "event_title": "$EVENT_TITLE",
  "event_msg": "$EVENT_MSG",
  "alert_scope": "$ALERT_SCOPE",
  "tags": "$TAGS",
  "link": "$LINK",
  "hostname": "$HOSTNAME",
  "date": "$DATE",
  "org": {"id": "$ORG_ID", "name": "$ORG_NAME"}
}
"""

# Field names read for each value, recommended first.
_KEY_FIELDS: Final = (
    ("alert_cycle_key", "cycle_key"),
    ("aggreg_key", "aggregation_key"),
    ("alert_id", "monitor_id"),
)
_TITLE_FIELDS: Final = ("event_title", "title", "alert_title")
_MESSAGE_FIELDS: Final = ("event_msg", "message", "msg", "text", "body", "description")
_TRANSITION_FIELDS: Final = ("alert_transition", "transition")
_TYPE_FIELDS: Final = ("alert_type",)
_PRIORITY_FIELDS: Final = ("alert_priority", "priority")
_SCOPE_FIELDS: Final = ("alert_scope", "scope")
_LINK_FIELDS: Final = ("link", "url")
_SNAPSHOT_FIELDS: Final = ("snapshot",)
_HOST_FIELDS: Final = ("hostname", "host")
_DATE_FIELDS: Final = ("date", "date_posix", "timestamp", "last_updated")

_PRIORITIES: Final = {
    "p1": Severity.CRITICAL,
    "p2": Severity.ERROR,
    "p3": Severity.WARNING,
    "p4": Severity.INFO,
    "p5": Severity.INFO,
}
_ALERT_TYPES: Final = {
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "info": Severity.INFO,
    "error": Severity.ERROR,
}

# Leading "[P1] ", "[Triggered] ", "[Re-Triggered] ", "[Recovered] ", "[Warn] ", "[No Data] ".
_TITLE_PREFIX = re.compile(
    r"^\s*(?:\[(?:P[1-5]|(?:Re-)?(?:Triggered|Warn|No Data)|Recovered|Renotify)\]\s*)+",
    re.IGNORECASE,
)


def parse_datadog(body: object) -> ParsedBatch:
    """Parse a Datadog webhook body; raise ``PayloadInvalid`` naming bad fields."""
    obj = require_object(body)
    errors = Errors()

    dedup_key = _dedup_key(obj, errors)
    title = _text(obj, _TITLE_FIELDS, errors)
    if _pick(obj, _TITLE_FIELDS) is None:
        errors.add("event_title is required")
    transition = _text(obj, _TRANSITION_FIELDS, errors).lower()
    alert_type = _text(obj, _TYPE_FIELDS, errors).lower()
    priority = _text(obj, _PRIORITY_FIELDS, errors).lower()
    # $EVENT_MSG wraps Markdown in "%%%" markers.
    message = _text(obj, _MESSAGE_FIELDS, errors).removeprefix("%%%").removesuffix("%%%").strip()
    scope = _text(obj, _SCOPE_FIELDS, errors)
    host = _text(obj, _HOST_FIELDS, errors)
    labels = _tags(obj, errors)
    if scope:
        labels["scope"] = truncate(scope, MAX_LABEL_VALUE)
    links = _links(obj, errors)
    occurred_at = _date(obj)
    errors.raise_if_any()

    key = dedup_key or ""
    event = AlertEvent(
        action=_action(transition, alert_type),
        dedup_key=key,
        fingerprint=key,
        summary=truncate(strip_title_prefix(title), MAX_SUMMARY),
        description=truncate(message, MAX_DESCRIPTION),
        severity=_severity(priority, transition, alert_type),
        source=truncate(host, MAX_SOURCE) or "datadog",
        labels=labels,
        links=links,
        occurred_at=occurred_at,
        raw=dict(obj),
    )
    return ParsedBatch(events=(event,))


def strip_title_prefix(title: str) -> str:
    """``"[P1] [Triggered] CPU high"`` -> ``"CPU high"`` (the title itself if nothing is left)."""
    stripped = _TITLE_PREFIX.sub("", title, count=1).strip()
    return stripped or title.strip()


def _pick(obj: dict[str, Any], names: tuple[str, ...]) -> tuple[str, object] | None:
    """The first of ``names`` present with a non-null value that is not blank text."""
    for name in names:
        value = obj.get(name)
        if value is None or (isinstance(value, str) and is_blank(value)):
            continue
        return name, value
    return None


def _text(obj: dict[str, Any], names: tuple[str, ...], errors: Errors) -> str:
    """The first usable text among ``names``; numbers are accepted (templates drop quotes)."""
    picked = _pick(obj, names)
    if picked is None:
        return ""
    name, value = picked
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return str(value)
    text = key_text(value)
    if text is None:
        errors.add(f"{name} must be a string")
        return ""
    return text


def _dedup_key(obj: dict[str, Any], errors: Errors) -> str | None:
    for names in _KEY_FIELDS:
        picked = _pick(obj, names)
        if picked is None:
            continue
        name, value = picked
        text = key_text(value)
        if text is None:
            errors.add(f"{name} must be a string")
            return None
        return bounded_key(text.strip())
    errors.add("alert_cycle_key, aggreg_key or alert_id is required")
    return None


def _action(transition: str, alert_type: str) -> EventAction:
    if transition:
        resolved = transition.startswith("recovered") or transition in ("resolved", "ok")
        return EventAction.RESOLVE if resolved else EventAction.TRIGGER
    return EventAction.RESOLVE if alert_type == "success" else EventAction.TRIGGER


def _severity(priority: str, transition: str, alert_type: str) -> Severity:
    by_priority = _PRIORITIES.get(priority.strip())
    if by_priority is not None:
        return by_priority
    if transition in ("warn", "re-warn"):
        return Severity.WARNING
    return _ALERT_TYPES.get(alert_type, Severity.ERROR)


def _tags(obj: dict[str, Any], errors: Errors) -> dict[str, str]:
    value = obj.get("tags")
    items: list[str]
    if value is None or (isinstance(value, str) and is_blank(value)):
        return {}
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    else:
        errors.add("tags must be a string or a list of strings")
        return {}
    values: dict[str, dict[str, None]] = {}  # name -> its distinct values, in order
    for item in items:
        name, _, tag_value = item.strip().partition(":")
        name, tag_value = name.strip(), tag_value.strip()
        if not name:
            continue
        seen = values.setdefault(truncate(name, MAX_LABEL_KEY), {})
        if tag_value:
            seen[tag_value] = None
    return {name: truncate(",".join(seen), MAX_LABEL_VALUE) for name, seen in values.items()}


def _links(obj: dict[str, Any], errors: Errors) -> tuple[Link, ...]:
    links: list[Link] = []
    for names, text in ((_LINK_FIELDS, "Datadog"), (_SNAPSHOT_FIELDS, "Snapshot")):
        link = http_link(_text(obj, names, errors), text)
        if link is not None:
            links.append(link)
    return tuple(links)


def _date(obj: dict[str, Any]) -> datetime | None:
    picked = _pick(obj, _DATE_FIELDS)
    if picked is None:
        return None
    try:
        return parse_timestamp(picked[1], allow_epoch=True)
    except ValueError:
        return None  # lenient: the ingest time stands in


__all__ = ["RECOMMENDED_TEMPLATE", "parse_datadog", "strip_title_prefix"]
