"""Ingest benchmark: SLAR against Alerta on the same PostgreSQL, in one run.

    .venv/bin/python bench/ingest.py [--duration 20] [--workers 4] [--skip-alerta]

What it does (every step bounded in time, every process and database cleaned up):

1. creates the database ``slar_bench``, runs ``slar migrate``, seeds a team, a service and two
   integrations (``pagerduty``, ``alertmanager``) with SLAR's own models, starts ``slar serve``
   (``SLAR_WORKERS`` uvicorn workers) on a free port;
2. closed loop (``wrk -t2 -cC``, C in --connections): PagerDuty Events v2 triggers to
   ``/api/v2/enqueue`` (new dedup key per request, ~20 % re-send a recent key) and Alertmanager
   v4 batches (2 to 5 new alerts each, distinct groupKeys) to
   ``/api/integrations/{key}/alertmanager``: throughput and p50/p99 latency;
3. open loop at a fixed rate (--rate, 200 events/s): the same PagerDuty events from an asyncio
   generator, latency measured from each request's *scheduled* send time (no coordinated
   omission);
4. the same three loads against Alerta 9 (``bench/.alerta-venv``, gunicorn with 2 sync workers,
   database ``alerta_bench``): its native ``POST /alert`` for the PagerDuty-shaped events and
   its ``/webhooks/prometheus`` for the same Alertmanager bodies;
5. prints a markdown report and writes it to ``bench/results/ingest-<timestamp>.md``.

CPU use of the server, PostgreSQL and the load generator is read from ``/proc`` for each run, so
the report shows where the machine's two cores went. ``--profile`` adds a py-spy profile of SLAR
under the PagerDuty load (a separate run: sampling slows the server).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
WRK_DIR = BENCH / "wrk"
ALERTA_VENV = BENCH / ".alerta-venv"
VENV_BIN = Path(sys.executable).parent

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
SLAR_DB, ALERTA_DB = "slar_bench", "alerta_bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")

WRK_INSTALL = "apt-get update && apt-get install -y wrk"
ALERTA_INSTALL = (
    f"python3 -m venv {ALERTA_VENV.relative_to(ROOT)} && "
    f"{ALERTA_VENV.relative_to(ROOT)}/bin/pip install "
    "'alerta-server==9.1.0' gunicorn psycopg2-binary py-spy"
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A step failed; the message says which and what to do."""


# --------------------------------------------------------------------------------------------
# PostgreSQL


def pg_url(database: str, driver: str = "postgresql") -> str:
    return f"{driver}://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def pg_admin(*statements: str, database: str = "postgres") -> list[Any]:
    """Run statements in autocommit; return the rows of the last one (if any)."""
    import psycopg

    rows: list[Any] = []
    with psycopg.connect(pg_url(database), autocommit=True, connect_timeout=5) as conn:
        for statement in statements:
            cur = conn.execute(statement)
            rows = cur.fetchall() if cur.description else []
    return rows


