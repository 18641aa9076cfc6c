"""Runbook tables.

The full-text index is not a mapped table: on SQLite it is the FTS5 table ``runbooks_fts``
(external content over ``runbooks``, kept in sync by triggers), on PostgreSQL the generated
``tsvector`` column ``runbooks.search_vector`` with a GIN index. Both are created by raw DDL in
migration 0003 and named in ``SEARCH_OBJECTS`` so that schema comparison skips them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from slar.db import Base, UTCDateTime
from slar.domain.catalog import models as _catalog  # noqa: F401 - FK target table
from slar.domain.identity import models as _identity  # noqa: F401 - FK target table

FTS_TABLE = "runbooks_fts"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_runbooks_search_vector"


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a reflected schema object is part of the raw-DDL full-text index (the FTS5
    table and its shadow tables, the generated column and its index), which has no model."""
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == SEARCH_COLUMN
    if type_ == "index":
        return name == SEARCH_INDEX
    return False


class Runbook(Base):
    """A markdown document; its title is unique so re-importing a folder updates in place."""

    __tablename__ = "runbooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(255), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    links: Mapped[list[RunbookService]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="RunbookService.service_id"
    )

    @property
    def service_ids(self) -> list[int]:
        return [link.service_id for link in self.links]


class RunbookService(Base):
    """A runbook applies to a service (many-to-many); deleting either side drops the link."""

    __tablename__ = "runbook_services"

    runbook_id: Mapped[int] = mapped_column(
        ForeignKey("runbooks.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True, index=True
    )
