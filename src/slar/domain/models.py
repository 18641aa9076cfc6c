"""Every context's tables, imported in one place so the metadata is complete (Alembic, tests)."""

from slar.db import Base
from slar.domain.alerts import models as alerts_models
from slar.domain.catalog import models as catalog_models
from slar.domain.escalation import models as escalation_models
from slar.domain.identity import models as identity_models
from slar.domain.incidents import models as incidents_models
from slar.domain.notifications import models as notifications_models
from slar.domain.schedules import models as schedules_models
from slar.jobs import models as jobs_models

metadata = Base.metadata

__all__ = [
    "alerts_models",
    "catalog_models",
    "escalation_models",
    "identity_models",
    "incidents_models",
    "jobs_models",
    "metadata",
    "notifications_models",
    "schedules_models",
]
