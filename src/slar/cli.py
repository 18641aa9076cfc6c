"""The ``slar`` command: one image, the role chosen by the sub-command."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from slar.settings import Settings, SettingsError, load_settings

log = logging.getLogger("slar.cli")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(f"slar: {exc}", err=True)
        sys.exit(2)


def _workers(settings: Settings, option: int | None) -> int:
    """HTTP worker processes: ``--workers``, else ``SLAR_WORKERS``, else a default.

    On SQLite one (a single writer: more processes only queue on the database lock). On
    PostgreSQL one process uses at most one core (the GIL) and idles while it waits for the
    database, so it takes more processes than cores to use them all: two per core, at most
    eight (measured in ``bench/README.md``: on 2 cores 3-4 processes beat 1-2).
    """
    if option is not None:
        return option
    if "workers" in settings.http.model_fields_set or settings.database.is_sqlite:
        return settings.http.workers
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def _run_uvicorn(app_factory: str, settings: Settings, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.http.host,
        port=port,
        workers=workers,
        # uvicorn[standard]'s C HTTP parser and event loop ("auto" picks them too, but
        # falls back silently when they are missing).
        http="httptools",
        loop="uvloop",
        # Our middleware logs each request once; uvicorn's access log would cost a call per
        # request even when filtered out.
        access_log=False,
        backlog=2048,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips="*",
    )


@click.group()
@click.version_option(package_name="slar")
def main() -> None:
    """SLAR: on-call and incident response."""


@main.command()
def migrate() -> None:
    """Apply database migrations (DATABASE_URL)."""
    from slar import bootstrap
    from slar.observability.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log.level, settings.log.format)
    bootstrap.migrate(settings)
    click.echo("database is at the latest migration")


def _prepare(settings: Settings) -> None:
    from slar import bootstrap
    from slar.kernel.clock import SystemClock
    from slar.observability.logs import configure_logging

    configure_logging(settings.log.level, settings.log.format)
    bootstrap.migrate(settings)
    db = bootstrap.build_database(settings)
    admin = bootstrap.ensure_first_admin(db, SystemClock())
    db.dispose()
    if admin is not None:
        click.echo("")
        click.echo("  First admin created. Sign in with:")
        click.echo(f"    email:    {admin.email}")
        click.echo(f"    password: {admin.password}")
        click.echo("  (shown once; change it or create more users with `slar createuser`)")
        click.echo("")


@main.command()
@click.option("--port", type=int, default=None, help="Port (default PORT or 8000).")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="HTTP worker processes (SLAR_WORKERS; default 1 on SQLite, 2 per CPU on PostgreSQL).",
)
def serve(port: int | None, workers: int | None) -> None:
    """Run the whole platform in one process (SQLite by default)."""
    settings = _settings()
    _prepare(settings)
    port = port or settings.http.port or 8000
    click.echo(f"SLAR is serving on http://{_display_host(settings)}:{port}")
    _run_uvicorn("slar.entrypoints:serve_app", settings, port, _workers(settings, workers))


@main.command()
@click.option("--port", type=int, default=None, help="Port (default PORT or 8080).")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="HTTP worker processes (SLAR_WORKERS; default 1 on SQLite, 2 per CPU on PostgreSQL).",
)
@click.option("--migrate/--no-migrate", "run_migrations", default=False, help="Migrate first.")
def api(port: int | None, workers: int | None, run_migrations: bool) -> None:
    """Run the REST API service."""
    settings = _settings()
    from slar.observability.logs import configure_logging

    configure_logging(settings.log.level, settings.log.format)
    if run_migrations:
        from slar import bootstrap

        bootstrap.migrate(settings)
    port = port or settings.http.port or 8080
    _run_uvicorn("slar.entrypoints:api_app", settings, port, _workers(settings, workers))


@main.command()
@click.option("--port", type=int, default=None, help="Port (default PORT or 3000).")
@click.option("--workers", type=int, default=None, help="HTTP worker processes (SLAR_WORKERS).")
def web(port: int | None, workers: int | None) -> None:
    """Run the web UI (calls the API at API_BASE_URL with each user's token)."""
    from slar.web.app import WebConfigError, session_secret

    settings = _settings()
    try:
        session_secret(settings)
    except WebConfigError as exc:
        click.echo(f"slar: {exc}", err=True)
        sys.exit(2)
    port = port or settings.http.port or 3000
    _run_uvicorn("slar.entrypoints:web_app", settings, port, workers or settings.http.workers)


@main.command("ai")
@click.option("--port", type=int, default=None, help="Port (default PORT or 8002).")
@click.option("--workers", type=int, default=None, help="HTTP worker processes (SLAR_WORKERS).")
def ai_command(port: int | None, workers: int | None) -> None:
    """Run the AI assistant (REST + /ws/chat; calls the API at API_BASE_URL)."""
    from slar.ai.providers import NOT_CONFIGURED

    settings = _settings()
    if settings.ai.active_provider is None:
        click.echo(f"slar: warning: {NOT_CONFIGURED}", err=True)
    port = port or settings.http.port or 8002
    _run_uvicorn("slar.entrypoints:ai_app", settings, port, workers or settings.http.workers)


@main.command()
@click.option("--once", is_flag=True, help="Run the jobs and ticks due now, then exit (cron).")
@click.option(
    "--check",
    is_flag=True,
    help="Liveness probe: exit 0 if the running worker's heartbeat is fresh, else 1.",
)
@click.option(
    "--max-age",
    type=click.FloatRange(min=1),
    default=None,
    help="With --check: seconds a heartbeat stays fresh (default from the lease and poll).",
)
def worker(once: bool, check: bool, max_age: float | None) -> None:
    """Run background jobs and periodic ticks (DATABASE_URL, POLL_INTERVAL, BATCH_SIZE)."""
    from pathlib import Path

    from slar.worker.main import Heartbeat, check_heartbeat, run_process

    settings = _settings()
    heartbeat_file = Path(settings.worker.heartbeat_file)
    if check:
        alive, message = check_heartbeat(
            heartbeat_file, max_age or settings.worker.heartbeat_max_age
        )
        click.echo(message, err=not alive)
        sys.exit(0 if alive else 1)

    from slar import bootstrap
    from slar.kernel.clock import SystemClock
    from slar.observability.logs import configure_logging

    configure_logging(settings.log.level, settings.log.format)
    heartbeat = Heartbeat(heartbeat_file)
    try:
        runners = bootstrap.build_workers(
            settings,
            SystemClock(),
            bootstrap.job_handlers(settings),
            bootstrap.periodic_ticks(settings),
            on_progress=heartbeat.beat,
        )
    except ValueError as exc:
        click.echo(f"slar: {exc}", err=True)
        sys.exit(2)
    result = run_process(runners, heartbeat=heartbeat, once=once)
    runners[0].db.dispose()
    if result is not None:
        click.echo(f"ran {result.claimed} job(s)")


@main.command()
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["admin", "responder", "observer"]), default="responder")
@click.password_option()
def createuser(email: str, name: str, role: str, password: str) -> None:
    """Create a user (run ``slar migrate`` first)."""
    from slar import bootstrap
    from slar.domain.identity.service import create_user_unchecked
    from slar.kernel.clock import SystemClock
    from slar.kernel.errors import SlarError

    settings = _settings()
    db = bootstrap.build_database(settings)
    try:
        with db.transaction() as session:
            user = create_user_unchecked(
                session,
                email=email,
                name=name,
                password=password,
                role=role,
                now=SystemClock().now(),
            )
            click.echo(f"created {user.role} {user.email} (id {user.id})")
    except SlarError as exc:
        click.echo(f"slar: {exc.message}", err=True)
        sys.exit(1)
    finally:
        db.dispose()


