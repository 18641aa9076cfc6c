"""Alert-to-first-notification latency: PagerDuty trigger POSTed -> e-mail at the SMTP server.

    .venv/bin/python bench/notify_latency.py [--events 300] [--rate 10] [--backends sqlite]

Why: the issue's promise is that the right person is paged fast (GoAlert's engine cycle is
5 s). This measures the whole path through real processes and real protocols, on loopback:

1. creates a database (PostgreSQL ``slar_bench_notify``, or a SQLite file under
   ``bench/results/``), runs ``slar migrate`` and seeds, with SLAR's own models, a team, a user
   with a verified e-mail contact method and an immediate high-urgency e-mail rule, an
   escalation policy whose level 1 is that user, a service using it and a PagerDuty
   integration;
2. starts a fake SMTP server (aiosmtpd, in this process) and the product: on PostgreSQL
   ``slar api`` plus ONE ``slar worker`` (it wakes on LISTEN/NOTIFY); on SQLite ``slar serve``
   alone (its worker runs in-process and polls). ``POLL_INTERVAL`` is left at its default (1 s)
   unless ``--poll-interval`` is given; SMTP settings point the worker at the fake;
3. sends a few warm-up triggers (not counted), then ``--events`` PagerDuty Events v2 triggers
   with distinct dedup keys at ``--rate`` per second (open loop: each request has its own task,
   so a slow answer never delays the next send), and for each takes the time from just before
   the HTTP POST to the moment the SMTP server has the whole message (``handle_DATA``), matching
   the message by the dedup key carried in the incident title, which the page's subject shows;
4. reads the database afterwards to split each latency: POST -> incident row (ingestion),
   incident -> delivery row (the escalation step ran) and delivery -> SMTP arrival (the
   ``notification.send`` job rendered and sent it);
5. prints a markdown report (also written to ``bench/results/notify-<timestamp>.md``).

Every subprocess runs in its own process group and is stopped on every exit (Ctrl-C and
SIGTERM included), and the PostgreSQL database is dropped unless ``--keep-db``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest as common  # the ingest harness's helpers (PostgreSQL, processes, CPU), next to us

RESULTS = common.RESULTS
VENV_BIN = common.VENV_BIN
ROOT = common.ROOT
PG_DB = "slar_bench_notify"
SUMMARY_PREFIX = "bench-notify"
SUBJECT_KEY = re.compile(rf"{SUMMARY_PREFIX} (\S+)")
USER_EMAIL = "oncall@bench.example"
CONTACT_EMAIL = "oncall-pager@bench.example"

log = common.log
BenchError = common.BenchError


# --------------------------------------------------------------------------------------------
# The fake SMTP server (aiosmtpd), in this process: arrival times on this process's clocks


@dataclass(frozen=True)
class Arrival:
    mono: float  # time.monotonic() when the message was complete (DATA received)
    wall: float  # time.time() at the same moment
    subject: str
    rcpt_tos: tuple[str, ...]


class _SmtpHandler:
    def __init__(self, server: FakeSmtp) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        mono, wall = time.monotonic(), time.time()
        subject = ""
        raw: bytes = envelope.original_content or b""
        head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", errors="replace")
        # Long headers are folded over several lines: unfold before reading the subject.
        head = head.replace("\r\n ", " ").replace("\r\n\t", " ")
        for line in head.split("\r\n"):
            if line.lower().startswith("subject:"):
                subject = line.split(":", 1)[1].strip()
                break
        self.server.record(Arrival(mono, wall, subject, tuple(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class FakeSmtp:
    """A real SMTP server on a free loopback port keeping the arrival time of every message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.host = "127.0.0.1"
        self.port = common.free_port()
        self.arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.controller = Controller(_SmtpHandler(self), hostname=self.host, port=self.port)

    def record(self, arrival: Arrival) -> None:
        with self._changed:
            self.arrivals.append(arrival)
            self._changed.notify_all()

    def count(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)

    def wait_count(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.arrivals) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


# --------------------------------------------------------------------------------------------
# Seeding (SLAR's own models)


@dataclass(frozen=True)
class Seeded:
    pagerduty_key: str
    service_id: int
    user_ids: tuple[int, ...]
    policy_id: int