def recreate_database(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    try:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:
        log(f"could not drop database {name}: {exc}")


def pg_version() -> str:
    try:
        return str(pg_admin("SHOW server_version")[0][0])
    except Exception:
        return "?"


# --------------------------------------------------------------------------------------------
# Processes and CPU accounting


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_process(name: str, argv: Sequence[str], env: dict[str, str], log_path: Path) -> Any:
    log(f"starting {name}: {' '.join(argv)}")
    log_file = log_path.open("ab")
    try:
        return subprocess.Popen(
            list(argv),
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
    finally:
        log_file.close()


def stop_process(proc: subprocess.Popen[bytes], name: str, grace: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop in {grace:.0f} s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    # Workers left in the group (a crashed master) go too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def wait_http(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(
                f"{server.name} exited with code {server.proc.returncode}; see {server.log_path}"
            )
        try:
            with urllib.request.urlopen(server.base + path, timeout=2) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = exc
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise BenchError(f"{server.name} did not answer {path} within {timeout:.0f} s ({last})")


def _proc_stats() -> dict[int, tuple[str, int, int, int]]:
    """pid -> (comm, ppid, own cpu ticks, reaped children's cpu ticks)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is state (field 3); utime is field 14, stime 15, cutime 16, cstime 17.
        ppid = int(fields[1])
        own = int(fields[11]) + int(fields[12])
        children = int(fields[13]) + int(fields[14])
        stats[int(entry)] = (comm, ppid, own, children)
    return stats


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs: user, nice, system, irq, softirq are busy (the
    kernel's loopback networking is in softirq); steal is left out of both."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = parts[0] + parts[1] + parts[2] + parts[5] + parts[6]
    return busy, busy + parts[3] + parts[4]


@dataclass
class CpuSample:
    wall: float
    app: int
    postgres: int
    machine_busy: int
    machine_total: int
    self_children: float
    self_own: float


def cpu_sample(app_root: int | None) -> CpuSample:
    """CPU ticks so far of the server's process tree and of PostgreSQL (live + exited)."""
    stats = _proc_stats()
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)

    def tree_ticks(root: int) -> int:
        if root not in stats:
            return 0
        total = stats[root][3]  # reaped children (e.g. Alerta's exited backends' parent)
        stack = [root]
        while stack:
            pid = stack.pop()
            total += stats[pid][2]
            stack.extend(children.get(pid, []))
        return total

    app = tree_ticks(app_root) if app_root else 0
    # PostgreSQL: every "postgres" process whose parent is not a postgres process is a
    # postmaster; its tree plus its reaped children covers backends that came and went (Alerta
    # opens one per request).
    pg = sum(
        tree_ticks(pid)
        for pid, (comm, ppid, _, _) in stats.items()
        if comm == "postgres" and stats.get(ppid, ("",))[0] != "postgres"
    )
    busy, total = _machine_ticks()
    ru_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    ru_self = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSample(
        wall=time.monotonic(),
        app=app,
        postgres=pg,
        machine_busy=busy,
        machine_total=total,
        self_children=ru_children.ru_utime + ru_children.ru_stime,
        self_own=ru_self.ru_utime + ru_self.ru_stime,
    )


@dataclass
class CpuUse:
    """Percent of one core (200 % = both cores of this machine)."""

    app: float
    postgres: float
    loadgen: float
    machine: float

    @property
    def other(self) -> float:
        """Everything else on the machine (other users' processes: noise)."""
        return max(0.0, self.machine - self.app - self.postgres - self.loadgen)

    def cells(self) -> list[str]:
        return [
            f"{self.app:.0f} %",
            f"{self.postgres:.0f} %",
            f"{self.loadgen:.0f} %",
            f"{self.other:.0f} %",
        ]


def cpu_use(before: CpuSample, after: CpuSample, *, loadgen_is_child: bool) -> CpuUse:
    wall = max(after.wall - before.wall, 1e-6)
    ncpu = os.cpu_count() or 1
    loadgen = (
        after.self_children - before.self_children
        if loadgen_is_child
        else after.self_own - before.self_own
    )
    total = max(after.machine_total - before.machine_total, 1)
    return CpuUse(
        app=100 * (after.app - before.app) / CLK_TCK / wall,
        postgres=100 * (after.postgres - before.postgres) / CLK_TCK / wall,
        loadgen=100 * loadgen / wall,
        machine=100 * ncpu * (after.machine_busy - before.machine_busy) / total,
    )


def machine_busy(window: float = 2.0) -> float:
    """Busy percent of the whole machine over ``window`` seconds (200 % = 2 cores)."""
    busy0, total0 = _machine_ticks()
    time.sleep(window)
    busy1, total1 = _machine_ticks()
    return 100 * (os.cpu_count() or 1) * (busy1 - busy0) / max(total1 - total0, 1)


def settle(args: argparse.Namespace) -> None:
    """Pause between runs, then wait (bounded) for other users' load to drop."""
    time.sleep(args.pause)
    if args.quiet_wait <= 0:
        return
    deadline = time.monotonic() + args.quiet_wait
    busy = machine_busy()
    while busy > args.quiet_threshold and time.monotonic() < deadline:
        log(f"  machine busy {busy:.0f} % (other users); waiting for < {args.quiet_threshold} %")
        time.sleep(3)
        busy = machine_busy()
    args.busy_before.append(busy)


# --------------------------------------------------------------------------------------------
# Closed loop: wrk


@dataclass
class Result:
    system: str
    load: str  # "pagerduty" | "alertmanager"
    mode: str  # "max" | "rate"
    connections: int
    duration: float
    requests: int
    ok: int
    non2xx: int
    socket_errors: int
    events_per_request: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    cpu: CpuUse | None = None
    target_rate: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def req_per_s(self) -> float:
        return self.ok / self.duration if self.duration else 0.0

    @property
    def events_per_s(self) -> float:
        return self.req_per_s * self.events_per_request


def run_wrk(
    system: str,
    load: str,
    url: str,
    script: str,
    script_args: Sequence[str],
    *,
    connections: int,
    duration: float,
    app_root: int | None,
    record: bool = True,
) -> Result:
    argv = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{int(duration)}s",
        "--timeout",
        "5s",
        "-s",
        str(WRK_DIR / script),
        url,
        "--",
        *script_args,
    ]
    before = cpu_sample(app_root)
    try:
        out = subprocess.run(
            argv, capture_output=True, text=True, timeout=duration + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish: {' '.join(argv)}") from exc
    after = cpu_sample(app_root)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if out.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    socket_errors = sum(data[k] for k in ("err_connect", "err_read", "err_write", "err_timeout"))
    result = Result(
        system=system,
        load=load,
        mode="max",
        connections=connections,
        duration=data["duration_us"] / 1e6,
        requests=data["requests"],
        ok=data["requests"] - data["err_status"],
        non2xx=data["err_status"],
        socket_errors=socket_errors,
        events_per_request=data["events_per_request"],
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        p999_ms=data["p999_us"] / 1000,
        max_ms=data["lat_max_us"] / 1000,
        cpu=cpu_use(before, after, loadgen_is_child=True),
        extra={k: data[k] for k in ("sent", "distinct", "repeats", "alerts_sent") if k in data},
    )
    if record:
        log(
            f"  {system} {load} c={connections}: {result.req_per_s:,.0f} req/s, "
            f"{result.events_per_s:,.0f} events/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, non-2xx {result.non2xx}, socket errors {socket_errors}"
        )
    return result


# --------------------------------------------------------------------------------------------
# Open loop at a fixed rate: asyncio over raw sockets (HTTP/1.1 keep-alive)

SEVERITIES = ("critical", "error", "warning", "info")
ALERTA_SEVERITY = {
    "critical": "critical",
    "error": "major",
    "warning": "warning",
    "info": "informational",
}
COMPONENTS = ("nginx", "postgres", "redis", "api", "worker", "kafka")


def pagerduty_event(routing_key: str, run_id: str, n: int) -> dict[str, Any]:
    """The event bench/wrk/pagerduty.lua sends (mode "pagerduty"), for index n."""
    sev, comp, host = SEVERITIES[n % 4], COMPONENTS[n % 6], f"host-9-{n % 500}"
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": f"{run_id}-9-{n}",
        "payload": {
            "summary": f"High CPU usage on {host} ({comp}): 97% for 5 minutes",
            "source": f"{host}.prod.example.com",
            "severity": sev,
            "component": comp,
            "group": "prod-web",
            "class": "cpu",
            "custom_details": {
                "cpu_percent": "97",
                "region": "eu-west-1",
                "runbook": "https://runbooks.example.com/cpu",
                "team": "platform",
            },
        },
        "client": "Load generator",
        "client_url": f"https://monitoring.example.com/alerts/{n}",
        "links": [{"href": f"https://grafana.example.com/d/cpu?var-host={host}", "text": "Dash"}],
    }


