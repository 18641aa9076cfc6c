"""Escalation lag: 10,000 open incidents whose next escalation step falls due in the same minute.

    .venv/bin/python bench/escalation_lag.py [--incidents 10000] [--workers 1,2] [--profile]

Why: the issue's promise is that every step fires within 1 s of its due time (p99), even when a
wave of incidents escalates at once (an outage that opened thousands of incidents 15 minutes
ago). This puts that wave on PostgreSQL and real ``slar worker`` processes:

1. for each worker count (``--workers``, default ``1,2``): creates the database
   ``slar_bench_escalation``, runs ``slar migrate``, seeds with SLAR's models a team, 100 users
   (each with a verified e-mail method and an immediate high-urgency e-mail rule), a two-level
   policy (repeat once) and a service; then bulk-inserts with ``COPY`` ``--incidents`` triggered
   incidents already at level 2 of pass 1 (as if level 1 paged earlier), each with its policy
   snapshot (level 2 targets one of the 100 users) and its fenced ``escalation.step`` job, due
   times spread uniformly over ``--window`` seconds (60) starting ``--lead`` seconds (30) after
   the workers are up;
2. starts N ``slar worker`` processes (defaults: ``POLL_INTERVAL`` 1 s, ``BATCH_SIZE`` 100,
   ``SLAR_WORKER_CONCURRENCY`` 4) with SMTP pointed at a fake SMTP server (aiosmtpd) in this
   process, so each step's page goes all the way out: the step records its timeline entry,
   makes the delivery and its ``notification.send`` job, which renders and sends the e-mail;
3. waits until every step has run and every page has arrived (bounded by ``--max-wait``), then
   measures per incident: **step lag** = the step's timeline entry time (the step's ``now``,
   equal to its delivery's ``created_at``) minus its due time, and **page lag** = e-mail arrival
   at the SMTP server minus the due time. Also the total time, the worker and PostgreSQL CPU,
   and the p99 step lag per 10 s of the due window (does the queue fall behind?);
4. ``--profile``: one more 1-worker run with ``py-spy record --gil`` on the worker;
5. cost per job, in-process: a small wave (``--sample``, 200) due at once is run by a
   ``Runner`` built like ``slar worker``'s (concurrency 1), first with only the step handler,
   then with only the send handler, counting every SQL statement and commit, the time spent
   inside the database driver and the CPU per job;
6. prints a markdown report and writes it to ``bench/results/escalation-<timestamp>.md``.

Every subprocess is stopped and the database dropped on every exit (``--keep-db`` keeps it).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest as common  # the ingest harness's helpers (PostgreSQL, processes, CPU)
import notify_latency as notify  # fake SMTP, seeding, process helpers, percentiles

DB = "slar_bench_escalation"
USERS = 100
STEP_KIND = "escalation.step"
SEND_KIND = "notification.send"

log = common.log
BenchError = common.BenchError
stats = notify.stats
fmt = notify.fmt


def sa_url() -> str:
    return common.pg_url(DB, "postgresql+psycopg")


# --------------------------------------------------------------------------------------------
# Seeding the wave (COPY)


@dataclass(frozen=True)
class Wave:
    due: dict[int, datetime]  # incident id -> due time of its step
    start: datetime
    end: datetime


def scalar(conn: Any, sql: str, params: Sequence[Any] = ()) -> int:
    row = conn.execute(sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def snapshot(policy_id: int, first: int, second: int) -> dict[str, Any]:
    """The policy snapshot as ``PolicySnapshot.to_json`` writes it: two levels, repeat once."""
    return {
        "policy_id": policy_id,
        "name": "Bench policy",
        "repeat_count": 1,
        "levels": [
            {"delay_minutes": 15, "targets": [{"kind": "user", "id": first}]},
            {"delay_minutes": 15, "targets": [{"kind": "user", "id": second}]},
        ],
    }


def seed_wave(
    seeded: notify.Seeded, *, count: int, start: datetime, window: float, seed: int
) -> Wave:
    """``count`` triggered incidents at level 2, pass 1, generation 1, each with its pending
    ``escalation.step`` job (the dedup key the engine would use), due times spread uniformly
    over ``window`` seconds from ``start`` (shuffled, so due order is not id order)."""
    import psycopg
    from psycopg.types.json import Jsonb

    rng = random.Random(seed)
    offsets = [window * (n + 0.5) / count for n in range(count)]
    rng.shuffle(offsets)
    created = start - timedelta(minutes=15)
    users = seeded.user_ids
    due: dict[int, datetime] = {}
    with psycopg.connect(common.pg_url(DB)) as conn:
        first_id = scalar(conn, "SELECT coalesce(max(id), 0) + 1 FROM incidents")
        first_job = scalar(conn, "SELECT coalesce(max(id), 0) + 1 FROM jobs")
        ids = range(first_id, first_id + count)
        with conn.cursor().copy(
            "COPY incidents (id, title, description, status, urgency, severity, service_id, "
            "dedup_key, alert_count, labels, links, created_at, updated_at, "
            "escalation_policy_snapshot, escalation_level, escalation_loop, "
            "escalation_generation, next_escalation_at) FROM STDIN"
        ) as copy:
            for incident_id, offset in zip(ids, offsets, strict=True):
                at = start + timedelta(seconds=offset)
                due[incident_id] = at
                copy.write_row(
                    (
                        incident_id,
                        f"bench-escalation {incident_id}: checkout p99 above 2 s",
                        "seeded by bench/escalation_lag.py",
                        "triggered",
                        "high",
                        "critical",
                        seeded.service_id,
                        f"wave-{incident_id}",
                        1,
                        Jsonb({"env": "bench"}),
                        Jsonb([]),
                        created,
                        created,
                        Jsonb(
                            snapshot(
                                seeded.policy_id,
                                users[incident_id % len(users)],
                                users[(incident_id * 7 + 1) % len(users)],
                            )
                        ),
                        1,
                        0,
                        1,
                        at,
                    )
                )
        with conn.cursor().copy(
            "COPY jobs (id, kind, payload, status, run_at, attempts, dedup_key, last_error, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for n, incident_id in enumerate(ids):
                copy.write_row(
                    (
                        first_job + n,
                        STEP_KIND,
                        Jsonb({"incident_id": incident_id, "generation": 1, "level": 1, "loop": 0}),
                        "queued",
                        due[incident_id],
                        0,
                        f"esc:{incident_id}:1:1:0",
                        "",
                        created,
                        created,
                    )
                )
        for table in ("incidents", "jobs"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.execute("ANALYZE")
    return Wave(due=due, start=start, end=start + timedelta(seconds=window))


def prepare_database(*, users: int = USERS) -> notify.Seeded:
    common.recreate_database(DB)
    notify.migrate(common.pg_url(DB))
    return notify.seed_oncall(sa_url(), users=users, levels=2, repeat_count=1)


# --------------------------------------------------------------------------------------------
# Progress and results


def progress(conn: Any) -> tuple[int, int, int]:
    """(steps run, send jobs pending, step jobs pending that are due)."""
    steps = scalar(conn, "SELECT count(*) FROM incident_events WHERE kind = 'escalation_step'")
    sends = scalar(
        conn, "SELECT count(*) FROM jobs WHERE kind = %s AND status <> 'dead'", (SEND_KIND,)
    )
    due_steps = scalar(
        conn,
        "SELECT count(*) FROM jobs WHERE kind = %s AND status <> 'dead' AND run_at <= now()",
        (STEP_KIND,),
    )
    return steps, sends, due_steps


@dataclass
class Run:
    label: str
    workers: int
    incidents: int
    step_lags: list[float]  # ms
    page_lags: list[float]  # ms
    slices: list[tuple[int, int, float, float]]  # (slice start s, steps, p50 ms, p99 ms)
    steps_done: int
    pages: int
    dead_jobs: int
    failed_deliveries: int
    duplicates: int
    last_step_after_end: float  # s after the last due time
    last_page_after_end: float
    cpu: dict[str, float]
    cpu_window: float
    busy_before: float
    profile: str | None = None
    notes: list[str] = field(default_factory=list)


def collect(wave: Wave, arrivals: Sequence[notify.Arrival]) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(common.pg_url(DB)) as conn:
        steps = conn.execute(
            "SELECT incident_id, min(at), count(*) FROM incident_events "
            "WHERE kind = 'escalation_step' GROUP BY incident_id"
        ).fetchall()
        dead = scalar(conn, "SELECT count(*) FROM jobs WHERE status = 'dead'")
        failed = scalar(
            conn, "SELECT count(*) FROM deliveries WHERE status NOT IN ('sent', 'delivered')"
        )
        delivery_rows = conn.execute(
            "SELECT incident_id, count(*) FROM deliveries GROUP BY incident_id"
        ).fetchall()
    step_at = {int(i): at for i, at, _ in steps}
    duplicates = sum(int(n) - 1 for _, _, n in steps) + sum(
        int(n) - 1 for _, n in delivery_rows if n > 1
    )
    page_at: dict[int, float] = {}
    for arrival in arrivals:
        title = arrival.subject.split("bench-escalation ", 1)
        if len(title) == 2 and title[1].split(":", 1)[0].isdigit():
            incident_id = int(title[1].split(":", 1)[0])
            if incident_id in page_at:
                duplicates += 1
            page_at.setdefault(incident_id, arrival.wall)
    step_lags, page_lags = [], []
    by_slice: dict[int, list[float]] = {}
    for incident_id, due in wave.due.items():
        if incident_id in step_at:
            lag = 1000 * (step_at[incident_id] - due).total_seconds()
            step_lags.append(lag)
            by_slice.setdefault(int((due - wave.start).total_seconds() // 10) * 10, []).append(lag)
        if incident_id in page_at:
            page_lags.append(1000 * (page_at[incident_id] - due.timestamp()))
    end = wave.end.timestamp()
    last_step = max((at.timestamp() for at in step_at.values()), default=float("nan"))
    last_page = max(page_at.values(), default=float("nan"))
    return {
        "step_lags": step_lags,
        "page_lags": page_lags,
        "slices": [
            (s, len(v), notify.percentile(v, 50), notify.percentile(v, 99))
            for s, v in sorted(by_slice.items())
        ],
        "steps_done": len(step_at),
        "pages": len(page_at),
        "dead": int(dead or 0),
        "failed": int(failed or 0),
        "duplicates": duplicates,
        "last_step_after_end": last_step - end,
        "last_page_after_end": last_page - end,
    }


# --------------------------------------------------------------------------------------------
# One timed run


def worker_env(smtp: notify.FakeSmtp | None, args: argparse.Namespace) -> dict[str, str]:
    extra: dict[str, str] = {}
    if args.poll_interval:
        extra["POLL_INTERVAL"] = str(args.poll_interval)
    if args.batch_size:
        extra["BATCH_SIZE"] = str(args.batch_size)
    if args.concurrency:
        extra["SLAR_WORKER_CONCURRENCY"] = str(args.concurrency)
    return notify.slar_env(common.pg_url(DB), smtp=smtp, extra=extra)


def timed_run(
    args: argparse.Namespace, smtp: notify.FakeSmtp | None, workers: int, *, profile: bool
) -> Run:
    import psycopg

    label = f"{workers} worker{'s' if workers > 1 else ''}" + (" (py-spy)" if profile else "")
    log(f"--- {label}: preparing {args.incidents:,} incidents")
    seeded = prepare_database()
    procs: list[subprocess.Popen[bytes]] = []
    spy: subprocess.Popen[bytes] | None = None
    mail_before = smtp.count() if smtp else 0
    try:
        busy = notify.wait_quiet(args)
        tag = f"w{workers}{'p' if profile else ''}"
        for n in range(workers):
            procs.append(
                notify.start_worker(
                    f"slar worker {n + 1}",
                    worker_env(smtp, args),
                    args.logs / f"{tag}-worker{n + 1}.log",
                    args.logs / f"{tag}-worker{n + 1}.heartbeat",
                )
            )
        start = datetime.now(UTC) + timedelta(seconds=args.lead)
        wave = seed_wave(
            seeded, count=args.incidents, start=start, window=args.window, seed=args.seed
        )
        lead_left = (wave.start - datetime.now(UTC)).total_seconds()
        log(f"{label}: seeded; the wave starts in {lead_left:.1f} s and lasts {args.window:g} s")
        if lead_left < 3:
            raise BenchError(f"seeding took too long: raise --lead (now {args.lead} s)")
        meter = notify.CpuMeter({"slar worker": [p.pid for p in procs]})
        time.sleep(max(0.0, lead_left - 1.0))
        if profile:
            spy = start_py_spy(procs[0].pid, args.logs / f"{tag}-profile.txt", args)
        meter.start()
        deadline = time.monotonic() + 1.0 + args.window + args.max_wait
        next_log = time.monotonic()
        with psycopg.connect(common.pg_url(DB), autocommit=True) as conn:
            while True:
                steps, sends, due_steps = progress(conn)
                done = steps >= args.incidents and sends == 0
                if smtp is not None:
                    done = done and smtp.count() - mail_before >= args.incidents
                if done or time.monotonic() > deadline:
                    break
                if time.monotonic() >= next_log:
                    log(
                        f"  {label}: steps {steps:,}/{args.incidents:,}, due steps waiting "
                        f"{due_steps:,}, send jobs pending {sends:,}"
                    )
                    next_log += 5
                for proc in procs:
                    if proc.poll() is not None:
                        raise BenchError(f"a worker exited with code {proc.returncode}")
                time.sleep(0.5)
        cpu = meter.stop()
        cpu_window = time.monotonic() - meter.t0
        profile_text = finish_py_spy(spy, args.logs / f"{tag}-profile.txt") if spy else None
        spy = None
    finally:
        if spy is not None:
            with contextlib.suppress(ProcessLookupError):
                spy.kill()
            spy.wait(timeout=10)
        for n, proc in enumerate(procs):
            common.stop_process(proc, f"slar worker {n + 1}")
    arrivals = smtp.snapshot()[mail_before:] if smtp else []
    data = collect(wave, arrivals)
    if not args.keep_db:
        common.drop_database(DB)
    run = Run(
        label=label,
        workers=workers,
        incidents=args.incidents,
        step_lags=data["step_lags"],
        page_lags=data["page_lags"],
        slices=data["slices"],
        steps_done=data["steps_done"],
        pages=data["pages"],
        dead_jobs=data["dead"],
        failed_deliveries=data["failed"],
        duplicates=data["duplicates"],
        last_step_after_end=data["last_step_after_end"],
        last_page_after_end=data["last_page_after_end"],
        cpu=cpu,
        cpu_window=cpu_window,
        busy_before=busy,
        profile=profile_text,
    )
    s = stats(run.step_lags)
    log(
        f"{label}: step lag p50 {fmt(s['p50'])} ms, p99 {fmt(s['p99'])} ms, max {fmt(s['max'])} "
        f"ms; {run.steps_done:,} steps, {run.pages:,} pages; last step "
        f"{run.last_step_after_end:+.1f} s after the last due time; CPU "
        + ", ".join(f"{k} {v:.0f} %" for k, v in cpu.items())
    )
    return run


# --------------------------------------------------------------------------------------------
# py-spy


def start_py_spy(pid: int, raw: Path, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    py_spy = common.py_spy_binary()
    if py_spy is None:
        raise BenchError("py-spy not found: .venv/bin/pip install py-spy (bench use only)")
    duration = int(1 + args.window + args.max_wait)  # stopped with SIGINT when done
    argv = [
        py_spy,
        "record",
        "--pid",
        str(pid),
        "--gil",
        "--function",
        "--rate",
        "100",
        "--format",
        "raw",
        "--duration",
        str(duration),
        "--output",
        str(raw),
    ]
    log(f"py-spy on the worker for up to {duration} s")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish_py_spy(spy: subprocess.Popen[bytes], raw: Path) -> str:
    # py-spy writes its output on SIGINT; the run is over, no need to sample the idle tail.
    with contextlib.suppress(ProcessLookupError):
        spy.send_signal(signal.SIGINT)
    try:
        _, err = spy.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        spy.kill()
        spy.communicate(timeout=10)
        return "py-spy did not finish in time"
    if not raw.exists():
        return f"py-spy failed ({spy.returncode}): {err.decode(errors='replace')[-500:]}"
    return common.summarize_profile(raw)


# --------------------------------------------------------------------------------------------
# Cost per job, in-process: statements, commits, time in the driver, CPU


@dataclass
class JobCost:
    kind: str
    jobs: int
    statements: int
    commits: int
    wall_ms: float
    driver_ms: float
    cpu_ms: float
    by_statement: Counter[str]


class StatementCounter:
    """Counts statements (by their first words) and commits, and the time inside the driver."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.statements: Counter[str] = Counter()
        self.commits = 0
        self.driver_seconds = 0.0
        self._local = threading.local()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        self._local.t0 = time.perf_counter()
        self.statements[shape(statement)] += 1

    def _after(self, *_a: Any) -> None:
        self.driver_seconds += time.perf_counter() - getattr(self._local, "t0", time.perf_counter())

    def _commit(self, _conn: Any) -> None:
        self.commits += 1

    def reset(self) -> None:
        self.statements.clear()
        self.commits = 0
        self.driver_seconds = 0.0


