"""Composition root: the only place that builds settings, engine and adapters and wires them."""

from __future__ import annotations

import importlib
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from slar import channels, probes
from slar.api.state import ApiState
from slar.db import Database, create_database
from slar.domain.escalation import engine as escalation_engine
from slar.domain.identity import service as identity_service
from slar.domain.identity.auth import AuthConfig, resolve_signing_key
from slar.domain.incidents import jobs as incident_jobs
from slar.domain.monitors import jobs as monitor_jobs
from slar.domain.monitors import sweeps as monitor_sweeps
from slar.domain.monitors.guard import policy_from_settings
from slar.domain.monitors.ports import Prober
from slar.domain.notifications import handoff
from slar.domain.notifications import jobs as notification_jobs
from slar.domain.notifications.ports import Senders
from slar.jobs.handlers import Handler, HandlerRegistry
from slar.jobs.runner import Runner, RunnerConfig
from slar.jobs.ticks import Tick
from slar.jobs.wakeup import wakeup_for
from slar.kernel.clock import Clock, SystemClock
from slar.migrations import upgrade_to_head
from slar.settings import Settings

log = logging.getLogger("slar.bootstrap")


def build_database(settings: Settings) -> Database:
    return create_database(
        settings.database.url,
        pool_size=settings.database.pool_size,
        pool_timeout=settings.database.pool_timeout,
        echo=settings.database.echo,
    )


def build_api_state(
    settings: Settings, *, db: Database | None = None, clock: Clock | None = None
) -> ApiState:
    """Everything the API needs; resolves the token signing key once."""
    db = db or build_database(settings)
    clock = clock or SystemClock()
    with db.transaction() as session:
        key = resolve_signing_key(session, configured=settings.auth.secret_key, now=clock.now())
    config = AuthConfig(
        signing_key=key,
        access_token_ttl=settings.auth.access_token_ttl,
        refresh_token_ttl=settings.auth.refresh_token_ttl,
        supabase_jwt_secret=settings.auth.supabase_jwt_secret,
        supabase_default_role=settings.auth.supabase_default_role,
    )
    return ApiState(settings=settings, db=db, clock=clock, auth=config)


def migrate(settings: Settings) -> None:
    upgrade_to_head(settings.database.url)


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    password: str


def ensure_first_admin(
    db: Database, clock: Clock, email: str = "admin@slar.local"
) -> FirstAdmin | None:
    """Create an admin with a random password when the deployment has no user at all."""
    password = secrets.token_urlsafe(12)
    with db.transaction() as session:
        created = identity_service.create_first_admin(
            session, email=email, name="Administrator", password=password, now=clock.now()
        )
    return FirstAdmin(email=email, password=password) if created else None


# --- the worker ------------------------------------------------------------------------------


def job_handlers(
    settings: Settings, *, senders: Senders | None = None, prober: Prober | None = None
) -> dict[str, Handler]:
    """Every job kind ``slar worker`` runs, with its adapters injected (``functools.partial``).

    ``senders`` defaults to the real channels built from settings (tests pass protocol-level
    fakes' addresses through settings, or recording senders for scenarios). Kinds missing here
    are never claimed by this worker (``slack.deliver`` is the Slack worker's).
    """
    senders = senders if senders is not None else channels.senders(settings)
    send = partial(
        notification_jobs.send_notification,
        senders=senders,
        public_url=settings.http.public_url,
    )
    step = partial(escalation_engine.run_step, senders=senders, public_url=settings.http.public_url)
    return {
        escalation_engine.STEP: step,
        escalation_engine.SNOOZE_EXPIRED: incident_jobs.snooze_expired,
        escalation_engine.ACK_TIMEOUT: incident_jobs.ack_timeout,
        notification_jobs.SEND_JOB: send,
        monitor_jobs.CHECK_JOB: partial(
            monitor_jobs.run_check,
            prober=prober if prober is not None else monitor_prober(settings),
        ),
    }


def monitor_prober(settings: Settings) -> Prober:
    """The real probes (HTTP, TCP, DNS) under this deployment's SSRF policy."""
    return probes.build_prober(
        policy_from_settings(settings), max_concurrent=settings.monitor.max_concurrent_probes
    )