def alerta_event(run_id: str, n: int) -> dict[str, Any]:
    """The same event as Alerta's native alert (bench/wrk/pagerduty.lua, mode "alerta")."""
    comp = COMPONENTS[n % 6]
    return {
        "resource": f"{run_id}-9-{n}",
        "event": "HighCPU",
        "environment": "Production",
        "severity": ALERTA_SEVERITY[SEVERITIES[n % 4]],
        "service": ["web"],
        "group": "prod-web",
        "value": "97%",
        "origin": "Load generator",
        "text": f"High CPU usage on host-9-{n % 500} ({comp}): 97% for 5 minutes",
        "tags": ["cpu", comp],
        "attributes": {
            "region": "eu-west-1",
            "runbook": "https://runbooks.example.com/cpu",
            "team": "platform",
            "component": comp,
        },
    }


def event_indices(count: int, repeat_fraction: float, seed: int) -> Iterator[int]:
    """New index per event, or (repeat_fraction of the time) one of the last 50 again."""
    rng = random.Random(seed)
    distinct = 0
    for _ in range(count):
        if distinct and rng.random() < repeat_fraction:
            yield distinct - rng.randint(0, min(distinct, 50) - 1)
        else:
            distinct += 1
            yield distinct


IDLE_REUSE_SECONDS = 3.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip().lower()
    keep_alive = headers.get("connection") != "close" and lines[0].startswith("HTTP/1.1")
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        keep_alive = False
    return status, keep_alive


async def _fixed_rate(
    port: int,
    path: str,
    bodies: list[bytes],
    rate: float,
    *,
    max_connections: int,
    timeout: float,
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    # Idle keep-alive connections with the time each was last used. uvicorn closes a connection
    # idle for 5 s: older ones are dropped here rather than found dead (as HTTP clients do).
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    slots = asyncio.Semaphore(max_connections)
    latencies: list[float] = []  # from the scheduled send time
    service: list[float] = []  # from the moment the request was written
    statuses: Counter[str] = Counter()
    by_second: dict[int, list[float]] = {}  # latencies by second of the scheduled send time
    start = loop.time() + 0.05
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()

    async def one(scheduled: float, body: bytes) -> None:
        async with slots:
            conn = None
            while idle and conn is None:
                reader, writer, last_used = idle.pop()
                if loop.time() - last_used < IDLE_REUSE_SECONDS and not reader.at_eof():
                    conn = (reader, writer)
                else:
                    writer.close()
            try:
                if conn is None:
                    conn = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = conn
                sent = loop.time()
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                status, keep_alive = await asyncio.wait_for(_read_response(reader), timeout)
                done = loop.time()
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                statuses[type(exc).__name__] += 1
                if conn is not None:
                    conn[1].close()
                return
            statuses[str(status)] += 1
            if 200 <= status < 300:
                latencies.append(done - scheduled)
                service.append(done - sent)
                by_second.setdefault(int(scheduled - start), []).append(done - scheduled)
            if keep_alive:
                idle.append((reader, writer, done))
            else:
                writer.close()

    tasks = []
    for i, body in enumerate(bodies):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, body)))
    _, pending = await asyncio.wait(tasks, timeout=timeout + 10)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
    elapsed = loop.time() - start
    for _, writer, _ in idle:
        writer.close()
    return {
        "latencies": latencies,
        "service": service,
        "statuses": statuses,
        "unfinished": len(pending),
        "elapsed": elapsed,
        "p99_by_second": [
            _percentile(sorted(by_second.get(sec, [])), 99) * 1000
            for sec in range(max(by_second, default=-1) + 1)
        ],
    }


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def run_fixed_rate(
    system: str,
    port: int,
    path: str,
    bodies: list[bytes],
    rate: float,
    *,
    app_root: int | None,
    max_connections: int = 64,
    timeout: float = 5.0,
) -> Result:
    before = cpu_sample(app_root)
    out = asyncio.run(
        _fixed_rate(port, path, bodies, rate, max_connections=max_connections, timeout=timeout)
    )
    after = cpu_sample(app_root)
    lat = sorted(out["latencies"])
    statuses: Counter[str] = out["statuses"]
    ok = sum(n for s, n in statuses.items() if s.isdigit() and 200 <= int(s) < 300)
    non2xx = sum(n for s, n in statuses.items() if s.isdigit() and not 200 <= int(s) < 300)
    errors = sum(n for s, n in statuses.items() if not s.isdigit()) + out["unfinished"]
    result = Result(
        system=system,
        load="pagerduty",
        mode="rate",
        connections=max_connections,
        duration=out["elapsed"],
        requests=len(bodies),
        ok=ok,
        non2xx=non2xx,
        socket_errors=errors,
        events_per_request=1.0,
        p50_ms=_percentile(lat, 50) * 1000,
        p90_ms=_percentile(lat, 90) * 1000,
        p99_ms=_percentile(lat, 99) * 1000,
        p999_ms=_percentile(lat, 99.9) * 1000,
        max_ms=(lat[-1] if lat else float("nan")) * 1000,
        cpu=cpu_use(before, after, loadgen_is_child=False),
        target_rate=rate,
        extra={
            "statuses": dict(statuses)
            | ({"unfinished": out["unfinished"]} if out["unfinished"] else {}),
            "p99_by_second": out["p99_by_second"],
            "service_p99_ms": _percentile(sorted(out["service"]), 99) * 1000,
        },
    )
    log(
        f"  {system} pagerduty at {rate:.0f}/s: {result.req_per_s:,.0f} ok/s, "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, max {result.max_ms:.1f} ms, "
        f"statuses {dict(statuses)}"
    )
    return result