def shape(statement: str) -> str:
    """``SELECT ... FROM incidents`` / ``INSERT INTO jobs`` / ``UPDATE deliveries``: enough
    to name what a statement does without its columns."""
    words = " ".join(statement.split()).replace('"', "")
    upper = words.upper()
    verb = upper.split(" ", 1)[0]
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "NOTIFY", "LISTEN"):
        return verb + (" SAVEPOINT" if verb in ("RELEASE", "ROLLBACK") else "")
    table = ""
    for keyword in (" FROM ", " INTO ", "UPDATE "):
        at = upper.find(keyword)
        if at >= 0:
            rest = words[at + len(keyword) :].split(" ", 1)[0]
            table = rest.strip("(),")
            break
    extra = " FOR UPDATE" if "FOR UPDATE" in upper else ""
    extra += " RETURNING" if " RETURNING " in upper else ""
    return f"{verb} {table}{extra}".strip()


@contextlib.contextmanager
def _measuring() -> Iterator[dict[str, float]]:
    took: dict[str, float] = {}
    # Thread CPU: with concurrency 1 the runner runs every job in this thread, and the fake
    # SMTP server's thread (same process) is left out.
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield took
    finally:
        took["wall"] = time.perf_counter() - wall
        took["cpu"] = time.thread_time() - cpu


