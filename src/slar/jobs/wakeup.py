"""How an idle worker waits: a plain sleep, or until PostgreSQL says a job was enqueued.

``enqueue`` sends ``NOTIFY slar_jobs`` in the enqueuing transaction, delivered at commit. A
worker LISTENs on a dedicated connection (not from the pool: it sits idle for hours) and wakes
within milliseconds instead of waiting for the next poll. Polling stays the safety net: a lost
notification or a dropped connection only costs latency, never a job.

``wake()`` interrupts a wait from another thread or a signal handler (shutdown) through a
self-pipe, so both kinds of wait return at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import time
from typing import Protocol

import psycopg
from sqlalchemy.engine import URL

from slar.db import Database
from slar.jobs.queue import NOTIFY_CHANNEL, add_local_listener, remove_local_listener

log = logging.getLogger("slar.jobs.wakeup")

RECONNECT_INTERVAL = 5.0


class Wakeup(Protocol):
    def open(self) -> None:
        """Start listening (before the first claim, so no notification falls in between)."""

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True if something (a job, ``wake()``) woke us."""

    def wake(self) -> None:
        """Make the current or next ``wait`` return at once (safe from signal handlers)."""

    def close(self) -> None: ...


class _SelfPipe:
    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)
        self.closed = False

    def poke(self) -> None:
        if self.closed:  # never write to a descriptor number the process may have reused
            return
        # A full pipe means a wake-up is pending anyway.
        with contextlib.suppress(OSError):
            os.write(self.write_fd, b"x")

    def drain(self) -> None:
        try:
            while os.read(self.read_fd, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class SleepWakeup:
    """SQLite: wait the full timeout unless woken — by shutdown, or by a commit in this process
    that enqueued a job (``slar serve`` runs the worker beside the API). A worker in another
    process polls."""

    def __init__(self) -> None:
        self._pipe = _SelfPipe()

    def open(self) -> None:
        add_local_listener(self.wake)

    def wait(self, timeout: float) -> bool:
        readable, _, _ = select.select([self._pipe.read_fd], [], [], max(0.0, timeout))
        if readable:
            self._pipe.drain()
            return True
        return False

    def wake(self) -> None:
        self._pipe.poke()

    def close(self) -> None:
        remove_local_listener(self.wake)
        self._pipe.close()


class PostgresWakeup:
    """``LISTEN slar_jobs`` on a dedicated autocommit connection, reconnecting when it drops."""

    def __init__(self, conninfo: str, *, channel: str = NOTIFY_CHANNEL) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._last_attempt = float("-inf")
        self._pipe = _SelfPipe()

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def open(self) -> None:
        self._connect()

    def _connect(self) -> None:
        self._last_attempt = time.monotonic()
        try:
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=5,
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=3,
                application_name="slar-worker-listen",
            )
            conn.execute(f"LISTEN {self._channel}")
        except psycopg.Error as exc:
            log.warning("cannot LISTEN for jobs, polling only for now: %s", exc)
            self._conn = None
            return
        self._conn = conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None

    def wait(self, timeout: float) -> bool:
        if self._conn is None and time.monotonic() - self._last_attempt >= RECONNECT_INTERVAL:
            self._connect()
            if self._conn is not None:
                return True  # jobs may have been enqueued while we were deaf: look now
        fds = [self._pipe.read_fd]
        if self._conn is not None:
            fds.append(self._conn.fileno())
        readable, _, _ = select.select(fds, [], [], max(0.0, timeout))
        woke = False
        if self._pipe.read_fd in readable:
            self._pipe.drain()
            woke = True
        if self._conn is not None and self._conn.fileno() in readable:
            try:
                # Consume every notification already received: one claim round serves them all.
                received = sum(1 for _ in self._conn.notifies(timeout=0))
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost, reconnecting: %s", exc)
                self._drop()
                return True
            woke = woke or received > 0
        return woke

    def wake(self) -> None:
        self._pipe.poke()

    def close(self) -> None:
        self._drop()
        self._pipe.close()


def libpq_conninfo(url: URL) -> str:
    """The SQLAlchemy URL of the engine as a libpq connection string (password kept)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def wakeup_for(db: Database) -> Wakeup:
    """LISTEN/NOTIFY on PostgreSQL, a plain sleep elsewhere."""
    if db.dialect == "postgresql":
        return PostgresWakeup(libpq_conninfo(db.engine.url))
    return SleepWakeup()
