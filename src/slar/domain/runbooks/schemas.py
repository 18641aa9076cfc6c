"""Runbook request and response shapes (pydantic; shared by the API and the typed client)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from slar.domain.runbooks.rules import BODY_MAX_BYTES, IMPORT_MAX_FILES, TITLE_MAX

MAX_SERVICE_LINKS = 100


class RunbookIn(BaseModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = Field("", max_length=BODY_MAX_BYTES, description="markdown, at most 200 KiB")
    service_ids: list[int] = Field(default_factory=list, max_length=MAX_SERVICE_LINKS)
    team_id: int | None = None


class RunbookUpdate(BaseModel):
    """Fields left out stay as they are; ``team_id`` may be set to ``null`` explicitly (the
    runbook is then writable by every responder). ``service_ids`` replaces the links."""

    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    body: str | None = Field(None, max_length=BODY_MAX_BYTES)
    service_ids: list[int] | None = Field(None, max_length=MAX_SERVICE_LINKS)
    team_id: int | None = None


class RunbookOut(BaseModel):
    id: int
    title: str
    body: str
    service_ids: list[int]
    team_id: int | None
    created_at: datetime
    updated_at: datetime
    updated_by: str


class RunbookHit(BaseModel):
    """A search result: ``passage`` is the best-matching excerpt of the body with the matched
    words in ``**bold**``; ``rank`` is higher for better matches (comparable within one
    search only)."""

    runbook_id: int
    title: str
    passage: str
    rank: float
    service_ids: list[int]


class RunbookFileIn(BaseModel):
    filename: str = Field(min_length=1, max_length=1000)
    content: str = Field(max_length=BODY_MAX_BYTES)


class RunbookImportIn(BaseModel):
    """A folder of markdown files: each becomes a runbook titled by its first ``# `` heading
    (else its file name); a title that exists already is updated, not duplicated."""

    files: list[RunbookFileIn] = Field(min_length=1, max_length=IMPORT_MAX_FILES)
    service_ids: list[int] = Field(default_factory=list, max_length=MAX_SERVICE_LINKS)
    team_id: int | None = None


class RunbookImportOut(BaseModel):
    created: int
    updated: int
    runbooks: list[RunbookOut]