def job_costs(args: argparse.Namespace, smtp: notify.FakeSmtp | None) -> list[JobCost]:
    """Run small waves in this process with a ``Runner`` built like ``slar worker``'s
    (concurrency 1): a warm-up wave with every handler (statement caches, pool), then a
    measured wave one job kind at a time, counting what each kind costs."""
    from slar import bootstrap
    from slar.domain.escalation import engine as escalation_engine
    from slar.domain.notifications.jobs import SEND_JOB
    from slar.kernel.clock import SystemClock
    from slar.settings import load_settings

    log(f"--- cost per job: {args.sample} steps and their sends, in-process")
    seeded = prepare_database()
    overrides = {
        "DATABASE_URL": common.pg_url(DB),
        "SLAR_WORKER_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    if smtp is not None:
        overrides.update(
            SLAR_SMTP_HOST=smtp.host, SLAR_SMTP_PORT=str(smtp.port), SLAR_SMTP_TLS="none"
        )
    settings = load_settings(overrides)
    handlers = bootstrap.job_handlers(settings)
    runner = bootstrap.build_worker(settings, SystemClock(), handlers, [])
    costs = []
    try:
        past = datetime.now(UTC) - timedelta(seconds=2)
        seed_wave(seeded, count=20, start=past, window=1.0, seed=args.seed)
        runner.run_due()  # warm-up: every kind once
        seed_wave(seeded, count=args.sample, start=past, window=1.0, seed=args.seed)
        counter = StatementCounter(runner.db.engine)
        for kind in (escalation_engine.STEP, SEND_JOB):
            runner.handlers = {kind: handlers[kind]}
            counter.reset()
            with _measuring() as took:
                result = runner.run_due()
            if result.claimed == 0:
                continue  # steps send their immediate pages themselves: no send job is left
            costs.append(
                JobCost(
                    kind=kind,
                    jobs=result.claimed,
                    statements=sum(counter.statements.values()),
                    commits=counter.commits,
                    wall_ms=1000 * took["wall"],
                    driver_ms=1000 * counter.driver_seconds,
                    cpu_ms=1000 * took["cpu"],
                    by_statement=Counter(counter.statements),
                )
            )
    finally:
        runner.close()
        runner.db.dispose()
    return costs


# --------------------------------------------------------------------------------------------
# Report


def report(
    args: argparse.Namespace,
    started: str,
    runs: list[Run],
    costs: list[JobCost],
    notes: list[str],
) -> str:
    smtp_label = (
        "not configured (deliveries fail at once)"
        if args.no_smtp
        else "the fake aiosmtpd server in the benchmark process"
    )
    lines = [
        f"# Escalation lag ({started})",
        "",
        f"- Machine: {common.machine_line()}",
        f"- Load average before: {args.loadavg}",
        f"- Code: {args.code}",
        f"- {args.incidents:,} triggered incidents, one `escalation.step` each, due uniformly "
        f"over {args.window:g} s starting {args.lead:g} s after the workers were up; each step "
        "pages one of 100 users (immediate e-mail rule) and schedules the next pass; "
        f"SMTP: {smtp_label}",
        f"- Worker settings: POLL_INTERVAL {args.poll_interval or 'default (1)'}, BATCH_SIZE "
        f"{args.batch_size or 'default (100)'}, SLAR_WORKER_CONCURRENCY "
        f"{args.concurrency or 'default (4)'}",
        "- Step lag = the step's timeline entry time (its `now`, = its delivery's `created_at`) "
        "minus its due time; page lag = e-mail arrival at the SMTP server minus the due time.",
        "",
        "| Run | step lag p50 ms | p90 | p99 | max | page lag p50 ms | p99 | max | steps | pages "
        "| last step after last due | Target p99 <= 1 s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        s, p = stats(run.step_lags), stats(run.page_lags)
        ok = run.steps_done == run.incidents and s["p99"] <= 1000
        lines.append(
            f"| {run.label} | {fmt(s['p50'])} | {fmt(s['p90'])} | {fmt(s['p99'])} "
            f"| {fmt(s['max'])} | {fmt(p['p50'])} | {fmt(p['p99'])} | {fmt(p['max'])} "
            f"| {run.steps_done:,} | {run.pages:,} | {run.last_step_after_end:+.1f} s "
            f"| {'yes' if ok else '**no**'} |"
        )
    lines += ["", "CPU from 1 s before the first due time to the last page (% of one core):", ""]
    for run in runs:
        parts = ", ".join(f"{k} {v:.0f} %" for k, v in run.cpu.items())
        lines.append(
            f"- {run.label}: {run.cpu_window:.0f} s; {parts}; machine {run.busy_before:.0f} % "
            f"busy just before; dead jobs {run.dead_jobs}, deliveries not sent "
            f"{run.failed_deliveries}, duplicate steps/deliveries/e-mails {run.duplicates}"
        )
    if runs and runs[0].slices:
        lines += ["", "Step lag by 10 s slice of the due window (p50 / p99 ms):", ""]
        header = "| Run | " + " | ".join(f"{s}-{s + 10} s" for s, *_ in runs[0].slices) + " |"
        lines += [header, "|---|" + "---:|" * len(runs[0].slices)]
        for run in runs:
            cells = " | ".join(f"{fmt(p50)} / {fmt(p99)}" for _, _, p50, p99 in run.slices)
            lines.append(f"| {run.label} | {cells} |")
    if costs:
        lines += [
            "",
            f"Cost per job, in-process (`Runner` as `slar worker` builds it, concurrency 1, "
            f"{args.sample} jobs of each kind, PostgreSQL on loopback):",
            "",
            "| Job | statements/job | commits/job | wall ms/job | in driver ms/job "
            "| CPU ms/job (runner thread) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for c in costs:
            n = max(c.jobs, 1)
            lines.append(
                f"| `{c.kind}` ({c.jobs}) | {c.statements / n:.1f} | {c.commits / n:.1f} "
                f"| {c.wall_ms / n:.2f} | {c.driver_ms / n:.2f} | {c.cpu_ms / n:.2f} |"
            )
        for c in costs:
            n = max(c.jobs, 1)
            lines += ["", f"Statements per `{c.kind}` job:", ""]
            lines += [
                f"- {count / n:.2f} x `{name}`" for name, count in c.by_statement.most_common()
            ]
    for run in runs:
        if run.profile:
            lines += ["", f"## py-spy, {run.label} (samples holding the GIL)", "", run.profile]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the due times span")
    parser.add_argument("--lead", type=float, default=30.0, help="seconds before the first due")
    parser.add_argument("--workers", default="1,2", help="comma list of worker counts")
    parser.add_argument("--max-wait", type=float, default=600.0, help="seconds after the window")
    parser.add_argument("--poll-interval", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--no-smtp", action="store_true", help="leave e-mail unconfigured")
    parser.add_argument("--profile", action="store_true", help="add a 1-worker py-spy run")
    parser.add_argument("--sample", type=int, default=200, help="jobs for the per-job cost")
    parser.add_argument("--skip-costs", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--quiet-threshold", type=float, default=30.0)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    args.worker_counts = [int(x) for x in args.workers.split(",") if x.strip()]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    runs: list[Run] = []
    costs: list[JobCost] = []
    with notify.bench_run(args, "escalation") as bench:
        try:
            common.pg_admin("SELECT 1")
            with contextlib.ExitStack() as stack:
                smtp = None if args.no_smtp else stack.enter_context(notify.FakeSmtp())
                for workers in args.worker_counts:
                    runs.append(timed_run(args, smtp, workers, profile=False))
                if args.profile:
                    runs.append(timed_run(args, smtp, 1, profile=True))
                if not args.skip_costs:
                    costs = job_costs(args, smtp)
        finally:
            if not args.keep_db:
                common.drop_database(DB)
    if runs or costs:
        text = report(args, bench.started, runs, costs, bench.notes)
        path = args.output or common.RESULTS / f"escalation-{bench.stamp}.md"
        path.write_text(text)
        print(text)
        log(f"report written to {path}; logs in {args.logs}")
    return bench.code


if __name__ == "__main__":
    sys.exit(main())
