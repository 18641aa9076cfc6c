"""Running the worker's ``Runner``s as a process (``slar worker``) or as threads (``slar serve``).

A worker is one runner per lane (``bootstrap.build_workers``): the main lane (paging, the
ticks, the heartbeat) runs in the process's main thread, the others (monitor probes) each in a
thread of their own, so a job that waits on the network never holds up the claim of a page.

Shutdown is graceful: SIGTERM or SIGINT stops claiming, lets the jobs already started finish,
releases the rest of the batch back to the queue, and exits. A second signal exits at once (the
leases of unfinished jobs then expire and another replica runs them).

Liveness: the loop rewrites a heartbeat file on every round and after every job; Kubernetes
runs ``slar worker --check`` as an exec probe, which fails when the file is stale (the loop is
stuck) or missing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from slar.jobs.runner import BatchResult, Runner

log = logging.getLogger("slar.worker")

HEARTBEAT_MIN_INTERVAL = 1.0


class Heartbeat:
    """Writes the current wall-clock time to a file, at most once a second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last = float("-inf")
        self._lock = threading.Lock()

    def beat(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last < HEARTBEAT_MIN_INTERVAL:
                return
            self._last = now
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            scratch.write_text(f"{time.time():.3f}\n")
            os.replace(scratch, self.path)  # atomic: the probe never reads half a line

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def heartbeat_age(path: Path, *, now: float | None = None) -> float | None:
    """Seconds since the last heartbeat in ``path``; None if there is none."""
    try:
        content = path.read_text().strip()
        written = float(content) if content else path.stat().st_mtime
    except FileNotFoundError:
        return None
    except ValueError:
        written = path.stat().st_mtime
    return (time.time() if now is None else now) - written


def check_heartbeat(path: Path, max_age: float) -> tuple[bool, str]:
    """The liveness verdict and a line saying why."""
    age = heartbeat_age(path)
    if age is None:
        return False, f"no worker heartbeat at {path}"
    if age > max_age:
        return False, f"worker heartbeat is stale: {age:.0f} s old (limit {max_age:.0f} s)"
    return True, f"worker alive: heartbeat {max(age, 0.0):.1f} s old"


def run_process(
    runners: Sequence[Runner], *, heartbeat: Heartbeat, once: bool = False
) -> BatchResult | None:
    """Run the lanes until SIGTERM/SIGINT (the first in this main thread), or each once when
    ``once``."""
    main, *others = runners
    previous = _install_signal_handlers(runners)
    try:
        if once:
            total = BatchResult()
            for runner in runners:
                with runner:
                    heartbeat.beat()
                    total.add(runner.run_due())
            return total
        side = WorkerThread(others)
        side.start()
        try:
            main.run_forever()
        finally:
            side.stop()
        return None
    finally:
        heartbeat.remove()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _install_signal_handlers(runners: Sequence[Runner]) -> dict[int, signal._HANDLER]:
    previous: dict[int, signal._HANDLER] = {}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if runners[0].stopping:
            log.warning("%s again: exiting now; unfinished jobs return when their lease ends", name)
            os._exit(128 + signum)
        log.info("%s: finishing the jobs in hand, releasing the rest", name)
        for runner in runners:
            runner.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, on_signal)
    return previous


class WorkerThread:
    """Lanes of the worker inside another thread or process (``slar serve``; the side lanes of
    ``slar worker``): one thread per runner, started and stopped together by their host."""

    def __init__(self, runners: Sequence[Runner]) -> None:
        self.runners = list(runners)
        self._threads = [
            threading.Thread(
                target=self._run,
                args=(runner,),
                name="slar-worker" if n == 0 else f"slar-worker-{n}",
                daemon=True,
            )
            for n, runner in enumerate(self.runners)
        ]

    @staticmethod
    def _run(runner: Runner) -> None:
        try:
            runner.run_forever()
        except Exception:
            log.exception("the in-process worker crashed")

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming, let started jobs finish (up to ``timeout``), release the rest."""
        for runner in self.runners:
            runner.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(thread.is_alive() for thread in self._threads)
