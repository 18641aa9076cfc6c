"""SQL statements and CPU time per ingested event, through SLAR's real HTTP stack, in-process.

    .venv/bin/python bench/statements.py [--events 300]

Creates the database ``slar_bench_statements`` (dropped at the end), migrates it, seeds the same
team, service and integrations as ``bench/ingest.py``, builds the API exactly as ``slar api``
does and posts events through Starlette's test client, counting every statement the engine
sends (a SQLAlchemy ``before_cursor_execute`` listener) and the commits. Then it times a series
of new PagerDuty events in one thread: wall time and this process's CPU time per event (no
network, no uvicorn; PostgreSQL's own time is not in the CPU figure).

Complements the load test: the hot path's cost is counted in statements and commits
(``performance.md``: Python CPU per request, not the database, is the limit here).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest as bench  # the harness's helpers, next to this file

DATABASE = "slar_bench_statements"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300, help="timed PagerDuty events")
    args = parser.parse_args(argv)

    bench.recreate_database(DATABASE)
    try:
        env = bench.slar_env(1, 8000, DATABASE)
        subprocess.run(
            [str(bench.VENV_BIN / "slar"), "migrate"],
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        target = bench.seed_slar(DATABASE)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("SLAR_", "DATABASE"))})
        os.environ["LOG_LEVEL"] = "WARNING"
        print(run(target, args.events))
    finally:
        bench.drop_database(DATABASE)
    return 0


def run(target: bench.SlarTarget, events: int) -> str:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from slar import bootstrap
    from slar.api.app import create_api_app
    from slar.settings import load_settings

    state = bootstrap.build_api_state(load_settings())
    seen: list[str] = []
    commits: list[int] = []

    def on_statement(*a: Any) -> None:
        seen.append(" ".join(str(a[2]).split()))

    event.listen(state.db.engine, "before_cursor_execute", on_statement)
    event.listen(state.db.engine, "commit", lambda *_: commits.append(1))
    client = TestClient(create_api_app(state))
    am_path = f"/integrations/{target.alertmanager_key}/alertmanager"
    pd = target.pagerduty_key
    cases = [
        ("PagerDuty trigger, new dedup key", "/v2/enqueue", bench.pagerduty_event(pd, "s", 1)),
        ("PagerDuty trigger, another new key", "/v2/enqueue", bench.pagerduty_event(pd, "s", 2)),
        ("PagerDuty trigger, repeated key", "/v2/enqueue", bench.pagerduty_event(pd, "s", 2)),
        ("Alertmanager batch, 3 new alerts", am_path, bench.alertmanager_batch("s1", 3)),
        ("Alertmanager batch, same 3 again", am_path, bench.alertmanager_batch("s1", 3)),
        ("Alertmanager batch, 5 new alerts", am_path, bench.alertmanager_batch("s2", 5)),
    ]
    lines = ["| Request | HTTP | statements | commits | kinds |", "|---|---:|---:|---:|---|"]
    for label, path, body in cases:
        seen.clear()
        commits.clear()
        response = client.post(path, json=body)
        kinds = Counter(
            " ".join(s.split()[:3]) if s.startswith("UPDATE") else _kind(s) for s in seen
        )
        summary = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in kinds.items())
        lines.append(
            f"| {label} | {response.status_code} | {len(seen)} | {len(commits)} | {summary} |"
        )

    bodies = [bench.pagerduty_event(target.pagerduty_key, "t", n) for n in range(events)]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for body in bodies:
        client.post("/v2/enqueue", json=body)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    client.close()
    state.db.dispose()
    lines += [
        "",
        f"{events} new PagerDuty events one after another through the ASGI app (test client, "
        f"no network): {1000 * wall / events:.2f} ms wall and {1000 * cpu / events:.2f} ms of "
        f"this process's CPU per event, i.e. at most ~{events / cpu:,.0f} events/s per fully "
        "busy core for the Python side alone.",
    ]
    return "\n".join(lines)


def _kind(statement: str) -> str:
    words = statement.split()
    if words[0] == "SELECT":
        table = words[words.index("FROM") + 1] if "FROM" in words else "?"
        return f"SELECT {table}"
    if words[0] == "INSERT":
        return f"INSERT {words[2]}"
    return words[0]


if __name__ == "__main__":
    sys.exit(main())
