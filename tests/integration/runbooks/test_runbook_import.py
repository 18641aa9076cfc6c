"""Importing a folder of markdown files (service and ``slar runbooks import``), and who may
write runbooks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import TEST_SECRET
from tests.integration.runbooks.conftest import World

from slar.cli import main
from slar.domain.runbooks import service
from slar.domain.runbooks.schemas import RunbookFileIn, RunbookImportOut, RunbookUpdate
from slar.kernel.errors import Conflict, InvalidInput, PermissionDenied


def _import(world: World, files: dict[str, str], **kwargs: object) -> RunbookImportOut:
    with world.db.transaction() as session:
        return service.import_runbooks(
            session,
            files=[RunbookFileIn(filename=n, content=c) for n, c in files.items()],
            principal=kwargs.pop("principal", world.alice),  # type: ignore[arg-type]
            now=world.clock.now(),
            **kwargs,  # type: ignore[arg-type]
        )


def test_import_then_reimport_updates_in_place(world: World) -> None:
    first = _import(
        world,
        {"disk.md": "# Disk full\n\nextend the volume", "restart-api.md": "no heading here"},
        service_ids=[world.service_id],
    )
    assert (first.created, first.updated) == (2, 0)
    assert [r.title for r in first.runbooks] == ["Disk full", "restart-api"]
    assert all(r.service_ids == [world.service_id] for r in first.runbooks)
    assert first.runbooks[0].updated_by == "Alice"

    world.clock.advance(timedelta(minutes=5))
    again = _import(
        world,
        {"disk-full.md": "# Disk full\n\nvacuum first", "new.md": "# Brand new"},
        service_ids=[world.other_service_id],
    )
    assert (again.created, again.updated) == (1, 1)
    disk = again.runbooks[0]
    assert disk.id == first.runbooks[0].id
    assert disk.body.endswith("vacuum first")
    assert disk.service_ids == sorted([world.service_id, world.other_service_id])  # added
    assert disk.updated_at > disk.created_at
    with world.db.read() as session:
        assert len(service.list_runbooks(session, principal=world.olive)) == 3
        hits = service.search_runbooks(session, q="vacuum", principal=world.olive)
        assert [h.runbook_id for h in hits] == [disk.id]


def test_a_bad_file_is_named_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(InvalidInput) as duplicate:
        _import(world, {"a.md": "# Same", "b.md": "# Same"})
    assert duplicate.value.code == "runbook.duplicate_title"
    assert "b.md" in duplicate.value.message
    with pytest.raises(InvalidInput) as binary:
        _import(world, {"ok.md": "# Fine", "blob.md": "\x00\x01"})
    assert "blob.md" in binary.value.message
    with pytest.raises(InvalidInput) as unknown:
        _import(world, {"ok.md": "# Fine"}, service_ids=[999_999])
    assert unknown.value.code == "runbook.unknown_service"
    with world.db.read() as session:
        assert service.list_runbooks(session, principal=world.olive) == []


def test_team_runbooks_are_written_by_their_team(world: World) -> None:
    with world.db.transaction() as session:
        owned = service.create_runbook(
            session,
            title="Payments failover",
            body="...",
            team_id=world.team_id,
            principal=world.alice,
            now=world.clock.now(),
        )
    for who, code in [(world.carol, "auth.not_team_member"), (world.olive, "auth.read_only")]:
        with world.db.transaction() as session, pytest.raises(PermissionDenied) as refused:
            service.update_runbook(
                session,
                runbook_id=owned.id,
                patch=RunbookUpdate(body="mine now"),
                principal=who,
                now=world.clock.now(),
            )
        assert refused.value.code == code
    with pytest.raises(PermissionDenied):  # re-import touches the team's runbook
        _import(world, {"x.md": "# Payments failover"}, principal=world.carol)
    with world.db.transaction() as session, pytest.raises(Conflict) as taken:
        service.create_runbook(
            session, title="Payments failover", principal=world.admin, now=world.clock.now()
        )
    assert taken.value.code == "runbook.title_taken"


def test_cli_imports_a_folder_in_one_transaction(
    world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "disk.md").write_text("# Disk full\n\nextend the volume\n")
    (folder / "dns.md").write_text("Flush the resolver cache.\n")
    (folder / "notes.txt").write_text("not a runbook")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLAR_SECRET_KEY", TEST_SECRET)
    runner = CliRunner()
    args = ["runbooks", "import", str(folder), "--service", str(world.service_id)]
    result = runner.invoke(main, [*args, "--team", str(world.team_id)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.output
    (folder / "dns.md").write_text("Restart the resolver.\n")
    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "0 created, 2 updated" in again.output
    with world.db.read() as session:
        runbooks = service.list_runbooks(session, principal=world.olive)
    assert [(r.title, r.team_id, r.service_ids) for r in runbooks] == [
        ("Disk full", world.team_id, [world.service_id]),
        ("dns", world.team_id, [world.service_id]),
    ]
    assert runbooks[1].body == "Restart the resolver.\n"
    assert runbooks[1].updated_by == "slar runbooks import"

    bad = runner.invoke(main, ["runbooks", "import", str(folder), "--team", "999999"])
    assert bad.exit_code == 1 and "team 999999 does not exist" in bad.output