def seed_oncall(
    url: str,
    *,
    users: int = 1,
    levels: int = 1,
    repeat_count: int = 0,
    delay_minutes: int = 15,
) -> Seeded:
    """A team; ``users`` users, each with a verified e-mail method and an immediate high-urgency
    e-mail rule; an escalation policy of ``levels`` levels targeting those users in turn; a
    high-urgency service using it; a PagerDuty integration."""
    from slar.db import create_database
    from slar.domain import models as _all_models  # noqa: F401 (complete metadata)
    from slar.domain.catalog.models import Integration, Service
    from slar.domain.escalation.models import EscalationLevel, EscalationPolicy, EscalationTarget
    from slar.domain.identity.models import Team, TeamMembership, User
    from slar.domain.notifications.models import ContactMethod, NotificationRule
    from slar.kernel.ids import new_integration_key

    now = datetime.now(UTC)
    key = new_integration_key()
    db = create_database(url, pool_size=1)
    try:
        with db.transaction() as session:
            team = Team(name="Bench on call", description="notification benchmark", created_at=now)
            session.add(team)
            session.flush()
            people: list[User] = []
            for n in range(users):
                suffix = "" if n == 0 else f"-{n}"
                user = User(
                    email=USER_EMAIL.replace("@", f"{suffix}@"),
                    name=f"Bench On-call{suffix}",
                    role="responder",
                    is_active=True,
                    timezone="UTC",
                    created_at=now,
                )
                session.add(user)
                people.append(user)
            session.flush()
            for n, user in enumerate(people):
                session.add(TeamMembership(team_id=team.id, user_id=user.id, role="member"))
                suffix = "" if n == 0 else f"-{n}"
                method = ContactMethod(
                    user_id=user.id,
                    kind="email",
                    label="pager mailbox",
                    address=CONTACT_EMAIL.replace("@", f"{suffix}@"),
                    verified=True,
                    verification_attempts=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(method)
                session.flush()
                session.add(
                    NotificationRule(
                        user_id=user.id,
                        contact_method_id=method.id,
                        urgency="high",
                        delay_minutes=0,
                        created_at=now,
                    )
                )
            policy = EscalationPolicy(
                team_id=team.id,
                name="Bench policy",
                description="",
                repeat_count=repeat_count,
                created_at=now,
                updated_at=now,
            )
            session.add(policy)
            session.flush()
            for position in range(levels):
                level = EscalationLevel(
                    policy_id=policy.id, position=position, delay_minutes=delay_minutes
                )
                session.add(level)
                session.flush()
                target = people[position % len(people)]
                session.add(EscalationTarget(level_id=level.id, kind="user", target_id=target.id))
            service = Service(
                team_id=team.id,
                name="bench-checkout",
                description="notification benchmark",
                urgency="high",
                escalation_policy_id=policy.id,
                created_at=now,
            )
            session.add(service)
            session.flush()
            session.add(
                Integration(
                    service_id=service.id,
                    name="bench pagerduty",
                    kind="pagerduty",
                    key=key,
                    created_at=now,
                )
            )
            seeded = Seeded(key, service.id, tuple(u.id for u in people), policy.id)
    finally:
        db.dispose()
    return seeded


# --------------------------------------------------------------------------------------------
# Processes


def slar_env(database_url: str, *, smtp: FakeSmtp | None, extra: dict[str, str]) -> dict[str, str]:
    """The environment of a SLAR process: the benchmark's database, quiet logs, SMTP at the
    fake, and no stray worker tuning inherited from the caller's shell."""
    env = dict(os.environ)
    for name in ("POLL_INTERVAL", "BATCH_SIZE", "MAX_RETRIES", "SLAR_WORKER_CONCURRENCY"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        SLAR_WORKERS="1",
        SLAR_SECRET_KEY=secrets.token_urlsafe(36),
        SLAR_PUBLIC_URL="http://127.0.0.1",
    )
    if smtp is not None:
        env.update(
            SLAR_SMTP_HOST=smtp.host,
            SLAR_SMTP_PORT=str(smtp.port),
            SLAR_SMTP_TLS="none",
            SLAR_SMTP_FROM="SLAR bench <slar@bench.example>",
        )
    env.update(extra)
    return env


def migrate(database_url: str) -> None:
    log("slar migrate")
    out = subprocess.run(
        [str(VENV_BIN / "slar"), "migrate"],
        env=slar_env(database_url, smtp=None, extra={}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if out.returncode != 0:
        raise BenchError(f"slar migrate failed: {out.stderr[-1500:]}")


def start_http(
    name: str, command: str, env: dict[str, str], log_path: Path, *, timeout: float = 90
) -> common.Server:
    port = common.free_port()
    env = {**env, "PORT": str(port)}
    proc = common.start_process(name, [str(VENV_BIN / "slar"), command], env, log_path)
    server = common.Server(name, proc, port, log_path)
    try:
        common.wait_http(server, "/health", timeout=timeout)
    except BaseException:
        common.stop_process(proc, name)
        raise
    return server


def start_worker(
    name: str, env: dict[str, str], log_path: Path, heartbeat: Path, *, timeout: float = 60
) -> subprocess.Popen[bytes]:
    """``slar worker``; ready once it has written its heartbeat (its loop is running)."""
    with contextlib.suppress(FileNotFoundError):
        heartbeat.unlink()
    env = {**env, "SLAR_WORKER_HEARTBEAT_FILE": str(heartbeat)}
    proc: subprocess.Popen[bytes] = common.start_process(
        name, [str(VENV_BIN / "slar"), "worker"], env, log_path
    )
    deadline = time.monotonic() + timeout
    while not heartbeat.exists():
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with code {proc.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            common.stop_process(proc, name)
            raise BenchError(f"{name} wrote no heartbeat within {timeout:.0f} s; see {log_path}")
        time.sleep(0.1)
    return proc


# --------------------------------------------------------------------------------------------
# Load: PagerDuty triggers at a fixed rate (open loop)


@dataclass
class Sent:
    key: str
    mono: float  # just before the POST
    wall: float
    status: int = 0
    answer_ms: float = float("nan")
    error: str = ""


def trigger_body(routing_key: str, key: str) -> dict[str, Any]:
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {
            "summary": f"{SUMMARY_PREFIX} {key}",
            "source": "bench-host-1",
            "severity": "critical",
            "component": "checkout",
            "custom_details": {"benchmark": "notify_latency"},
        },
    }


async def _send_all(url: str, routing_key: str, keys: Sequence[str], rate: float) -> list[Sent]:
    import httpx

    sent = [Sent(key, 0.0, 0.0) for key in keys]
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32, keepalive_expiry=3)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:

        async def one(item: Sent) -> None:
            body = trigger_body(routing_key, item.key)
            item.mono, item.wall = time.monotonic(), time.time()
            try:
                response = await client.post(url, json=body)
                item.status = response.status_code
            except httpx.HTTPError as exc:
                item.error = repr(exc)
            item.answer_ms = 1000 * (time.monotonic() - item.mono)

        start = time.monotonic() + 0.05
        tasks = []
        for n, item in enumerate(sent):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(item)))
        await asyncio.gather(*tasks)
    return sent


