"""Server-side render time of every web page with the demo data.

    .venv/bin/python bench/web_pages.py [--repeats 30] [--database-url postgresql://...]

Target (issue 6): every page renders in under 100 ms server-side with the demo data.

What is measured: one request through the whole ``slar serve`` gateway in-process (session
cookie, CSRF middleware, the web handler, every API call it makes through the in-process
transport, the database, Jinja2), from the moment the request enters the ASGI app until its
last byte leaves. No socket and no browser are involved, so the figure is the server's share of
a page view. The database is a fresh SQLite file (or a fresh PostgreSQL database) migrated and
loaded with ``slar demo``; pages are requested as the demo's team manager (a responder) and as
the first admin. Each page is warmed up once, then requested ``--repeats`` times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from slar import bootstrap
from slar.demo import load_demo
from slar.gateway import create_gateway_app
from slar.kernel.clock import SystemClock
from slar.settings import load_settings

TARGET_MS = 100.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _database(url: str | None, workdir: Path) -> tuple[str, str | None]:
    """(database URL, PostgreSQL database to drop afterwards)."""
    if not url:
        return f"sqlite:///{workdir / 'web-bench.db'}", None
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"slar_webbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def _drop(url: str, name: str) -> None:
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def _sign_in(http: httpx.AsyncClient, email: str, password: str) -> None:
    token = CSRF.search((await http.get("/login")).text)
    assert token, "no sign-in form"
    answer = await http.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text


async def _pages(http: httpx.AsyncClient) -> list[str]:
    """Every page, with ids taken from the demo data as the UI links them."""
    found = [
        "/",
        "/incidents",
        "/incidents/rows",
        "/services",
        "/schedules",
        "/escalation-policies",
        "/teams",
        "/profile",
        "/monitors",
        "/runbooks",
    ]
    for listing, pattern in (
        ("/incidents", r'href="(/incidents/\d+)"'),
        ("/services", r'href="(/services/\d+)"'),
        ("/schedules", r'href="(/schedules/\d+)"'),
        ("/escalation-policies", r'href="(/escalation-policies/\d+)"'),
        ("/teams", r'href="(/teams/\d+)"'),
    ):
        match = re.search(pattern, (await http.get(listing)).text)
        if match:
            found.append(match.group(1))
    return found


async def _measure(http: httpx.AsyncClient, path: str, repeats: int) -> list[float]:
    answer = await http.get(path)  # warm-up
    assert answer.status_code == 200, f"{path}: {answer.status_code}"
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        answer = await http.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200
    return times


async def _run(
    app: object, who: list[tuple[str, str, str]], repeats: int
) -> list[tuple[str, str, list[float]]]:
    results = []
    for label, email, password in who:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://slar.bench") as http:
            await _sign_in(http, email, password)
            for path in await _pages(http) + (["/admin"] if label == "admin" else []):
                results.append((label, path, await _measure(http, path, repeats)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("SLAR_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = _database(args.database_url, Path(tmp))
        try:
            settings = load_settings({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
            bootstrap.migrate(settings)
            db = bootstrap.build_database(settings)
            admin = bootstrap.ensure_first_admin(db, SystemClock())
            summary = load_demo(db, SystemClock())
            db.dispose()
            assert admin is not None
            manager = re.search(r"(alice@\S+)\s+password: (\S+)", summary)
            assert manager, summary
            state = bootstrap.build_api_state(settings)
            app = create_gateway_app(state)
            who = [
                ("responder", manager.group(1), manager.group(2)),
                ("admin", admin.email, admin.password),
            ]
            results = asyncio.run(_run(app, who, args.repeats))
            state.db.dispose()
        finally:
            if pg_name and args.database_url:
                _drop(args.database_url, pg_name)
    backend = "PostgreSQL" if pg_name else "SQLite"
    print(
        f"web pages, server-side, {backend}, demo data, {args.repeats} requests each "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)"
    )
    print(f"{'as':<10} {'page':<28} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for label, path, times in results:
        ordered = sorted(times)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        worst = max(worst, p95)
        print(
            f"{label:<10} {path:<28} {statistics.median(times):>10.1f} {p95:>8.1f} "
            f"{ordered[-1]:>8.1f}"
        )
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(f"slowest p95: {worst:.1f} ms — {verdict} the {TARGET_MS:.0f} ms target")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
