"""Runbook queries (CRUD). Full-text search is in ``search.py``."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from slar.domain.catalog.models import Service
from slar.domain.identity.models import Team
from slar.domain.runbooks.models import Runbook, RunbookService


def runbook_by_id(session: Session, runbook_id: int) -> Runbook | None:
    return session.get(Runbook, runbook_id)


def runbook_by_title(session: Session, title: str) -> Runbook | None:
    return session.scalar(select(Runbook).where(Runbook.title == title))


def runbooks_by_titles(session: Session, titles: Collection[str]) -> dict[str, Runbook]:
    if not titles:
        return {}
    stmt = select(Runbook).where(Runbook.title.in_(list(titles)))
    return {r.title: r for r in session.scalars(stmt)}


def list_runbooks(session: Session, *, service_id: int | None) -> list[Runbook]:
    """Runbooks by title (case-insensitive); ``service_id`` keeps those linked to it."""
    stmt = select(Runbook)
    if service_id is not None:
        stmt = stmt.where(
            exists().where(
                RunbookService.runbook_id == Runbook.id, RunbookService.service_id == service_id
            )
        )
    return list(session.scalars(stmt.order_by(func.lower(Runbook.title), Runbook.id)))


def existing_service_ids(session: Session, service_ids: Collection[int]) -> set[int]:
    if not service_ids:
        return set()
    return set(session.scalars(select(Service.id).where(Service.id.in_(list(service_ids)))))


def team_exists(session: Session, team_id: int) -> bool:
    return session.get(Team, team_id) is not None


def links_of(session: Session, runbook_ids: Collection[int]) -> dict[int, list[int]]:
    """Linked service ids per runbook (without loading the bodies)."""
    links: dict[int, list[int]] = {i: [] for i in runbook_ids}
    if not links:
        return links
    stmt = (
        select(RunbookService.runbook_id, RunbookService.service_id)
        .where(RunbookService.runbook_id.in_(list(links)))
        .order_by(RunbookService.runbook_id, RunbookService.service_id)
    )
    for runbook_id, service_id in session.execute(stmt):
        links[runbook_id].append(service_id)
    return links


def runbooks_by_ids(session: Session, runbook_ids: Collection[int]) -> dict[int, Runbook]:
    if not runbook_ids:
        return {}
    stmt = select(Runbook).where(Runbook.id.in_(list(runbook_ids)))
    return {r.id: r for r in session.scalars(stmt)}