def send_triggers(url: str, routing_key: str, keys: Sequence[str], rate: float) -> list[Sent]:
    return asyncio.run(_send_all(url, routing_key, keys, rate))


# --------------------------------------------------------------------------------------------
# Measurement


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def stats(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": float(len(values)),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
    }


def fmt(value: float) -> str:
    return common.fmt_ms(value)


@dataclass
class Breakdown:
    """Per event, milliseconds between the steps of the path (wall clock, from the database)."""

    ingest: list[float] = field(default_factory=list)  # POST -> incident row's created_at
    step: list[float] = field(default_factory=list)  # incident -> delivery row (step ran)
    send: list[float] = field(default_factory=list)  # delivery row -> SMTP arrival


def db_breakdown(
    url: str, sent: dict[str, Sent], arrivals: dict[str, Arrival]
) -> tuple[Breakdown, int]:
    """Split each latency with the rows' timestamps; also count deliveries not ``sent``."""
    from sqlalchemy import func, select

    from slar.db import create_database
    from slar.domain import models as _all_models  # noqa: F401
    from slar.domain.incidents.models import Incident
    from slar.domain.notifications.models import Delivery

    out = Breakdown()
    db = create_database(url, pool_size=1)
    try:
        with db.read() as session:
            rows = session.execute(
                select(Incident.dedup_key, Incident.created_at, func.min(Delivery.created_at))
                .join(Delivery, Delivery.incident_id == Incident.id)
                .group_by(Incident.id)
            ).all()
            unsent = session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status != "sent")
            )
    finally:
        db.dispose()
    for key, incident_at, delivery_at in rows:
        if key not in sent or key not in arrivals:
            continue
        posted = sent[key].wall
        out.ingest.append(1000 * (incident_at.timestamp() - posted))
        out.step.append(1000 * (delivery_at.timestamp() - incident_at.timestamp()))
        out.send.append(1000 * (arrivals[key].wall - delivery_at.timestamp()))
    return out, int(unsent or 0)


