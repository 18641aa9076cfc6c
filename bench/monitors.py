"""Uptime checks: 500 HTTP checks every 30 s against a local server, one worker, PostgreSQL.

    .venv/bin/python bench/monitors.py [--checks 500] [--interval 30] [--duration 180]

Why: the issue's promise is that every check runs within 2 s of its due time (p99) with one
worker, and that the worker's CPU is known. This measures it end to end with the real pieces:

1. creates the database ``slar_bench_monitors``, runs ``slar migrate``, and seeds with SLAR's
   own service functions a team, a service and ``--checks`` HTTP checks (``--interval``
   seconds, failure threshold 2, timeout 5 s) aimed at one local HTTP server in this process
   (``ThreadingHTTPServer`` answering 200 "ok"; the checks look for the keyword "ok");
2. starts one ``slar worker`` (defaults: ``POLL_INTERVAL`` 1 s, ``BATCH_SIZE`` 100,
   ``SLAR_WORKER_CONCURRENCY`` 4) with ``SLAR_MONITOR_ALLOW_LIST=127.0.0.1/32``: its
   ``monitor.schedule`` tick enqueues each due check, the ``monitor.check`` jobs probe and
   record (result row, state, incident when down);
3. waits ``--warmup`` seconds (one interval by default, so every check has run once), then
   measures for ``--duration`` seconds: worker, PostgreSQL and other CPU over that window
   (/proc), and from the results whose slot fell in it: **lateness** (the job's start minus
   the check's slot, recorded by the worker as ``lateness_ms``), probe latency, failures, and
   runs per check against the slots in the window (each check must run once per slot);
4. prints a markdown report and writes it to ``bench/results/monitors-<timestamp>.md``.

The worker is stopped and the database dropped on every exit (``--keep-db`` keeps it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest as common  # the ingest harness's helpers (PostgreSQL, processes, CPU)
import notify_latency as notify  # worker start, environment, CPU meter, percentiles

DB = "slar_bench_monitors"
log = common.log
BenchError = common.BenchError


# --------------------------------------------------------------------------------------------
# The target


@contextmanager
def website() -> Iterator[ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------------------------
# Seeding with SLAR's own services


def seed(database_url: str, *, checks: int, interval: int, target: str) -> None:
    from slar.db import create_database
    from slar.domain.catalog import service as catalog
    from slar.domain.identity.models import Team
    from slar.domain.identity.rules import Principal
    from slar.domain.monitors import service as monitors
    from slar.domain.monitors.rules import TargetPolicy, parse_allow_list
    from slar.domain.monitors.schemas import CheckIn

    admin = Principal(user_id=0, email="bench@example.com", name="bench", role="admin")
    networks, hosts = parse_allow_list("127.0.0.1/32")
    policy = TargetPolicy(allow_networks=networks, allow_hosts=hosts)
    now = datetime.now(UTC)
    db = create_database(database_url)
    try:
        with db.transaction() as session:
            team = Team(name="bench", description="", created_at=now)
            session.add(team)
            session.flush()
            svc = catalog.create_service(
                session, team_id=team.id, name="bench-web", principal=admin, now=now
            )
            for n in range(checks):
                body = CheckIn(
                    service_id=svc.id,
                    name=f"page {n}",
                    kind="http",
                    target=f"{target}/page/{n}",
                    keyword="ok",
                    interval_seconds=interval,
                    failure_threshold=2,
                    timeout_seconds=5,
                )
                monitors.create_check(session, body=body, principal=admin, policy=policy, now=now)
    finally:
        db.dispose()
    log(f"seeded {checks} HTTP checks every {interval} s")


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Outcome:
    lateness: list[float]
    latency: list[float]
    results: int
    failures: int
    expected: int
    per_check_min: int
    per_check_max: int
    cpu: dict[str, float]
    window: float


def collect(
    database_url: str, *, since: datetime, until: datetime, checks: int
) -> tuple[list[float], list[float], int, int, int, int]:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        rows = conn.execute(
            "SELECT check_id, lateness_ms, latency_ms, ok FROM monitor_check_results "
            "WHERE due_at >= %s AND due_at < %s",
            (since, until),
        ).fetchall()
    lateness = [float(r[1]) for r in rows]
    latency = [float(r[2]) for r in rows if r[2] is not None]
    failures = sum(1 for r in rows if not r[3])
    per_check: dict[int, int] = {}
    for row in rows:
        per_check[row[0]] = per_check.get(row[0], 0) + 1
    counts = [per_check.get(i, 0) for i in range(1, checks + 1)]
    return lateness, latency, failures, len(rows), min(counts), max(counts)


def run(args: argparse.Namespace) -> Outcome:
    common.recreate_database(DB)
    database_url = common.pg_url(DB, "postgresql+psycopg")
    notify.migrate(database_url)
    with website() as server:
        target = f"http://127.0.0.1:{server.server_address[1]}"
        seed(database_url, checks=args.checks, interval=args.interval, target=target)
        env = notify.slar_env(
            database_url, smtp=None, extra={"SLAR_MONITOR_ALLOW_LIST": "127.0.0.1/32"}
        )
        heartbeat = args.logs / "worker.heartbeat"
        proc = notify.start_worker("worker", env, args.logs / "worker.log", heartbeat)
        try:
            log(f"warm-up {args.warmup} s (every check runs once)")
            time.sleep(args.warmup)
            meter = notify.CpuMeter({"worker": [proc.pid]})
            since = datetime.now(UTC)
            meter.start()
            log(f"measuring {args.duration} s")
            time.sleep(args.duration)
            cpu = meter.stop()
            until = datetime.now(UTC)
            if proc.poll() is not None:
                raise BenchError(f"the worker exited ({proc.returncode}); see {args.logs}")
            time.sleep(6)  # let the last slots' probes record
        finally:
            common.stop_process(proc, "worker")
    # Slots that fell in [since, until): a check's slots are one interval apart.
    lateness, latency, failures, total, low, high = collect(
        database_url, since=since, until=until, checks=args.checks
    )
    window = (until - since).total_seconds()
    expected = round(args.checks * window / args.interval)
    return Outcome(
        lateness=lateness,
        latency=latency,
        results=total,
        failures=failures,
        expected=expected,
        per_check_min=low,
        per_check_max=high,
        cpu=cpu,
        window=window,
    )


# --------------------------------------------------------------------------------------------
# Report


def report(
    args: argparse.Namespace, started: str, outcome: Outcome | None, notes: list[str]
) -> str:
    fmt = notify.fmt
    lines = [
        f"## Uptime checks: {args.checks} HTTP checks every {args.interval} s, one worker "
        "(PostgreSQL)",
        "",
        f"Run {started}; {common.machine_line()}; load average before: {args.loadavg}; "
        f"{args.code}.",
        "",
        "Command: `.venv/bin/python bench/monitors.py "
        f"--checks {args.checks} --interval {args.interval} --duration {args.duration}`",
        "",
    ]
    if outcome is not None:
        late = notify.stats(outcome.lateness)
        lat = notify.stats(outcome.latency)
        target = "met" if late["p99"] <= 2000 else "NOT met"
        lines += [
            f"Measured {outcome.window:.0f} s: {outcome.results} results for "
            f"~{outcome.expected} slots ({outcome.per_check_min}-{outcome.per_check_max} runs "
            f"per check), {outcome.failures} failed probes.",
            "",
            "| ms | p50 | p90 | p99 | max |",
            "|---|---|---|---|---|",
            f"| lateness (start - slot) | {fmt(late['p50'])} | {fmt(late['p90'])} | "
            f"{fmt(late['p99'])} | {fmt(late['max'])} |",
            f"| probe latency | {fmt(lat['p50'])} | {fmt(lat['p90'])} | {fmt(lat['p99'])} | "
            f"{fmt(lat['max'])} |",
            "",
            f"Target p99 lateness <= 2 s: **{target}**.",
            "",
            "CPU over the window (% of one core): "
            + ", ".join(f"{_label(name)} {value:.1f}" for name, value in outcome.cpu.items())
            + ".",
        ]
    for note in notes:
        lines.append(f"\nNote: {note}")
    return "\n".join(lines) + "\n"


def _label(name: str) -> str:
    """CPU meter names, as this benchmark's processes are."""
    return "bench (the target website)" if name.startswith("bench") else name


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--duration", type=int, default=180, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=None, help="default: one interval + 5 s")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = args.interval + 5
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    outcome: Outcome | None = None
    with notify.bench_run(args, "monitors") as bench:
        try:
            notify.require_venv()
            common.pg_admin("SELECT 1")
            outcome = run(args)
        finally:
            if not args.keep_db:
                common.drop_database(DB)
    text = report(args, bench.started, outcome, bench.notes)
    path = args.output or common.RESULTS / f"monitors-{bench.stamp}.md"
    path.write_text(text)
    print(text)
    log(f"report written to {path}; logs in {args.logs}")
    if bench.code == 0:
        shutil.rmtree(args.logs, ignore_errors=True)
    return bench.code


if __name__ == "__main__":
    sys.exit(main())
