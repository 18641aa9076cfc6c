"""Routing rules and maintenance windows as pure functions: values in, values out.

An integration belongs to one service (its *default*), but its ordered routing rules may send
an alert elsewhere: the first rule whose conditions all match wins. Ingestion calls ``route``
on every event, so it must be cheap and must never raise on odd alerts; everything that can be
wrong with a rule (unknown field, bad regex) is rejected when the rule is saved
(``check_condition``), not when an alert arrives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from slar.integrations.events import AlertEvent
from slar.kernel.errors import InvalidInput

OPERATORS = ("equals", "not_equals", "regex", "in", "exists")
PLAIN_FIELDS = ("severity", "source", "summary")
LABEL_PREFIX = "labels."

MAX_PATTERN_LENGTH = 512
"""Longest regular expression accepted: keeps compile cost and catastrophic patterns bounded."""
MAX_SUBJECT_LENGTH = 10_000
"""A regex only looks at this many leading characters of the field (bounds matching time)."""
MAX_IN_VALUES = 200


@dataclass(frozen=True)
class Condition:
    """One test on an alert field.

    ``field`` is ``severity``, ``source``, ``summary`` or ``labels.<name>``. ``value`` is a
    string for ``equals``/``not_equals``/``regex``, a list of strings for ``in``, and ``None``
    for ``exists``.
    """

    field: str
    op: str
    value: str | list[str] | None


@dataclass(frozen=True)
class RoutingRuleSpec:
    """A stored rule as ``route`` needs it: no conditions means "matches everything"."""

    position: int
    conditions: tuple[Condition, ...]
    service_id: int


def field_value(alert: AlertEvent, field: str) -> str | None:
    """The alert's value for ``field``; ``None`` when absent (a missing label or empty field)."""
    if field.startswith(LABEL_PREFIX):
        return alert.labels.get(field[len(LABEL_PREFIX) :])
    if field == "severity":
        return str(alert.severity.value)
    if field == "source":
        return alert.source or None
    if field == "summary":
        return alert.summary or None
    return None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    if len(pattern) > MAX_PATTERN_LENGTH:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def matches(condition: Condition, alert: AlertEvent) -> bool:
    """Whether ``alert`` satisfies ``condition``.

    A missing value matches only ``not_equals`` (a missing label is "not equal" to anything).
    A malformed condition (which saving refuses) matches nothing rather than raising.
    """
    actual = field_value(alert, condition.field)
    op, expected = condition.op, condition.value
    if op == "exists":
        return actual is not None
    if op == "not_equals":
        return actual is None or actual != expected
    if actual is None:
        return False
    if op == "equals":
        return actual == expected
    if op == "in":
        return isinstance(expected, list) and actual in expected
    if op == "regex":
        if not isinstance(expected, str):
            return False
        pattern = _compiled(expected)
        return pattern is not None and pattern.search(actual[:MAX_SUBJECT_LENGTH]) is not None
    return False


def rule_matches(rule: RoutingRuleSpec, alert: AlertEvent) -> bool:
    return all(matches(c, alert) for c in rule.conditions)


def route(rules: Sequence[RoutingRuleSpec], alert: AlertEvent, default_service_id: int) -> int:
    """The service ``alert`` belongs to: the first matching rule by position, else the default."""
    for rule in sorted(rules, key=lambda r: r.position):
        if rule_matches(rule, alert):
            return rule.service_id
    return default_service_id


def in_maintenance(windows: Iterable[tuple[datetime, datetime]], now: datetime) -> bool:
    """Whether ``now`` falls in any ``(starts_at, ends_at)`` window (start in, end out)."""
    return any(start <= now < end for start, end in windows)


# --- validation at save time ---------------------------------------------------------------


def _invalid(where: str, message: str) -> InvalidInput:
    return InvalidInput(f"{where}: {message}", code="routing.invalid_condition", field=where)


def check_condition(condition: Condition, *, where: str) -> None:
    """Refuse a condition ``route`` could not evaluate; ``where`` names it in the error
    (``rules[1].conditions[0]``), and the error's ``field`` detail points at the bad part."""
    field, op, value = condition.field, condition.op, condition.value
    if field.startswith(LABEL_PREFIX):
        if not field[len(LABEL_PREFIX) :]:
            raise _invalid(f"{where}.field", "a label condition needs a name: labels.<name>")
    elif field not in PLAIN_FIELDS:
        raise _invalid(
            f"{where}.field",
            f"unknown field {field!r}; use severity, source, summary or labels.<name>",
        )
    if op not in OPERATORS:
        raise _invalid(f"{where}.op", f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
    if op == "exists":
        if value is not None:
            raise _invalid(f"{where}.value", "'exists' takes no value (null)")
        return
    if op == "in":
        if not isinstance(value, list) or not value:
            raise _invalid(f"{where}.value", "'in' needs a non-empty list of strings")
        if len(value) > MAX_IN_VALUES:
            raise _invalid(f"{where}.value", f"'in' accepts at most {MAX_IN_VALUES} values")
        if not all(isinstance(v, str) for v in value):
            raise _invalid(f"{where}.value", "'in' needs a list of strings")
        return
    if not isinstance(value, str):
        raise _invalid(f"{where}.value", f"{op!r} needs a string value")
    if op == "regex":
        if len(value) > MAX_PATTERN_LENGTH:
            raise _invalid(
                f"{where}.value", f"regular expression longer than {MAX_PATTERN_LENGTH} characters"
            )
        try:
            re.compile(value)
        except re.error as error:
            raise _invalid(f"{where}.value", f"invalid regular expression: {error}") from None


def condition_from_json(raw: Mapping[str, Any]) -> Condition:
    """A condition from its stored JSON form ``{"field", "op", "value"}``."""
    value = raw.get("value")
    if isinstance(value, list):
        value = [str(v) for v in value]
    elif value is not None:
        value = str(value)
    return Condition(field=str(raw.get("field", "")), op=str(raw.get("op", "")), value=value)


def condition_to_json(condition: Condition) -> dict[str, Any]:
    return {"field": condition.field, "op": condition.op, "value": condition.value}
