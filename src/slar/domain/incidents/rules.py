"""Pure incident rules: who acted, which transitions are allowed, urgency from severity.

No SQLAlchemy here: values in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass

from slar.kernel.errors import Conflict

TRIGGERED = "triggered"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a timeline entry: a user (``user_id`` set) or the system/an integration."""

    label: str
    user_id: int | None = None

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
