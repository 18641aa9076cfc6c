"""Page routes, one module per area. Handlers are thin: read the form, call the API, render."""

from __future__ import annotations

from types import ModuleType

from slar.web.routes import (
    admin,
    auth,
    chat,
    dashboard,
    escalation,
    incidents,
    monitors,
    people,
    profile,
    runbooks,
    schedules,
    services,
)

ALL: tuple[ModuleType, ...] = (
    auth,
    dashboard,
    incidents,
    services,
    schedules,
    escalation,
    people,
    profile,
    admin,
)
OPTIONAL: dict[str, ModuleType] = {"monitors": monitors, "runbooks": runbooks, "ai": chat}
"""Areas shown only when the API build has their calls (see ``slar.web.app.features``)."""