@dataclass
class Leg:
    backend: str
    setup: str
    target: str
    latencies: list[float]
    answers: list[float]
    events: int
    missing: int
    errors: int
    breakdown: Breakdown
    unsent: int
    cpu: dict[str, float]
    wall: float
    busy_before: float
    extra_mail: int
    notes: list[str] = field(default_factory=list)

    def met(self, p50_limit: float | None, p99_limit: float, max_limit: float | None) -> bool:
        s = stats(self.latencies)
        ok = self.missing == 0 and self.errors == 0 and s["p99"] <= p99_limit
        if p50_limit is not None:
            ok = ok and s["p50"] <= p50_limit
        if max_limit is not None:
            ok = ok and s["max"] <= max_limit
        return ok


def tree_ticks(roots: Sequence[int]) -> int:
    """CPU ticks used so far by the process trees rooted at ``roots`` (live processes)."""
    stats_ = common._proc_stats()
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _, _) in stats_.items():
        children.setdefault(ppid, []).append(pid)
    total = 0
    for root in roots:
        stack = [root]
        while stack:
            pid = stack.pop()
            if pid in stats_:
                total += stats_[pid][2]
            stack.extend(children.get(pid, []))
    return total


def postgres_ticks() -> int:
    return common.cpu_sample(None).postgres


class CpuMeter:
    """CPU percent (of one core) of named process trees, PostgreSQL, this process and the rest
    of the machine between ``start()`` and ``stop()``."""

    def __init__(self, roots: dict[str, Sequence[int]]) -> None:
        self.roots = roots

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.trees0 = {name: tree_ticks(pids) for name, pids in self.roots.items()}
        self.pg0 = postgres_ticks()
        self.machine0 = common._machine_ticks()
        ru = os.times()
        self.self0 = ru.user + ru.system

    def stop(self) -> dict[str, float]:
        wall = max(time.monotonic() - self.t0, 1e-6)
        tck = common.CLK_TCK
        out = {
            name: 100 * (tree_ticks(pids) - self.trees0[name]) / tck / wall
            for name, pids in self.roots.items()
        }
        out["postgres"] = 100 * (postgres_ticks() - self.pg0) / tck / wall
        ru = os.times()
        out["bench (load + SMTP)"] = 100 * (ru.user + ru.system - self.self0) / wall
        busy1, total1 = common._machine_ticks()
        busy0, total0 = self.machine0
        machine = 100 * (os.cpu_count() or 1) * (busy1 - busy0) / max(total1 - total0, 1)
        out["other"] = max(0.0, machine - sum(out.values()))
        return out


def code_state() -> str:
    """The code measured: the commit, and the files under src/ changed since (others edit the
    tree while benchmarks run)."""

    def git(*argv: str) -> str:
        out = subprocess.run(
            ["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
        )
        return out.stdout.rstrip("\n")

    head = git("rev-parse", "--short", "HEAD").strip() or "?"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines()]
    if not changed:
        return f"commit {head}, src/ clean"
    shown = ", ".join(changed[:8]) + (", ..." if len(changed) > 8 else "")
    return f"commit {head} + {len(changed)} uncommitted file(s) under src/: {shown}"


