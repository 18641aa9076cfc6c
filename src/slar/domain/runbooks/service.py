"""Runbook use cases: CRUD, search and folder import.

Every principal reads runbooks (the assistant reads them with the user's token). Writing needs
the responder or admin role; a runbook owned by a team is written only by that team's writers
(and admins), as for the catalog (``require_team_write``). An unowned runbook is written by any
responder. Functions check permission, change state, flush, and never commit.

Decisions a reader might question:

* Titles are unique across runbooks (like service names): importing a folder twice updates the
  documents in place, and "the *Database failover* runbook" means one thing.
* An import applies its ``service_ids`` as links *added* to existing runbooks (never removed)
  and its ``team_id`` only when given, so re-importing a folder without options does not undo
  links set by hand.
* Search with ``service_id`` keeps only runbooks linked to that service (a filter, as on the
  list), best matches first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slar.domain.identity.rules import Principal, require_team_write, require_writer
from slar.domain.runbooks import repository as repo
from slar.domain.runbooks import rules
from slar.domain.runbooks.models import Runbook, RunbookService
from slar.domain.runbooks.schemas import (
    RunbookFileIn,
    RunbookHit,
    RunbookImportOut,
    RunbookOut,
    RunbookUpdate,
)
from slar.domain.runbooks.search import search
from slar.kernel.errors import Conflict, InvalidInput, NotFound

LIST_QUERY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a runbook: a user, or an operator at the command line (no user)."""

    label: str
    user_id: int | None = None


def author_of(principal: Principal) -> Author:
    label = principal.display
    if principal.via:
        label = f"{label} (via {principal.via})"
    return Author(label=label, user_id=principal.user_id)


def runbook_out(runbook: Runbook) -> RunbookOut:
    return RunbookOut(
        id=runbook.id,
        title=runbook.title,
        body=runbook.body,
        service_ids=runbook.service_ids,
        team_id=runbook.team_id,
        created_at=runbook.created_at,
        updated_at=runbook.updated_at,
        updated_by=runbook.updated_by,
    )


def _runbook(session: Session, runbook_id: int) -> Runbook:
    runbook = repo.runbook_by_id(session, runbook_id)
    if runbook is None:
        raise NotFound(
            f"runbook {runbook_id} not found", code="runbook.not_found", runbook_id=runbook_id
        )
    return runbook


def _require_write(principal: Principal, team_id: int | None) -> None:
    if team_id is None:
        require_writer(principal)
    else:
        require_team_write(principal, team_id)


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and not repo.team_exists(session, team_id):
        raise InvalidInput(
            f"team {team_id} does not exist", code="runbook.unknown_team", field="team_id"
        )


def _check_services(session: Session, service_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(service_ids))
    missing = sorted(set(wanted) - repo.existing_service_ids(session, wanted))
    if missing:
        raise InvalidInput(
            f"services {missing} do not exist",
            code="runbook.unknown_service",
            field="service_ids",
            service_ids=missing,
        )
    return wanted


def _set_links(runbook: Runbook, service_ids: Sequence[int], *, keep_others: bool) -> None:
    """Link ``service_ids``; unless ``keep_others``, unlink the rest. Existing links stay
    as rows (replacing them would insert before delete and trip the primary key)."""
    wanted = set(service_ids)
    if not keep_others:
        for link in [link for link in runbook.links if link.service_id not in wanted]:
            runbook.links.remove(link)
    present = {link.service_id for link in runbook.links}
    for service_id in sorted(wanted - present):
        runbook.links.append(RunbookService(service_id=service_id))


def _title_taken(title: str) -> Conflict:
    return Conflict(f"a runbook titled {title!r} already exists", code="runbook.title_taken")


