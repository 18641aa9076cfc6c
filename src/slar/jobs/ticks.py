"""Periodic ticks: small sweeps run every few seconds by whichever replica gets to them first.

A tick is ``(name, interval_seconds, callable(session, now))``; the registry is a list composed
in ``slar.bootstrap``. Each replica keeps its own schedule (by the injected clock, so scenario
tests move it by hand) and runs a due tick in one transaction that first takes the tick's
advisory lock on PostgreSQL (``pg_try_advisory_xact_lock``): while one replica runs it, the
others skip it rather than queue behind it. SQLite has a single writer and needs no lock.
Ticks must be idempotent sweeps (a replica may run one right after another replica did).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from slar.db import Database
from slar.jobs import repository
from slar.kernel.clock import Clock

log = logging.getLogger("slar.jobs.ticks")

TickFn = Callable[[Session, datetime], None]
Tick = tuple[str, float, TickFn]


class TickScheduler:
    """Runs the ticks that are due, each at most once per interval on this replica."""

    def __init__(self, db: Database, clock: Clock, ticks: Sequence[Tick]) -> None:
        names = [name for name, _, _ in ticks]
        if len(set(names)) != len(names):
            raise ValueError(f"tick names must be unique: {names}")
        for name, interval, _ in ticks:
            if interval <= 0:
                raise ValueError(f"tick {name!r} needs a positive interval")
        self._db = db
        self._clock = clock
        self._ticks = list(ticks)
        self._next: dict[str, datetime] = {}

    def __bool__(self) -> bool:
        return bool(self._ticks)

    def run_due(self) -> list[str]:
        """Run every due tick; returns the names that actually ran (lock taken, no error)."""
        ran: list[str] = []
        for name, interval, fn in self._ticks:
            now = self._clock.now()
            due = self._next.get(name)
            if due is not None and now < due:
                continue
            self._next[name] = now + timedelta(seconds=interval)
            if self._run_one(name, fn, now):
                ran.append(name)
        return ran

    def _run_one(self, name: str, fn: TickFn, now: datetime) -> bool:
        try:
            with self._db.transaction() as session:
                if not repository.try_tick_lock(session, name):
                    log.debug("tick %s is running on another replica", name)
                    return False
                fn(session, now)
        except Exception:
            log.exception("tick %s failed", name, extra={"tick": name})
            return False
        return True

    def seconds_until_next(self) -> float | None:
        """How long until the next tick is due (None when there are no ticks)."""
        if not self._ticks:
            return None
        now = self._clock.now()
        waits = [
            max(0.0, (self._next[name] - now).total_seconds()) if name in self._next else 0.0
            for name, _, _ in self._ticks
        ]
        return min(waits)