# --------------------------------------------------------------------------------------------
# SLAR


@dataclass
class SlarTarget:
    pagerduty_key: str
    alertmanager_key: str


def seed_slar(database: str = SLAR_DB) -> SlarTarget:
    """A team, a service and its two integrations, written with SLAR's own models."""
    from slar.db import create_database
    from slar.domain import models as _all_models  # noqa: F401 (complete metadata)
    from slar.domain.catalog.models import Integration, Service
    from slar.domain.identity.models import Team
    from slar.kernel.ids import new_integration_key

    now = datetime.now(UTC)
    target = SlarTarget(new_integration_key(), new_integration_key())
    db = create_database(pg_url(database, "postgresql+psycopg"), pool_size=1)
    try:
        with db.transaction() as session:
            team = Team(name="Bench", description="ingest benchmark", created_at=now)
            session.add(team)
            session.flush()
            service = Service(
                team_id=team.id,
                name="bench-web",
                description="ingest benchmark",
                urgency="high",
                created_at=now,
            )
            session.add(service)
            session.flush()
            for kind, key in (
                ("pagerduty", target.pagerduty_key),
                ("alertmanager", target.alertmanager_key),
            ):
                session.add(
                    Integration(
                        service_id=service.id,
                        name=f"bench {kind}",
                        kind=kind,
                        key=key,
                        created_at=now,
                    )
                )
    finally:
        db.dispose()
    return target


def slar_env(workers: int, port: int, database: str = SLAR_DB) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg_url(database),
        LOG_LEVEL="WARNING",
        SLAR_WORKERS=str(workers),
        PORT=str(port),
        SLAR_SECRET_KEY=secrets.token_urlsafe(36),  # 48 characters
    )
    return env


def start_slar(workers: int, log_path: Path) -> Server:
    port = free_port()
    proc = start_process(
        f"slar serve ({workers} workers)",
        [str(VENV_BIN / "slar"), "serve"],
        slar_env(workers, port),
        log_path,
    )
    server = Server(f"slar serve ({workers} workers)", proc, port, log_path)
    try:
        wait_http(server, "/health", timeout=90)
        time.sleep(1.0)  # every worker must be up: each builds its own state on start
    except BaseException:
        stop_process(proc, server.name)
        raise
    return server


