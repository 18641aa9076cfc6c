"""Incident lists as pages show them: grouped by urgency, with filters kept in links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from slar.domain.incidents.schemas import IncidentOut

OPEN = ["triggered", "acknowledged"]
STATUSES = ("triggered", "acknowledged", "resolved")


@dataclass(frozen=True)
class Filters:
    """The incident list's filters, read from the query string."""

    status: list[str] = field(default_factory=lambda: list(OPEN))
    urgency: str | None = None
    service_id: int | None = None
    q: str | None = None
    offset: int = 0

    @classmethod
    def parse(
        cls,
        status: list[str] | None,
        urgency: str | None,
        service_id: str | None,
        q: str | None,
        offset: int,
    ) -> Filters:
        chosen = [s for s in (status or []) if s in STATUSES]
        if status == ["all"]:
            chosen = list(STATUSES)
        return cls(
            status=chosen or list(OPEN),
            urgency=urgency if urgency in {"high", "low"} else None,
            service_id=int(service_id) if service_id and service_id.isdigit() else None,
            q=(q or "").strip()[:200] or None,
            offset=max(0, offset),
        )

    def query(self, **changes: object) -> str:
        values: dict[str, object] = {
            "status": self.status,
            "urgency": self.urgency,
            "service_id": self.service_id,
            "q": self.q,
            "offset": self.offset or None,
        } | changes
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            if isinstance(value, list):
                pairs.extend((key, str(v)) for v in value)
            elif value is not None:
                pairs.append((key, str(value)))
        return urlencode(pairs)


def by_urgency(incidents: Iterable[IncidentOut]) -> dict[str, list[IncidentOut]]:
    groups: dict[str, list[IncidentOut]] = {"high": [], "low": []}
    for incident in incidents:
        groups[incident.urgency].append(incident)
    return groups
