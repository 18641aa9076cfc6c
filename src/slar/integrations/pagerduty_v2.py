"""PagerDuty Events API v2 (``POST /v2/enqueue``): one event per request.

The endpoint reads ``routing_key`` (it selects the integration and service); this parser
ignores it and leaves it out of ``raw``, so the credential is never stored with the alert.

Mapping:

- ``event_action`` (``trigger`` | ``acknowledge`` | ``resolve``) -> ``action``;
- ``dedup_key`` (string, at most 255 characters) -> ``dedup_key`` and ``fingerprint``; a trigger
  without one gets a fresh ``uuid4().hex`` and ``generated_dedup_key=True`` (the endpoint returns
  it); acknowledge and resolve need one;
- ``payload.summary`` / ``source`` / ``severity`` are required for a trigger (summary at most
  1024 characters, severity one of the four); ``payload.timestamp`` must be ISO 8601;
  ``payload.component`` / ``group`` / ``class`` -> labels of those names;
  ``payload.custom_details`` -> ``details`` (an object is kept as it is; any other JSON value
  is kept under ``details["custom_details"]``, as PagerDuty shows it);
- ``links[]`` -> links; ``images[]`` with an ``href`` -> links (text: ``alt``);
  ``client_url`` -> a link titled by ``client`` (Alertmanager sets both).

Acknowledge and resolve events read the payload when there is one (Alertmanager's final resolve
carries a full payload) but never fail on it: PagerDuty ignores it for those actions.

Errors follow PagerDuty's habit of naming the field (``payload.severity must be one of
critical, error, warning, info``); all of them are reported at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from slar.integrations._fields import (
    MAX_KEY,
    MAX_LABEL_VALUE,
    MAX_SOURCE,
    MAX_SUMMARY,
    SEVERITIES,
    Errors,
    http_link,
    opt_list,
    opt_str,
    parse_timestamp,
    require_object,
    truncate,
)
from slar.integrations.events import (
    AlertEvent,
    EventAction,
    Link,
    ParsedBatch,
    PayloadInvalid,
    Severity,
)

_ACTIONS = {action.value: action for action in EventAction}
_ACTION_NAMES = ", ".join(_ACTIONS)
_LABEL_FIELDS = ("component", "group", "class")


def parse_pagerduty_v2(body: object) -> ParsedBatch:
    """Parse one PagerDuty Events API v2 event; raise ``PayloadInvalid`` naming bad fields."""
    obj = require_object(body)
    errors = Errors()

    action = _action(obj, errors)
    dedup_key = _dedup_key(obj, errors)
    if dedup_key is None and action in (EventAction.ACKNOWLEDGE, EventAction.RESOLVE):
        errors.add(f"dedup_key is required for {action.value}")

    payload_value = obj.get("payload")
    payload: dict[str, Any] = {}
    if isinstance(payload_value, dict):
        payload = payload_value
    elif payload_value is not None:
        errors.add("payload must be an object")
    elif action is EventAction.TRIGGER:
        errors.add("payload is required for trigger")

    # Only a trigger's payload is validated; other actions read what is usable and move on.
    strict = action is EventAction.TRIGGER
    payload_errors = errors if strict else Errors()
    fields = _Payload(payload, payload_errors, required=strict and isinstance(payload_value, dict))
    links = _links(obj, errors)

    errors.raise_if_any()
    if action is None:  # unreachable: a missing or unknown action was reported above
        raise PayloadInvalid(["event_action is required"])

    generated = dedup_key is None
    key = dedup_key if dedup_key is not None else uuid.uuid4().hex
    raw = {name: value for name, value in obj.items() if name != "routing_key"}
    event = AlertEvent(
        action=action,
        dedup_key=key,
        fingerprint=key,
        summary=fields.summary,
        description="",
        severity=fields.severity,
        source=fields.source,
        labels=fields.labels,
        links=links,
        occurred_at=fields.occurred_at,
        details=fields.details,
        raw=raw,
    )
    return ParsedBatch(events=(event,), generated_dedup_key=generated)


def _action(obj: dict[str, Any], errors: Errors) -> EventAction | None:
    value = obj.get("event_action")
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add("event_action is required")
        return None
    if not isinstance(value, str) or value.strip().lower() not in _ACTIONS:
        errors.add(f"event_action must be one of {_ACTION_NAMES}")
        return None
    return _ACTIONS[value.strip().lower()]


def _dedup_key(obj: dict[str, Any], errors: Errors) -> str | None:
    value = opt_str(obj, "dedup_key", "", errors)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_KEY:
        errors.add(f"dedup_key must be at most {MAX_KEY} characters")
        return None
    return value


class _Payload:
    """The fields of ``payload``; missing required ones are errors only when ``required``."""

    def __init__(self, payload: dict[str, Any], errors: Errors, *, required: bool) -> None:
        self.summary = self._text(payload, "summary", errors, required=required)
        if len(self.summary) > MAX_SUMMARY:
            errors.add(f"payload.summary must be at most {MAX_SUMMARY} characters")
            self.summary = truncate(self.summary, MAX_SUMMARY)
        self.source = truncate(self._text(payload, "source", errors, required=required), MAX_SOURCE)
        self.severity = self._severity(payload, errors, required=required)
        self.occurred_at = None
        timestamp = payload.get("timestamp")
        if timestamp is not None:
            try:
                self.occurred_at = parse_timestamp(timestamp, allow_epoch=False)
            except ValueError:
                errors.add("payload.timestamp must be an ISO 8601 date-time")
        self.labels: dict[str, str] = {}
        for name in _LABEL_FIELDS:
            value = opt_str(payload, name, "payload", errors)
            if value is not None and value.strip():
                self.labels[name] = truncate(value, MAX_LABEL_VALUE)
        custom = payload.get("custom_details")
        self.details: dict[str, Any]
        if custom is None:
            self.details = {}
        elif isinstance(custom, dict):
            self.details = custom
        else:
            self.details = {"custom_details": custom}

    @staticmethod
    def _text(payload: dict[str, Any], name: str, errors: Errors, *, required: bool) -> str:
        value = payload.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors.add(f"payload.{name} is required")
            return ""
        if not isinstance(value, str):
            errors.add(f"payload.{name} must be a string")
            return ""
        return value

    @staticmethod
    def _severity(payload: dict[str, Any], errors: Errors, *, required: bool) -> Severity:
        value = payload.get("severity")
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors.add("payload.severity is required")
            return Severity.ERROR
        if isinstance(value, str):
            try:
                return Severity(value.strip().lower())
            except ValueError:
                pass
        errors.add(f"payload.severity must be one of {SEVERITIES}")
        return Severity.ERROR


def _links(obj: dict[str, Any], errors: Errors) -> tuple[Link, ...]:
    links: list[Link] = []
    for index, item in enumerate(opt_list(obj, "links", "", errors)):
        path = f"links[{index}]"
        if not isinstance(item, dict):
            errors.add(f"{path} must be an object")
            continue
        href = opt_str(item, "href", path, errors)
        text = opt_str(item, "text", path, errors)
        if href is None:
            if "href" not in item or item["href"] is None:
                errors.add(f"{path}.href is required")
            continue
        link = http_link(href, text or "")
        if link is not None:
            links.append(link)
    for index, item in enumerate(opt_list(obj, "images", "", errors)):
        path = f"images[{index}]"
        if not isinstance(item, dict):
            errors.add(f"{path} must be an object")
            continue
        opt_str(item, "src", path, errors)
        href = opt_str(item, "href", path, errors)
        alt = opt_str(item, "alt", path, errors)
        link = http_link(href, alt or "")
        if link is not None:
            links.append(link)
    client_url = opt_str(obj, "client_url", "", errors)
    client = opt_str(obj, "client", "", errors)
    link = http_link(client_url, client or "")
    if link is not None:
        links.append(link)
    return tuple(links)


__all__ = ["parse_pagerduty_v2"]