def post_json(url: str, body: Any, timeout: float = 10) -> tuple[int, str]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def alertmanager_batch(run_id: str, size: int) -> dict[str, Any]:
    alerts = [
        {
            "status": "firing",
            "labels": {
                "alertname": "KubePodCrashLooping",
                "severity": "warning",
                "namespace": f"ns-{run_id}",
                "pod": f"api-{run_id}-{i}",
                "instance": f"10.9.0.{i}:9100",
            },
            "annotations": {"summary": f"Pod api-{run_id}-{i} is crash looping."},
            "startsAt": "2024-05-01T12:00:00.000Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": hashlib.sha256(f"{run_id}-{i}".encode()).hexdigest()[:16],
        }
        for i in range(size)
    ]
    return {
        "version": "4",
        "groupKey": f'{{}}:{{namespace="ns-{run_id}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "slar",
        "groupLabels": {"namespace": f"ns-{run_id}"},
        "commonLabels": {"alertname": "KubePodCrashLooping"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com",
        "alerts": alerts,
    }


def smoke_slar(server: Server, target: SlarTarget) -> None:
    """One event of each kind must be accepted before the load starts."""
    event = pagerduty_event(target.pagerduty_key, "smoke", 1)
    status, body = post_json(server.base + "/api/v2/enqueue", event)
    if status != 202 or '"dedup_key"' not in body:
        raise BenchError(f"POST /api/v2/enqueue answered {status}: {body[:300]}")
    am_url = f"{server.base}/api/integrations/{target.alertmanager_key}/alertmanager"
    status, body = post_json(am_url, alertmanager_batch("smoke", 2))
    if not 200 <= status < 300:
        raise BenchError(f"POST /api/integrations/{{key}}/alertmanager answered {status}: {body}")


def slar_counts() -> dict[str, int]:
    counts = {}
    for table in ("alerts", "incidents"):
        try:
            counts[table] = int(pg_admin(f"SELECT count(*) FROM {table}", database=SLAR_DB)[0][0])
        except Exception:
            counts[table] = -1
    return counts


def alerta_counts() -> dict[str, int]:
    try:
        rows = pg_admin(
            "SELECT count(*), coalesce(sum(duplicate_count), 0) FROM alerts", database=ALERTA_DB
        )
        return {"alerts": int(rows[0][0]), "duplicates": int(rows[0][1])}
    except Exception:
        return {"alerts": -1, "duplicates": -1}


# --------------------------------------------------------------------------------------------
# Alerta


def start_alerta(log_path: Path) -> Server:
    gunicorn = ALERTA_VENV / "bin" / "gunicorn"
    if not gunicorn.exists():
        raise BenchError(f"Alerta is not installed. Run: {ALERTA_INSTALL}")
    port = free_port()
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("SLAR_", "VIRTUAL_ENV", "PYTHON")):
            env.pop(name)
    env.update(
        DATABASE_URL=pg_url(ALERTA_DB, "postgres"),
        AUTH_REQUIRED="False",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(36),
        PATH=f"{ALERTA_VENV / 'bin'}:{os.environ.get('PATH', '')}",
    )
    argv = [
        str(gunicorn),
        "alerta:create_app()",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "30",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    # Create Alerta's schema once: two workers booting on an empty database race on it.
    init = subprocess.run(
        [str(ALERTA_VENV / "bin" / "python"), "-c", "from alerta import create_app; create_app()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if init.returncode != 0:
        raise BenchError(f"Alerta could not create its schema: {init.stderr[-1000:]}")
    proc = start_process("alerta (gunicorn, 2 sync workers)", argv, env, log_path)
    server = Server("alerta", proc, port, log_path)
    try:
        wait_http(server, "/management/healthcheck", timeout=60)
        time.sleep(1.0)
    except BaseException:
        stop_process(proc, server.name)
        raise
    return server


# --------------------------------------------------------------------------------------------
# Profiling (optional)


def py_spy_binary() -> str | None:
    for candidate in (ALERTA_VENV / "bin" / "py-spy", VENV_BIN / "py-spy"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("py-spy")


def summarize_profile(raw: Path, top: int = 25) -> str:
    """Self and inclusive time per function from py-spy's collapsed stacks."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        self_time[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf = frames[-1]
        where = leaf[leaf.rfind("(") + 1 : leaf.rfind(")")] if "(" in leaf else leaf
        packages[_package_of(where)] += count
    if not total:
        return "(no samples)"
    lines = [f"{total} samples (all workers). Leaf time by package:", ""]
    lines += ["| package | share |", "|---|---:|"]
    lines += [f"| {pkg} | {100 * n / total:.1f} % |" for pkg, n in packages.most_common(15)]
    lines += ["", "Self time, top functions:", "", "| function | self |", "|---|---:|"]
    lines += [
        f"| `{name[:110]}` | {100 * n / total:.1f} % |" for name, n in self_time.most_common(top)
    ]
    interesting = [(name, n) for name, n in inclusive.most_common(400) if "(slar/" in name][:top]
    lines += ["", "Inclusive time, SLAR's own frames:", "", "| function | incl. |", "|---|---:|"]
    lines += [f"| `{name[:110]}` | {100 * n / total:.1f} % |" for name, n in interesting]
    return "\n".join(lines)


def _package_of(where: str) -> str:
    """py-spy names files by package-relative path: ``sqlalchemy/orm/session.py:12``."""
    path = where.split(":")[0]
    if "/" not in path:
        return "stdlib"
    top = path.split("/")[0]
    return "stdlib" if top in _STDLIB_DIRS else top


_STDLIB_DIRS = {"asyncio", "concurrent", "json", "email", "http", "multiprocessing", "logging"}


def profile_slar(server: Server, target: SlarTarget, duration: float, out_dir: Path) -> str:
    py_spy = py_spy_binary()
    if py_spy is None:
        return (
            f"py-spy not found (install it: {ALERTA_VENV.relative_to(ROOT)}/bin/pip install py-spy)"
        )
    raw = out_dir / "slar-profile.txt"
    argv = [
        py_spy,
        "record",
        "--pid",
        str(server.proc.pid),
        "--subprocesses",
        "--gil",  # CPU in Python: samples of threads holding the GIL only
        "--function",
        "--rate",
        "100",
        "--format",
        "raw",
        "--duration",
        str(int(duration)),
        "--output",
        str(raw),
    ]
    log(f"profiling SLAR with py-spy for {duration:.0f} s under PagerDuty load (c=16)")
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        run_wrk(
            "slar (profiled)",
            "pagerduty",
            server.base + "/api/v2/enqueue",
            "pagerduty.lua",
            ["pagerduty", target.pagerduty_key, "0.2", f"prof{secrets.token_hex(3)}"],
            connections=16,
            duration=duration,
            app_root=server.proc.pid,
        )
        _, err = spy.communicate(timeout=duration + 30)
    except subprocess.TimeoutExpired:
        spy.kill()
        spy.communicate(timeout=10)
        return "py-spy did not finish in time"
    if spy.returncode != 0 or not raw.exists():
        return f"py-spy failed ({spy.returncode}): {err.decode(errors='replace')[-500:]}"
    return summarize_profile(raw)


# --------------------------------------------------------------------------------------------
# Report


def fmt_ms(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def machine_line() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = "?"
    with contextlib.suppress(Exception):
        wrk_version = subprocess.run(
            ["wrk", "-v"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.split()[1]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"PostgreSQL {pg_version()}, Python {platform.python_version()}, wrk {wrk_version}"
    )


def load_label(load: str) -> str:
    return {"pagerduty": "PagerDuty events", "alertmanager": "Alertmanager batches"}[load]


def build_report(
    args: argparse.Namespace,
    started: str,
    results: list[Result],
    notes: list[str],
    counts: dict[str, dict[str, int]],
    profile: str | None,
) -> str:
    ncpu = os.cpu_count() or 1
    lines = [
        f"# Ingest benchmark, {started}",
        "",
        f"- Machine: {machine_line()}; load average at start {args.loadavg}",
        f"- SLAR: `slar serve`, SLAR_WORKERS={args.workers}, PostgreSQL `{SLAR_DB}` "
        "(fsync and synchronous_commit on)" + (" (skipped)" if args.skip_slar else ""),
        "- Alerta: alerta-server "
        f"{alerta_version()}, gunicorn 2 sync workers, default plugins, PostgreSQL "
        f"`{ALERTA_DB}`" + (" (skipped)" if args.skip_alerta else ""),
        f"- Closed loop: `wrk -t2 -c<C> -d{args.duration}s --timeout 5s` after a "
        f"{args.warmup} s warm-up; the PagerDuty load re-sends a recent dedup key in "
        f"{args.repeat:.0%} of requests (new key otherwise); Alertmanager batches carry "
        "2-5 new alerts (3.5 on average) with a new groupKey each",
        f"- Open loop: {args.rate:.0f} PagerDuty events/s for {args.duration} s from an "
        "asyncio generator (up to 64 keep-alive connections), latency counted from each "
        "request's scheduled send time",
        f"- CPU: percent of one core ({ncpu} cores = {100 * ncpu} %); PostgreSQL counts every "
        "backend of the cluster; *other* is the rest of the machine (other users: noise)",
    ]
    closed = [r for r in results if r.mode == "max"]
    if closed:
        lines += [
            "",
            "## Maximum throughput (closed loop)",
            "",
            "| System | Load | Conns | req/s | events/s | p50 ms | p90 ms | p99 ms | max ms "
            "| non-2xx | socket errors | CPU server | CPU PostgreSQL | CPU wrk | CPU other |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in closed:
            cpu = r.cpu.cells() if r.cpu else ["-"] * 4
            if noisy(r, args):
                cpu[-1] += " (noisy)"
            lines.append(
                f"| {r.system} | {load_label(r.load)} | {r.connections} | {r.req_per_s:,.0f} "
                f"| {r.events_per_s:,.0f} | {fmt_ms(r.p50_ms)} | {fmt_ms(r.p90_ms)} "
                f"| {fmt_ms(r.p99_ms)} | {fmt_ms(r.max_ms)} | {r.non2xx} | {r.socket_errors} | "
                + " | ".join(cpu)
                + " |"
            )
        lines += [
            "",
            "events/s counts 2xx answers only; for Alertmanager it is alerts/s "
            "(2xx requests x alerts per request). *noisy*: other users' processes took more than "
            f"{args.noise_limit:.0f} % CPU during the run; its figures are not the system's.",
        ]
    fixed = [r for r in results if r.mode == "rate"]
    if fixed:
        lines += [
            "",
            f"## Fixed rate: {args.rate:.0f} PagerDuty events/s (open loop)",
            "",
            "| System | target/s | 2xx/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms "
            "| statuses | CPU server | CPU PostgreSQL | CPU generator | CPU other |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for r in fixed:
            cpu = r.cpu.cells() if r.cpu else ["-"] * 4
            if noisy(r, args):
                cpu[-1] += " (noisy)"
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.extra["statuses"].items()))
            lines.append(
                f"| {r.system} | {r.target_rate:.0f} | {r.req_per_s:,.0f} | {fmt_ms(r.p50_ms)} "
                f"| {fmt_ms(r.p90_ms)} | {fmt_ms(r.p99_ms)} | {fmt_ms(r.p999_ms)} "
                f"| {fmt_ms(r.max_ms)} | {statuses} | " + " | ".join(cpu) + " |"
            )

    if fixed:
        lines += ["", "p99 per second of the run (ms), to tell steady slowness from stalls:", ""]
        for r in fixed:
            series = ", ".join(fmt_ms(v) for v in r.extra["p99_by_second"])
            lines.append(f"- {r.system}: {series}")

    slar_max = [r for r in closed if r.system.startswith("slar")]
    alerta_max = {(r.load, r.connections): r for r in closed if r.system == "alerta"}
    pairs = [
        (r, alerta_max[(r.load, r.connections)])
        for r in slar_max
        if (r.load, r.connections) in alerta_max
        and alerta_max[(r.load, r.connections)].events_per_s
    ]
    if pairs:
        lines += [
            "",
            "## SLAR / Alerta (same run, same PostgreSQL, same load)",
            "",
            "| Load | Conns | SLAR | SLAR events/s | Alerta events/s | ratio |",
            "|---|---:|---|---:|---:|---:|",
        ]
        for r, a in pairs:
            lines.append(
                f"| {load_label(r.load)} | {r.connections} | {r.system} "
                f"| {r.events_per_s:,.0f} | {a.events_per_s:,.0f} "
                f"| {r.events_per_s / a.events_per_s:.1f}x{_noisy_pair(r, a, args)} |"
            )

    targets = []
    pd_max = [r for r in slar_max if r.load == "pagerduty"]
    if pd_max:
        clean = [r for r in pd_max if r.non2xx == 0 and r.socket_errors == 0] or pd_max
        best = max(clean, key=lambda r: r.events_per_s)
        ok = best.events_per_s >= 1000 and best.non2xx == 0 and best.socket_errors == 0
        targets.append(
            f"| >= 1,000 PagerDuty events/s sustained | {best.events_per_s:,.0f}/s "
            f"({best.system}, c={best.connections}, {args.duration} s, {best.non2xx} non-2xx, "
            f"{best.socket_errors} socket errors){' (noisy)' if noisy(best, args) else ''} "
            f"| {_yes(ok)} |"
        )
    for r in fixed:
        if not r.system.startswith("slar") or r.target_rate is None:
            continue
        if r.target_rate < 200:
            targets.append(
                f"| p99 <= 50 ms at 200 events/s | not measured (ran at {r.target_rate:.0f}/s: "
                f"p99 {fmt_ms(r.p99_ms)} ms) | - |"
            )
            continue
        ok = (
            r.p99_ms <= 50
            and r.non2xx == 0
            and r.socket_errors == 0
            and r.req_per_s >= 0.95 * r.target_rate
        )
        targets.append(
            f"| p99 <= 50 ms at {r.target_rate:.0f} events/s | p99 {fmt_ms(r.p99_ms)} ms, "
            f"{r.req_per_s:,.0f} 2xx/s ({r.system}){' (noisy)' if noisy(r, args) else ''} "
            f"| {_yes(ok)} |"
        )
    for r, a in pairs:
        ratio = r.events_per_s / a.events_per_s
        targets.append(
            f"| >= 2x Alerta's throughput ({load_label(r.load)}, c={r.connections}) "
            f"| {ratio:.1f}x ({r.system}){_noisy_pair(r, a, args)} | {_yes(ratio >= 2)} |"
        )
    if targets:
        lines += ["", "## Targets", "", "| Target | Measured | Met |", "|---|---|---|", *targets]
    if counts:
        lines += ["", "## Rows stored (sanity check)", ""]
        for name, c in counts.items():
            lines.append(f"- {name}: " + ", ".join(f"{k} {v:,}" for k, v in c.items()))
    if args.busy_before:
        notes = [
            *notes,
            "Machine busy just before the runs (other users' load; 200 % = both cores): "
            + ", ".join(f"{b:.0f} %" for b in args.busy_before),
        ]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    if profile:
        lines += ["", "## Where SLAR's CPU goes (py-spy, PagerDuty load, c=16)", "", profile]
    return "\n".join(lines) + "\n"


def noisy(result: Result, args: argparse.Namespace) -> bool:
    return result.cpu is not None and result.cpu.other > args.noise_limit


def _noisy_pair(a: Result, b: Result, args: argparse.Namespace) -> str:
    return " (noisy)" if noisy(a, args) or noisy(b, args) else ""


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def alerta_version() -> str:
    for dist in ALERTA_VENV.glob("lib/python3*/site-packages/alerta_server-*.dist-info"):
        return dist.name.removesuffix(".dist-info").split("-")[1]
    return "?"


# --------------------------------------------------------------------------------------------
# Main


@dataclass
class System:
    """One server under test and how each load reaches it."""

    name: str
    server: Server
    pd_url: str
    pd_args: Callable[[str], list[str]]  # run tag -> bench/wrk/pagerduty.lua arguments
    am_url: str
    rate_path: str
    rate_body: Callable[[str, int], bytes]  # (run tag, event index) -> body
    workers: int | None = None


def slar_system(workers: int, target: SlarTarget, logs: Path, repeat: float) -> System:
    server = start_slar(workers, logs / f"slar-w{workers}.log")
    try:
        smoke_slar(server, target)
    except BaseException:
        stop_process(server.proc, server.name)
        raise
    return System(
        name=f"slar w={workers}",
        server=server,
        pd_url=server.base + "/api/v2/enqueue",
        pd_args=lambda tag: ["pagerduty", target.pagerduty_key, str(repeat), tag],
        am_url=f"{server.base}/api/integrations/{target.alertmanager_key}/alertmanager",
        rate_path="/api/v2/enqueue",
        rate_body=lambda tag, n: json.dumps(pagerduty_event(target.pagerduty_key, tag, n)).encode(),
        workers=workers,
    )


def alerta_system(logs: Path, repeat: float) -> System:
    server = start_alerta(logs / "alerta.log")
    try:
        status, body = post_json(server.base + "/alert", alerta_event("smoke", 1))
        if status != 201:
            raise BenchError(f"Alerta POST /alert answered {status}: {body[:300]}")
    except BaseException:
        stop_process(server.proc, server.name)
        raise
    return System(
        name="alerta",
        server=server,
        pd_url=server.base + "/alert",
        pd_args=lambda tag: ["alerta", "-", str(repeat), tag],
        am_url=server.base + "/webhooks/prometheus",
        rate_path="/alert",
        rate_body=lambda tag, n: json.dumps(alerta_event(tag, n)).encode(),
    )


def run_load(system: System, load: str, tag: str, connections: int, duration: float) -> Result:
    if load == "pagerduty":
        url, script, script_args = system.pd_url, "pagerduty.lua", system.pd_args(tag)
    else:
        url, script, script_args = system.am_url, "alertmanager.lua", [tag]
    return run_wrk(
        system.name,
        load,
        url,
        script,
        script_args,
        connections=connections,
        duration=duration,
        app_root=system.server.proc.pid,
    )


def measure(args: argparse.Namespace, systems: list[System], results: list[Result]) -> None:
    """Each load against every system back to back, so that they see the same background."""
    run = secrets.token_hex(3)
    for system in systems:
        log(f"{system.name}: warm-up {args.warmup} s per load")
        for load in ("pagerduty", "alertmanager"):
            run_wrk(
                system.name,
                load,
                system.pd_url if load == "pagerduty" else system.am_url,
                f"{load}.lua",
                system.pd_args(f"{run}w") if load == "pagerduty" else [f"{run}w"],
                connections=16,
                duration=args.warmup,
                app_root=system.server.proc.pid,
                record=False,
            )
    for c in args.connections:
        for load in ("pagerduty", "alertmanager"):
            for system in systems:
                settle(args)
                result = run_load(system, load, f"{run}c{c}", c, args.duration)
                result.extra["workers"] = system.workers
                results.append(result)
    for system in systems:
        if system.name == "alerta" and args.skip_alerta_rate:
            continue
        settle(args)
        indices = event_indices(int(args.rate * args.duration), args.repeat, seed=7)
        bodies = [system.rate_body(f"{run}r", n) for n in indices]
        result = run_fixed_rate(
            system.name,
            system.server.port,
            system.rate_path,
            bodies,
            args.rate,
            app_root=system.server.proc.pid,
        )
        result.extra["workers"] = system.workers
        results.append(result)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per load")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between runs")
    parser.add_argument(
        "--workers",
        default="4",
        help="SLAR_WORKERS (default 4: what `slar serve` picks on 2 CPUs and PostgreSQL); "
        "a comma list (3,4) runs SLAR once per value",
    )
    parser.add_argument(
        "--connections", default="16,32", help="wrk connections, comma list (default 16,32)"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="fixed-rate events/s")
    parser.add_argument("--repeat", type=float, default=0.2, help="share of re-sent dedup keys")
    parser.add_argument("--skip-alerta", action="store_true", help="benchmark SLAR only")
    parser.add_argument("--skip-slar", action="store_true", help="benchmark Alerta only")
    parser.add_argument(
        "--skip-alerta-rate",
        action="store_true",
        help="skip the fixed-rate run against Alerta (it cannot sustain 200/s)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="before each run, wait up to this many seconds for the machine to be idle",
    )
    parser.add_argument(
        "--quiet-threshold",
        type=float,
        default=30.0,
        help="machine busy percent (200 = 2 cores) below which a run may start",
    )
    parser.add_argument(
        "--noise-limit",
        type=float,
        default=25.0,
        help="flag a run as noisy when other processes took more CPU percent than this",
    )
    parser.add_argument("--profile", action="store_true", help="add a py-spy profile of SLAR")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark databases")
    parser.add_argument(
        "--output", type=Path, default=None, help="report path (default bench/results/...)"
    )
    args = parser.parse_args(argv)
    args.worker_counts = [int(x) for x in str(args.workers).split(",") if x.strip()]
    args.connections = [int(x) for x in str(args.connections).split(",") if x.strip()]
    args.busy_before = []
    return args


def preflight(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise BenchError(f"wrk is not installed. Install it with: {WRK_INSTALL}")
    try:
        pg_admin("SELECT 1")
    except Exception as exc:
        raise BenchError(
            f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} as {PG_USER}: {exc}"
        ) from exc
    if not args.skip_slar and not (VENV_BIN / "slar").exists():
        raise BenchError(f"run with SLAR's virtualenv python (no {VENV_BIN / 'slar'})")
    if not args.skip_alerta and not (ALERTA_VENV / "bin" / "gunicorn").exists():
        raise BenchError(f"Alerta is not installed. Run: {ALERTA_INSTALL}")


def interrupt(_signum: int, _frame: object) -> None:
    """SIGTERM/SIGINT handler of every bench script: unwind (cleaning up) once."""
    # Once: a second signal must not cut the clean-up short (stopping servers, dropping
    # databases), which is itself bounded in time.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    args.loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    RESULTS.mkdir(exist_ok=True)
    logs = RESULTS / f"logs-{stamp}"
    logs.mkdir(exist_ok=True)
    # SIGTERM (a CI timeout) runs the same clean-up as Ctrl-C.
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)

    results: list[Result] = []
    notes: list[str] = []
    counts: dict[str, dict[str, int]] = {}
    profile: str | None = None
    systems: list[System] = []
    exit_code = 0
    try:
        preflight(args)
        if not args.skip_slar:
            recreate_database(SLAR_DB)
            log("slar migrate")
            out = subprocess.run(
                [str(VENV_BIN / "slar"), "migrate"],
                env=slar_env(1, 8000),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            if out.returncode != 0:
                raise BenchError(f"slar migrate failed: {out.stderr[-1000:]}")
            target = seed_slar()
            for workers in args.worker_counts:
                systems.append(slar_system(workers, target, logs, args.repeat))
        if not args.skip_alerta:
            recreate_database(ALERTA_DB)
            systems.append(alerta_system(logs, args.repeat))
        measure(args, systems, results)
        slar_systems = [s for s in systems if s.name.startswith("slar")]
        if args.profile and slar_systems:
            settle(args)
            profile = profile_slar(slar_systems[-1].server, target, args.duration, logs)
    except BenchError as exc:
        log(f"error: {exc}")
        notes.append(f"stopped early: {exc}")
        exit_code = 2
    except Exception as exc:
        log(f"unexpected error: {exc!r}")
        traceback.print_exc()
        notes.append(f"stopped early: {exc!r}")
        exit_code = 1
    except KeyboardInterrupt:
        log("interrupted")
        notes.append("interrupted")
        exit_code = 130
    finally:
        for system in systems:
            stop_process(system.server.proc, system.name)
        if any(s.name.startswith("slar") for s in systems):
            counts["SLAR"] = slar_counts()
        if any(s.name == "alerta" for s in systems):
            counts["Alerta"] = alerta_counts()
        if not args.keep_db:
            for name in (SLAR_DB, ALERTA_DB):
                drop_database(name)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    for label in ("slar", "alerta"):
        runs = [r for r in results if r.system.startswith(label) and r.mode == "max"]
        if runs:
            keys = sum(r.extra.get("distinct", 0) for r in runs)
            alerts = sum(r.extra.get("alerts_sent", 0) for r in runs)
            notes.append(
                f"{label}: the measured closed-loop runs built {keys:,} new PagerDuty-shaped "
                f"events and {alerts:,} Alertmanager alerts (warm-up, fixed-rate and smoke "
                "events come on top)."
            )
    if results:
        args.workers = ",".join(str(w) for w in args.worker_counts)
        report = build_report(args, started, results, notes, counts, profile)
        path = args.output or RESULTS / f"ingest-{stamp}.md"
        path.write_text(report)
        print(report)
        log(f"report written to {path}; server logs in {logs}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