def monitor_ticks(settings: Settings) -> list[Tick]:
    """Uptime-check scheduling, heartbeat and integration-silence sweeps, result retention."""
    return [
        (monitor_jobs.SCHEDULE_TICK, monitor_jobs.SCHEDULE_SECONDS, monitor_jobs.schedule_tick),
        (
            monitor_sweeps.HEARTBEAT_TICK,
            monitor_sweeps.HEARTBEAT_SECONDS,
            monitor_sweeps.heartbeat_sweep,
        ),
        (
            monitor_sweeps.INTEGRATION_TICK,
            monitor_sweeps.INTEGRATION_SECONDS,
            monitor_sweeps.integration_sweep,
        ),
        (
            monitor_sweeps.RETENTION_TICK,
            monitor_sweeps.RETENTION_SECONDS,
            partial(monitor_sweeps.retention_sweep, retention_days=settings.monitor.retention_days),
        ),
    ]


def periodic_ticks(settings: Settings) -> list[Tick]:
    """The periodic sweeps of the worker: ``(name, interval_seconds, callable(session, now))``."""
    return [
        (handoff.TICK_NAME, handoff.TICK_SECONDS, handoff.handoff_notices),
        *monitor_ticks(settings),
    ]


def load_handler_registry(spec: str) -> dict[str, Handler]:
    """Import ``module:attribute`` (``SLAR_WORKER_HANDLERS``): a mapping of kind to handler, or
    a callable without arguments returning one. A testing and extension hook."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"SLAR_WORKER_HANDLERS={spec!r}: expected 'module:attribute'")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"SLAR_WORKER_HANDLERS={spec!r}: {exc}") from exc
    registry = target if isinstance(target, Mapping) else target()
    if not isinstance(registry, Mapping) or not all(callable(h) for h in registry.values()):
        raise ValueError(f"SLAR_WORKER_HANDLERS={spec!r}: not a mapping of kind to handler")
    return dict(registry)


# Kinds whose outside work waits on the network for seconds (a probe of a dead host runs to its
# timeout). A runner finishes a claimed batch before claiming the next, so these run in a lane
# (a runner) of their own: they never hold up a page.
SLOW_KINDS = frozenset({monitor_jobs.CHECK_JOB})


def build_workers(
    settings: Settings,
    clock: Clock,
    handlers: HandlerRegistry,
    ticks: Sequence[Tick],
    *,
    db: Database | None = None,
    on_progress: Callable[[], None] | None = None,
) -> list[Runner]:
    """The worker's lanes: the main runner (every kind but ``SLOW_KINDS``, the ``ticks``, the
    liveness ``on_progress``) and, when ``handlers`` has slow kinds, a runner for those. They
    share the database (and its pool)."""
    db = db or build_database(settings)
    main = {kind: h for kind, h in handlers.items() if kind not in SLOW_KINDS}
    slow = {kind: h for kind, h in handlers.items() if kind in SLOW_KINDS}
    runners = [build_worker(settings, clock, main, ticks, db=db, on_progress=on_progress)]
    if slow:
        runners.append(build_worker(settings, clock, slow, (), db=db, lane="slow", extend=False))
    return runners


def build_worker(
    settings: Settings,
    clock: Clock,
    handlers: HandlerRegistry,
    ticks: Sequence[Tick],
    *,
    db: Database | None = None,
    on_progress: Callable[[], None] | None = None,
    lane: str = "",
    extend: bool = True,
) -> Runner:
    """A job runner configured from ``WorkerSettings``; ``SLAR_WORKER_HANDLERS`` adds kinds
    (unless not ``extend``)."""
    registry = dict(handlers)
    if settings.worker.handlers and extend:
        registry.update(load_handler_registry(settings.worker.handlers))
    db = db or build_database(settings)
    worker = settings.worker
    config = RunnerConfig(
        # The suffix keeps leases apart even when two processes share SLAR_WORKER_ID (or a
        # restarted container reuses hostname:pid).
        worker_id=f"{worker.worker_id}/{lane + '/' if lane else ''}{secrets.token_hex(3)}",
        batch_size=worker.batch_size,
        lease_seconds=worker.lease_seconds,
        max_retries=worker.max_retries,
        backoff_base=worker.backoff_base_seconds,
        backoff_max=worker.backoff_max_seconds,
        poll_interval=worker.poll_interval,
        concurrency=min(worker.concurrency, max(1, settings.database.pool_size - 1)),
    )
    return Runner(
        db, clock, registry, config, ticks=ticks, wakeup=wakeup_for(db), on_progress=on_progress
    )