def _flush(session: Session, title: str) -> None:
    """Flush, turning a lost race on the unique title into the same 409 as the early check."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _title_taken(title) from None


def _touch(runbook: Runbook, author: Author, now: datetime) -> None:
    runbook.updated_at = now
    runbook.updated_by = author.label
    runbook.updated_by_id = author.user_id


# --- reads ---------------------------------------------------------------------------------


def list_runbooks(
    session: Session,
    *,
    principal: Principal,
    service_id: int | None = None,
    q: str | None = None,
) -> list[RunbookOut]:
    """Runbooks by title; with ``q`` only those matching it, best first."""
    if q is not None and q.strip():
        hits = search(session, query=q, service_id=service_id, limit=LIST_QUERY_LIMIT)
        found = repo.runbooks_by_ids(session, [hit.runbook_id for hit in hits])
        return [runbook_out(found[h.runbook_id]) for h in hits if h.runbook_id in found]
    return [runbook_out(r) for r in repo.list_runbooks(session, service_id=service_id)]


def get_runbook(session: Session, *, runbook_id: int, principal: Principal) -> RunbookOut:
    return runbook_out(_runbook(session, runbook_id))


def search_runbooks(
    session: Session,
    *,
    q: str,
    principal: Principal,
    service_id: int | None = None,
    limit: int = 5,
) -> list[RunbookHit]:
    """Runbooks matching ``q`` (web-search syntax), best first, with the matching passage."""
    if not 1 <= limit <= rules.SEARCH_LIMIT_MAX:
        raise InvalidInput(
            f"limit must be between 1 and {rules.SEARCH_LIMIT_MAX}, got {limit}",
            code="runbook.invalid_limit",
            field="limit",
        )
    rows = search(session, query=q, service_id=service_id, limit=limit)
    links = repo.links_of(session, [row.runbook_id for row in rows])
    return [
        RunbookHit(
            runbook_id=row.runbook_id,
            title=row.title,
            passage=row.passage,
            rank=row.rank,
            service_ids=links.get(row.runbook_id, []),
        )
        for row in rows
    ]


# --- writes --------------------------------------------------------------------------------


def create_runbook(
    session: Session,
    *,
    title: str,
    body: str = "",
    service_ids: Sequence[int] = (),
    team_id: int | None = None,
    principal: Principal,
    now: datetime,
) -> RunbookOut:
    _require_write(principal, team_id)
    title = rules.clean_title(title)
    body = rules.check_body(body)
    _check_team(session, team_id)
    linked = _check_services(session, service_ids)
    if repo.runbook_by_title(session, title) is not None:
        raise _title_taken(title)
    runbook = Runbook(title=title, body=body, team_id=team_id, created_at=now)
    _touch(runbook, author_of(principal), now)
    _set_links(runbook, linked, keep_others=False)
    session.add(runbook)
    _flush(session, title)
    return runbook_out(runbook)


def update_runbook(
    session: Session, *, runbook_id: int, patch: RunbookUpdate, principal: Principal, now: datetime
) -> RunbookOut:
    """Change the fields present in ``patch``; moving to another team needs write access to
    both teams."""
    runbook = _runbook(session, runbook_id)
    _require_write(principal, runbook.team_id)
    given = patch.model_fields_set
    if "team_id" in given and patch.team_id != runbook.team_id:
        _require_write(principal, patch.team_id)
        _check_team(session, patch.team_id)
        runbook.team_id = patch.team_id
    if patch.title is not None:
        title = rules.clean_title(patch.title)
        if title != runbook.title:
            if repo.runbook_by_title(session, title) is not None:
                raise _title_taken(title)
            runbook.title = title
    if patch.body is not None:
        runbook.body = rules.check_body(patch.body)
    if patch.service_ids is not None:
        _set_links(runbook, _check_services(session, patch.service_ids), keep_others=False)
    _touch(runbook, author_of(principal), now)
    _flush(session, runbook.title)
    return runbook_out(runbook)


def delete_runbook(session: Session, *, runbook_id: int, principal: Principal) -> None:
    runbook = _runbook(session, runbook_id)
    _require_write(principal, runbook.team_id)
    session.delete(runbook)
    session.flush()


# --- import --------------------------------------------------------------------------------


def import_runbooks(
    session: Session,
    *,
    files: Sequence[RunbookFileIn],
    service_ids: Sequence[int] = (),
    team_id: int | None = None,
    principal: Principal,
    now: datetime,
) -> RunbookImportOut:
    """Import markdown files for a user: each needs write access to what it creates or
    updates (see ``import_runbooks_unchecked``)."""
    require_writer(principal)
    return _import(
        session,
        files=files,
        service_ids=service_ids,
        team_id=team_id,
        author=author_of(principal),
        principal=principal,
        now=now,
    )


def import_runbooks_unchecked(
    session: Session,
    *,
    files: Sequence[RunbookFileIn],
    service_ids: Sequence[int] = (),
    team_id: int | None = None,
    author: Author,
    now: datetime,
) -> RunbookImportOut:
    """Import without a permission check: for the operator's ``slar runbooks import``, who
    holds the database credentials anyway (like ``slar createuser``)."""
    return _import(
        session,
        files=files,
        service_ids=service_ids,
        team_id=team_id,
        author=author,
        principal=None,
        now=now,
    )


def _titles(files: Sequence[RunbookFileIn]) -> list[tuple[str, str]]:
    """(title, body) per file, refusing bad files and two files with one title by index."""
    parsed: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, file in enumerate(files):
        raw = rules.title_from_markdown(file.filename, file.content)
        title = rules.clean_title(raw, field=f"files[{i}].title ({file.filename})")
        body = rules.check_body(file.content, field=f"files[{i}].content ({file.filename})")
        if title in seen:
            raise InvalidInput(
                f"files[{i}] ({file.filename}) and files[{seen[title]}] are both titled "
                f"{title!r}; a title names one runbook",
                code="runbook.duplicate_title",
                field=f"files[{i}]",
            )
        seen[title] = i
        parsed.append((title, body))
    return parsed


def _import(
    session: Session,
    *,
    files: Sequence[RunbookFileIn],
    service_ids: Sequence[int],
    team_id: int | None,
    author: Author,
    principal: Principal | None,
    now: datetime,
) -> RunbookImportOut:
    if len(files) > rules.IMPORT_MAX_FILES:
        raise InvalidInput(
            f"at most {rules.IMPORT_MAX_FILES} files per import",
            code="runbook.too_many_files",
            field="files",
        )
    parsed = _titles(files)
    _check_team(session, team_id)
    linked = _check_services(session, service_ids)
    existing = repo.runbooks_by_titles(session, [title for title, _ in parsed])
    created = updated = 0
    results: list[Runbook] = []
    for title, body in parsed:
        runbook = existing.get(title)
        if runbook is None:
            if principal is not None:
                _require_write(principal, team_id)
            runbook = Runbook(title=title, body=body, team_id=team_id, created_at=now)
            session.add(runbook)
            created += 1
        else:
            if principal is not None:
                _require_write(principal, runbook.team_id)
                if team_id is not None:
                    _require_write(principal, team_id)
            runbook.body = body
            if team_id is not None:
                runbook.team_id = team_id
            updated += 1
        _set_links(runbook, linked, keep_others=True)
        _touch(runbook, author, now)
        _flush(session, title)
        results.append(runbook)
    return RunbookImportOut(
        created=created, updated=updated, runbooks=[runbook_out(r) for r in results]
    )
