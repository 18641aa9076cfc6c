"""Fixtures of the browser end-to-end tests: a real ``slar serve`` and Debian's Chromium.

``slar serve`` runs as a subprocess on a free port (SQLite, and PostgreSQL when
``SLAR_TEST_DATABASE_URL`` is set), exactly as a newcomer starts it; the first admin's password
is read from what it prints. Chromium is driven by Playwright's Python package through its
executable path (``.ci/run`` installs it); the tests skip only when it is missing.
Screenshots of every page go to the test output directory (``SLAR_SCREENSHOTS`` names another).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx
import pytest
from tests.support.databases import backends, drop_pg_database, new_database_url
from tests.support.server import free_port

CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 120.0


@dataclass
class Serve:
    url: str
    admin_email: str
    admin_password: str
    log: Path
    backend: str


def _wait_for_admin(process: subprocess.Popen[str], log: Path) -> tuple[str, str]:
    """Read the printed first admin, then keep draining the output into ``log`` (a full pipe
    would block the server)."""
    email = password = None
    assert process.stdout is not None
    sink = log.open("w")
    for line in process.stdout:
        sink.write(line)
        if found := re.search(r"email:\s+(\S+)", line):
            email = found.group(1)
        if found := re.search(r"password:\s+(\S+)", line):
            password = found.group(1)
        if "serving on" in line:
            break
    sink.flush()
    threading.Thread(target=_drain, args=(process, sink), daemon=True).start()
    if not (email and password):
        raise RuntimeError(f"slar serve printed no first admin; see {log}")
    return email, password


def _drain(process: subprocess.Popen[str], sink: TextIO) -> None:
    assert process.stdout is not None
    with sink:
        for line in process.stdout:
            sink.write(line)
            sink.flush()


@contextmanager
def running_serve(workdir: Path, backend: str, **extra_env: str) -> Iterator[Serve]:
    """``slar serve`` on a free port with a fresh database of ``backend``, as a newcomer runs it
    (plus ``extra_env``); stopped and its database dropped afterwards."""
    database_url = new_database_url(backend, workdir, "e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLAR_PUBLIC_URL": url,
        "POLL_INTERVAL": "0.2",
        "SLAR_LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SLAR_SECRET_KEY", "SLAR_WEB_SECRET_KEY", "SLAR_WEB_INSECURE_COOKIES", "PORT"):
        env.pop(name, None)  # the defaults a newcomer has
    env.update(extra_env)
    process = subprocess.Popen(
        [sys.executable, "-m", "slar", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        email, password = _wait_for_admin(process, workdir / "serve.log")
        _wait_healthy(url, process)
        yield Serve(url, email, password, workdir / "serve.log", backend)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        if backend == "postgresql":
            drop_pg_database(database_url)


def _need_chromium() -> None:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="module", params=backends())
def serve(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Serve]:
    _need_chromium()
    backend = str(request.param)
    with running_serve(tmp_path_factory.mktemp(f"serve-{backend}"), backend) as running:
        yield running


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("slar serve exited")
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("slar serve did not become ready")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("SLAR_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")
