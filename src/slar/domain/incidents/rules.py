"""Pure incident rules: who acted, which transitions are allowed, urgency from severity.

No SQLAlchemy here: values in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from slar.kernel.errors import Conflict, InvalidInput

TRIGGERED = "triggered"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
STATUSES = (TRIGGERED, ACKNOWLEDGED, RESOLVED)
OPEN_STATUSES = (TRIGGERED, ACKNOWLEDGED)
OPEN = "open"  # list filter alias: triggered or acknowledged

TITLE_MAX = 1024
NOTE_MAX = 10_000
SNOOZE_MAX_MINUTES = 1440  # one day; longer silences are maintenance windows
LIST_LIMIT_MAX = 200
LIST_LIMIT_DEFAULT = 50


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a timeline entry: a user (``user_id`` set) or the system/an integration."""

    label: str
    user_id: int | None = None
    via: str | None = None
    """The tool that acted for the user (``"assistant"``); recorded as ``data.via``."""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)


def require_open(status: str, incident_id: int, action: str) -> None:
    if status == RESOLVED:
        raise Conflict(
            f"incident {incident_id} is resolved; it cannot be {action}",
            code="incident.resolved",
            incident_id=incident_id,
        )


def check_acknowledge(status: str, incident_id: int) -> None:
    require_open(status, incident_id, "acknowledged")
    if status == ACKNOWLEDGED:
        raise Conflict(
            f"incident {incident_id} is already acknowledged",
            code="incident.already_acknowledged",
            incident_id=incident_id,
        )


def check_resolve(status: str, incident_id: int) -> None:
    if status == RESOLVED:
        raise Conflict(
            f"incident {incident_id} is already resolved",
            code="incident.already_resolved",
            incident_id=incident_id,
        )


def urgency_for(service_urgency: str, severity: str) -> str:
    """A service's urgency setting applied to an alert's severity.

    ``dynamic`` pages at high urgency for critical and error, low for warning and info.
    """
    if service_urgency == "dynamic":
        return "high" if severity in ("critical", "error") else "low"
    return service_urgency


def check_unacknowledge(status: str, incident_id: int) -> None:
    """Only an acknowledged incident can go back to triggered."""
    require_open(status, incident_id, "unacknowledged")
    if status != ACKNOWLEDGED:
        raise Conflict(
            f"incident {incident_id} is not acknowledged; only an acknowledged incident can be "
            "unacknowledged",
            code="incident.not_acknowledged",
            incident_id=incident_id,
        )


def check_reassign(status: str, incident_id: int) -> None:
    require_open(status, incident_id, "reassigned")


def check_snooze(status: str, incident_id: int) -> None:
    require_open(status, incident_id, "snoozed")


def check_not_self_merge(source_id: int, target_id: int) -> None:
    if source_id == target_id:
        raise Conflict(
            f"incident {source_id} cannot be merged into itself",
            code="incident.merge_into_self",
            incident_id=source_id,
        )


def check_merge(*, source_id: int, source_status: str, target_id: int, target_status: str) -> None:
    """Both incidents must be open and distinct: merging closes the source into the target."""
    check_not_self_merge(source_id, target_id)
    require_open(source_status, source_id, "merged")
    if target_status == RESOLVED:
        raise Conflict(
            f"incident {target_id} is resolved; nothing can be merged into it",
            code="incident.merge_target_resolved",
            incident_id=target_id,
        )


def clean_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned or len(cleaned) > TITLE_MAX:
        raise InvalidInput(
            f"title must be 1 to {TITLE_MAX} characters (not blank)", code="incident.invalid_title"
        )
    return cleaned


def clean_note(text: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > NOTE_MAX:
        raise InvalidInput(
            f"note text must be 1 to {NOTE_MAX} characters (not blank)",
            code="incident.invalid_note",
        )
    return cleaned


def check_snooze_minutes(minutes: int) -> None:
    if not 1 <= minutes <= SNOOZE_MAX_MINUTES:
        raise InvalidInput(
            f"snooze minutes must be between 1 and {SNOOZE_MAX_MINUTES}, got {minutes}",
            code="incident.invalid_snooze",
        )


def check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise InvalidInput(
            f"limit must be between 1 and {LIST_LIMIT_MAX}, got {limit}",
            code="incident.invalid_page",
        )
    if offset < 0:
        raise InvalidInput(f"offset must be >= 0, got {offset}", code="incident.invalid_page")


def expand_statuses(statuses: Iterable[str] | None) -> frozenset[str] | None:
    """The statuses a list filter selects; ``open`` means triggered or acknowledged.

    ``None`` or an empty filter selects every status.
    """
    if not statuses:
        return None
    selected: set[str] = set()
    for raw in statuses:
        for status in (part.strip().lower() for part in raw.split(",")):
            if status == OPEN:
                selected.update(OPEN_STATUSES)
            elif status in STATUSES:
                selected.add(status)
            elif status:
                raise InvalidInput(
                    f"unknown status {status!r}; use one of {', '.join((*STATUSES, OPEN))}",
                    code="incident.invalid_filter",
                )
    return frozenset(selected) or None


_INCIDENT_REF = re.compile(r"#(\d{1,9})")  # ids are 32-bit integers


def incident_ref(query: str) -> int | None:
    """The incident number in a search like ``#42`` (None when the query names none)."""
    match = _INCIDENT_REF.fullmatch(query.strip())
    return int(match.group(1)) if match else None


def like_pattern(query: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern matching ``query`` literally anywhere in a text."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