def wait_quiet(args: argparse.Namespace) -> float:
    """Wait (bounded) for other users' load to drop; return the machine's busy percent."""
    deadline = time.monotonic() + args.quiet_wait
    busy = common.machine_busy()
    while busy > args.quiet_threshold and time.monotonic() < deadline:
        log(f"  machine busy {busy:.0f} % (other users); waiting for < {args.quiet_threshold} %")
        time.sleep(3)
        busy = common.machine_busy()
    return busy


def run_leg(
    args: argparse.Namespace,
    *,
    backend: str,
    database_url: str,
    smtp: FakeSmtp,
    enqueue_url: str,
    routing_key: str,
    roots: dict[str, Sequence[int]],
    setup: str,
    target: str,
) -> Leg:
    run = secrets.token_hex(3)
    # Warm-up: the first requests pay imports and caches in every process.
    warm = [f"{run}-w{n}" for n in range(args.warmup)]
    before = smtp.count()
    if warm:
        log(f"{backend}: {len(warm)} warm-up triggers")
        send_triggers(enqueue_url, routing_key, warm, rate=min(args.rate, 5.0))
        if not smtp.wait_count(before + len(warm), timeout=30):
            raise BenchError(
                f"{backend}: warm-up pages did not arrive at the SMTP server "
                f"({smtp.count() - before} of {len(warm)}); see the logs in {args.logs}"
            )
    busy = wait_quiet(args)
    keys = [f"{run}-{n}" for n in range(args.events)]
    mail_before = smtp.count()
    meter = CpuMeter(roots)
    log(f"{backend}: {len(keys)} triggers at {args.rate:g}/s")
    meter.start()
    t0 = time.monotonic()
    sent_list = send_triggers(enqueue_url, routing_key, keys, args.rate)
    smtp.wait_count(mail_before + len(keys), timeout=args.drain)
    wall = time.monotonic() - t0
    cpu = meter.stop()
    time.sleep(0.5)  # let a straggler or a duplicate show up
    sent = {s.key: s for s in sent_list}
    arrivals: dict[str, Arrival] = {}
    extra = 0
    for arrival in smtp.snapshot()[mail_before:]:
        match = SUBJECT_KEY.search(arrival.subject)
        if match is None or match.group(1) not in sent or match.group(1) in arrivals:
            extra += 1  # a duplicate or something that is not one of ours
            continue
        arrivals[match.group(1)] = arrival
    latencies = [1000 * (arrivals[k].mono - s.mono) for k, s in sent.items() if k in arrivals]
    breakdown, unsent = db_breakdown(database_url, sent, arrivals)
    errors = sum(1 for s in sent_list if s.error or not 200 <= s.status < 300)
    leg = Leg(
        backend=backend,
        setup=setup,
        target=target,
        latencies=latencies,
        answers=[s.answer_ms for s in sent_list if not s.error],
        events=len(keys),
        missing=len(keys) - len(latencies),
        errors=errors,
        breakdown=breakdown,
        unsent=unsent,
        cpu=cpu,
        wall=wall,
        busy_before=busy,
        extra_mail=extra,
    )
    s = stats(latencies)
    log(
        f"{backend}: p50 {fmt(s['p50'])} ms, p90 {fmt(s['p90'])} ms, p99 {fmt(s['p99'])} ms, "
        f"max {fmt(s['max'])} ms; missing {leg.missing}, HTTP errors {errors}"
    )
    return leg


def run_postgresql(args: argparse.Namespace, smtp: FakeSmtp) -> Leg:
    url = common.pg_url(PG_DB)
    common.recreate_database(PG_DB)
    try:
        migrate(url)
        sa_url = common.pg_url(PG_DB, "postgresql+psycopg")
        seeded = seed_oncall(sa_url)
        extra = {"POLL_INTERVAL": str(args.poll_interval)} if args.poll_interval else {}
        api = start_http(
            "slar api", "api", slar_env(url, smtp=None, extra=extra), args.logs / "pg-api.log"
        )
        worker: subprocess.Popen[bytes] | None = None
        try:
            worker = start_worker(
                "slar worker",
                slar_env(url, smtp=smtp, extra=extra),
                args.logs / "pg-worker.log",
                args.logs / "pg-worker.heartbeat",
            )
            return run_leg(
                args,
                backend="PostgreSQL",
                database_url=common.pg_url(PG_DB, "postgresql+psycopg"),
                smtp=smtp,
                enqueue_url=api.base + "/v2/enqueue",
                routing_key=seeded.pagerduty_key,
                roots={"slar api": [api.proc.pid], "slar worker": [worker.pid]},
                setup="`slar api` (1 process) + one `slar worker` (LISTEN/NOTIFY)",
                target="p50 <= 100 ms, p99 <= 500 ms",
            )
        finally:
            if worker is not None:
                common.stop_process(worker, "slar worker")
            common.stop_process(api.proc, "slar api")
    finally:
        if not args.keep_db:
            common.drop_database(PG_DB)


