"""A real Prometheus Alertmanager (Debian's ``prometheus-alertmanager``) run as a subprocess.

The end-to-end tests point its ``webhook_configs`` and ``pagerduty_configs`` receivers at a live
SLAR, so what SLAR is tested against is what Alertmanager really sends, not our reading of its
documentation. Each instance gets its own directory (config, ``--storage.path``, log), a free
port, and clustering off, so parallel test workers never share state or ports, and a system
Alertmanager on 9093 (should the Debian package have started one) is never involved.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tests.support.server import free_port

BINARY = "/usr/bin/prometheus-alertmanager"
START_TIMEOUT_S = 15.0


def binary() -> str | None:
    """The Alertmanager binary: the Debian path, else one on PATH; ``None`` when absent."""
    if Path(BINARY).is_file():
        return BINARY
    return shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@dataclass
class Alertmanager:
    """One running Alertmanager: ``url`` is its HTTP API, ``log`` its output file."""

    process: subprocess.Popen[bytes]
    url: str
    workdir: Path
    log: Path
    _http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=10, trust_env=False)

    def post_alerts(self, *alerts: dict[str, Any]) -> None:
        """``POST /api/v2/alerts`` (what Prometheus does on each evaluation)."""
        response = self._http.post("/api/v2/alerts", json=list(alerts))
        assert response.status_code == 200, response.text

    def notifications(self, integration: str) -> int:
        """Successful-or-not notification attempts so far for ``integration`` (``webhook``,
        ``pagerduty``), from Alertmanager's own ``alertmanager_notifications_total``."""
        text = self._http.get("/metrics").text
        pattern = rf'^alertmanager_notifications_total\{{integration="{integration}"\}} (\S+)$'
        match = re.search(pattern, text, re.MULTILINE)
        return int(float(match.group(1))) if match else 0

    def failed_attempts(self) -> list[str]:
        """Log lines of delivery attempts that did not get a 2xx (Alertmanager logs each one,
        retried or not, before its ``notifications_failed_total`` counts a given-up group)."""
        return [
            line
            for line in self.output().splitlines()
            if 'msg="Notify attempt failed' in line or 'msg="Notify for alerts failed' in line
        ]

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        self._http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(config: dict[str, Any], workdir: Path, *, attempts: int = 3) -> Alertmanager:
    """Write ``config`` (JSON is valid YAML) and start Alertmanager on a free port; retry on a
    fresh port if another process took the chosen one before Alertmanager bound it."""
    exe = binary()
    if exe is None:
        raise RuntimeError("prometheus-alertmanager is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    config_file = workdir / "alertmanager.yml"
    config_file.write_text(json.dumps(config, indent=2))
    last_output = ""
    for attempt in range(attempts):
        port = free_port()
        log = workdir / f"alertmanager-{attempt}.log"
        storage = workdir / f"data-{attempt}"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    exe,
                    f"--config.file={config_file}",
                    f"--storage.path={storage}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    f"--web.external-url=http://127.0.0.1:{port}",
                    "--cluster.listen-address=",
                    "--log.level=debug",
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin"},  # no proxy variables: everything is local
            )
        manager = Alertmanager(
            process=process, url=f"http://127.0.0.1:{port}", workdir=workdir, log=log
        )
        if _wait_ready(manager):
            return manager
        manager.stop()
        last_output = manager.output()
    raise RuntimeError(f"Alertmanager did not start; its last output:\n{last_output}")


def _wait_ready(manager: Alertmanager) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if manager.process.poll() is not None:
            return False
        try:
            if manager._http.get("/-/ready").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False


def alert(
    labels: dict[str, str],
    *,
    annotations: dict[str, str] | None = None,
    starts_at: datetime,
    ends_at: datetime | None = None,
) -> dict[str, Any]:
    """An alert as Alertmanager's ``/api/v2/alerts`` takes it; ``ends_at`` in the past
    resolves it."""
    body: dict[str, Any] = {
        "labels": labels,
        "annotations": annotations or {},
        "startsAt": _rfc3339(starts_at),
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=up",
    }
    if ends_at is not None:
        body["endsAt"] = _rfc3339(ends_at)
    return body


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
