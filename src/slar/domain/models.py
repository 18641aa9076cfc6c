"""Every context's tables, imported in one place so the metadata is complete (Alembic, tests)."""

from slar.db import Base
from slar.domain.alerts import models as alerts_models
from slar.domain.assistant import models as assistant_models
from slar.domain.catalog import models as catalog_models
from slar.domain.escalation import models as escalation_models
from slar.domain.identity import models as identity_models
from slar.domain.incidents import models as incidents_models
from slar.domain.monitors import models as monitors_models
from slar.domain.notifications import models as notifications_models
from slar.domain.runbooks import models as runbooks_models
from slar.domain.schedules import models as schedules_models
from slar.jobs import models as jobs_models

metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether schema comparison (Alembic autogenerate, the migration test) looks at a
    reflected object: raw-DDL objects without a model (runbook full-text search) are skipped."""
    return not runbooks_models.is_search_object(name, type_)


__all__ = [
    "alerts_models",
    "assistant_models",
    "catalog_models",
    "escalation_models",
    "identity_models",
    "incidents_models",
    "include_name",
    "jobs_models",
    "metadata",
    "monitors_models",
    "notifications_models",
    "runbooks_models",
    "schedules_models",
]