def run_sqlite(args: argparse.Namespace, smtp: FakeSmtp) -> Leg:
    path = args.logs / "slar_bench_notify.db"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
    url = f"sqlite:///{path}"
    migrate(url)
    seeded = seed_oncall(url)
    extra = {"POLL_INTERVAL": str(args.poll_interval)} if args.poll_interval else {}
    serve = start_http(
        "slar serve (SQLite)",
        "serve",
        slar_env(url, smtp=smtp, extra=extra),
        args.logs / "sqlite-serve.log",
    )
    try:
        poll = args.poll_interval or 1.0
        return run_leg(
            args,
            backend="SQLite",
            database_url=url,
            smtp=smtp,
            enqueue_url=serve.base + "/api/v2/enqueue",
            routing_key=seeded.pagerduty_key,
            roots={"slar serve": [serve.proc.pid]},
            setup="`slar serve` alone (worker thread in-process, polling)",
            target=f"<= POLL_INTERVAL + 100 ms = {1000 * poll + 100:.0f} ms (p99 and max)",
        )
    finally:
        common.stop_process(serve.proc, "slar serve")
        if not args.keep_db:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{path}{suffix}").unlink()


# --------------------------------------------------------------------------------------------
# Report


def report(args: argparse.Namespace, started: str, legs: list[Leg], notes: list[str]) -> str:
    lines = [
        f"# Alert-to-first-notification latency ({started})",
        "",
        f"- Machine: {common.machine_line()}",
        f"- Load average before: {args.loadavg}",
        f"- Code: {args.code}",
        f"- {args.events} PagerDuty triggers (distinct dedup keys) at {args.rate:g}/s after "
        f"{args.warmup} warm-up triggers; POLL_INTERVAL "
        f"{args.poll_interval if args.poll_interval else 'default (1 s)'}",
        "- Latency: from just before the HTTP POST to the fake SMTP server holding the whole "
        "message (both clocks in the benchmark process).",
        "",
        "| Backend | Setup | p50 ms | p90 ms | p99 ms | max ms | missing | HTTP errors | Target "
        "| Met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for leg in legs:
        s = stats(leg.latencies)
        if leg.backend == "PostgreSQL":
            ok = leg.met(100, 500, None)
        else:
            limit = 1000 * (args.poll_interval or 1.0) + 100
            ok = leg.met(None, limit, limit)
        lines.append(
            f"| {leg.backend} | {leg.setup} | {fmt(s['p50'])} | {fmt(s['p90'])} | {fmt(s['p99'])} "
            f"| {fmt(s['max'])} | {leg.missing} | {leg.errors} | {leg.target} "
            f"| {'yes' if ok else '**no**'} |"
        )
    lines += [
        "",
        "Where the time goes (per event, ms; wall-clock timestamps of the rows):",
        "",
        "| Backend | Stage | p50 | p90 | p99 | max |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for leg in legs:
        answer = stats(leg.answers)
        lines.append(
            f"| {leg.backend} | HTTP answer (202) | {fmt(answer['p50'])} | {fmt(answer['p90'])} "
            f"| {fmt(answer['p99'])} | {fmt(answer['max'])} |"
        )
        for label, values in (
            ("POST -> incident row (ingestion)", leg.breakdown.ingest),
            ("incident -> delivery row (escalation step)", leg.breakdown.step),
            ("delivery -> SMTP arrival (send job + SMTP)", leg.breakdown.send),
        ):
            s = stats(values)
            lines.append(
                f"| {leg.backend} | {label} | {fmt(s['p50'])} | {fmt(s['p90'])} "
                f"| {fmt(s['p99'])} | {fmt(s['max'])} |"
            )
    lines += ["", "CPU during the measured run (percent of one core; 200 % = both cores):", ""]
    for leg in legs:
        parts = ", ".join(f"{name} {value:.0f} %" for name, value in leg.cpu.items())
        lines.append(
            f"- {leg.backend} ({leg.wall:.1f} s; machine {leg.busy_before:.0f} % busy just "
            f"before): {parts}"
        )
        if leg.unsent or leg.extra_mail:
            lines.append(
                f"  - deliveries not `sent` at the end: {leg.unsent}; unexpected or duplicate "
                f"messages: {leg.extra_mail}"
            )
    notes = [*dict.fromkeys(n for leg in legs for n in leg.notes), *notes]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300, help="measured triggers per backend")
    parser.add_argument("--rate", type=float, default=10.0, help="triggers per second")
    parser.add_argument("--warmup", type=int, default=5, help="uncounted triggers first")
    parser.add_argument(
        "--backends", default="postgresql,sqlite", help="comma list: postgresql, sqlite"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        help="POLL_INTERVAL for the worker (default: unset, i.e. SLAR's default of 1 s)",
    )
    parser.add_argument(
        "--drain", type=float, default=30.0, help="seconds to wait for the last messages"
    )
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--quiet-threshold", type=float, default=30.0)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"postgresql", "sqlite"}
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    return args


@dataclass
class BenchRun:
    """One benchmark invocation: when it started, its file stamp, notes for the report and the
    exit code (``bench_run``)."""

    started: str
    stamp: str
    notes: list[str] = field(default_factory=list)
    code: int = 0


@contextlib.contextmanager
def bench_run(args: argparse.Namespace, name: str) -> Iterator[BenchRun]:
    """What every benchmark's ``main`` does around its work: the start time and load, the code
    state, a logs folder ``results/<name>-logs-<stamp>``, SIGTERM/SIGINT as KeyboardInterrupt,
    and for each way a run can stop early its note and exit code (2 a ``BenchError``, 130
    interrupted, 1 anything else). The caller cleans up (databases) inside the block."""
    now = datetime.now(UTC)
    run = BenchRun(
        started=now.strftime("%Y-%m-%d %H:%M:%S UTC"), stamp=now.strftime("%Y%m%d-%H%M%S")
    )
    args.loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    args.code = code_state()
    RESULTS.mkdir(exist_ok=True)
    args.logs = RESULTS / f"{name}-logs-{run.stamp}"
    args.logs.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, common.interrupt)
    signal.signal(signal.SIGINT, common.interrupt)
    try:
        yield run
    except BenchError as exc:
        log(f"error: {exc}")
        run.notes.append(f"stopped early: {exc}")
        run.code = 2
    except KeyboardInterrupt:
        log("interrupted")
        run.notes.append("interrupted")
        run.code = 130
    except Exception as exc:
        traceback.print_exc()
        run.notes.append(f"stopped early: {exc!r}")
        run.code = 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def require_venv() -> None:
    if not (VENV_BIN / "slar").exists():
        raise BenchError(f"run with SLAR's virtualenv python (no {VENV_BIN / 'slar'})")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    legs: list[Leg] = []
    with bench_run(args, "notify") as run:
        require_venv()
        with FakeSmtp() as smtp:
            for backend in args.backends:
                if backend == "postgresql":
                    common.pg_admin("SELECT 1")
                    legs.append(run_postgresql(args, smtp))
                else:
                    legs.append(run_sqlite(args, smtp))
    if legs:
        text = report(args, run.started, legs, run.notes)
        path = args.output or RESULTS / f"notify-{run.stamp}.md"
        path.write_text(text)
        print(text)
        log(f"report written to {path}; logs in {args.logs}")
    if run.code == 0 and not args.keep_db and not any(args.logs.iterdir()):
        shutil.rmtree(args.logs, ignore_errors=True)
    return run.code


if __name__ == "__main__":
    sys.exit(main())
