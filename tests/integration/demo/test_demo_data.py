"""``slar demo`` loads a realistic data set through the real use cases, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from slar.bootstrap import ensure_first_admin
from slar.db import Database
from slar.demo import load_demo
from slar.domain.alerts.models import Alert
from slar.domain.incidents.models import Incident
from slar.kernel.clock import FakeClock
from slar.kernel.errors import Conflict


def test_demo_loads_teams_services_and_incidents_once(db: Database, clock: FakeClock) -> None:
    with pytest.raises(Conflict):
        load_demo(db, clock)  # no admin yet
    assert ensure_first_admin(db, clock) is not None

    summary = load_demo(db, clock)
    assert "carol@demo.slar.local" in summary
    with db.read() as session:
        statuses = sorted(session.scalars(select(Incident.status)))
        alerts = session.scalar(select(func.count()).select_from(Alert))
        grouped = session.scalar(
            select(Incident.alert_count).where(Incident.title.icontains("crash looping"))
        )
    assert statuses == ["acknowledged", "resolved", "triggered", "triggered"]
    assert alerts == 5  # two Alertmanager alerts in one group, then one per other sender
    assert grouped == 2
    with db.read() as session:
        snapshots = list(session.scalars(select(Incident.escalation_policy_snapshot)))
    # every demo service pages through its team's policy: schedule first, then the team
    assert all(s is not None and len(s["levels"]) == 2 for s in snapshots)

    with pytest.raises(Conflict):
        load_demo(db, clock)