@main.group()
def runbooks() -> None:
    """Manage runbooks (markdown documents the assistant and responders search)."""


@runbooks.command("import")
@click.argument(
    "directory", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
@click.option("--service", "service_ids", type=int, multiple=True, help="Link to service ID.")
@click.option("--team", "team_id", type=int, default=None, help="Owning team ID.")
def import_runbooks(directory: Path, service_ids: tuple[int, ...], team_id: int | None) -> None:
    """Import every DIRECTORY/*.md file as a runbook, in one transaction.

    The title is the first '# ' heading, else the file name; a runbook with that title is
    updated instead of duplicated. Run ``slar migrate`` first.
    """
    from slar import bootstrap
    from slar.domain.runbooks.schemas import RunbookFileIn
    from slar.domain.runbooks.service import Author, import_runbooks_unchecked
    from slar.kernel.clock import SystemClock
    from slar.kernel.errors import SlarError

    paths = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".md")
    if not paths:
        click.echo(f"slar: no .md files in {directory}", err=True)
        sys.exit(1)
    try:
        files = [RunbookFileIn(filename=p.name, content=p.read_text("utf-8")) for p in paths]
    except (UnicodeDecodeError, ValueError) as exc:
        click.echo(f"slar: cannot read the runbooks: {exc}", err=True)
        sys.exit(1)
    settings = _settings()
    db = bootstrap.build_database(settings)
    try:
        with db.transaction() as session:
            result = import_runbooks_unchecked(
                session,
                files=files,
                service_ids=service_ids,
                team_id=team_id,
                author=Author(label="slar runbooks import"),
                now=SystemClock().now(),
            )
    except SlarError as exc:
        click.echo(f"slar: {exc.message}", err=True)
        sys.exit(1)
    finally:
        db.dispose()
    for runbook in result.runbooks:
        click.echo(f"  {runbook.id:>5}  {runbook.title}")
    click.echo(f"imported {len(paths)} file(s): {result.created} created, {result.updated} updated")


@main.command()
def demo() -> None:
    """Load a small realistic demo (two teams, services, integrations, incidents)."""
    from slar import bootstrap
    from slar.demo import load_demo
    from slar.kernel.clock import SystemClock
    from slar.kernel.errors import SlarError
    from slar.observability.logs import configure_logging

    settings = _settings()
    configure_logging("WARNING", settings.log.format)
    bootstrap.migrate(settings)
    db = bootstrap.build_database(settings)
    try:
        summary = load_demo(db, SystemClock())
    except SlarError as exc:
        click.echo(f"slar: {exc.message}", err=True)
        sys.exit(1)
    finally:
        db.dispose()
    click.echo(summary)


def _display_host(settings: Settings) -> str:
    return "localhost" if settings.http.host in ("127.0.0.1", "0.0.0.0") else settings.http.host  # noqa: S104


def run(*args: Any) -> None:  # pragma: no cover - convenience for python -m
    main(*args)
