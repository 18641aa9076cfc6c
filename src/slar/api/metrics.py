"""Prometheus gauges read from the database at scrape time: queue depth and lag, deliveries.

They describe the whole deployment (every worker replica shares the queue), so any API replica
reports the same numbers; each scrape costs two small aggregate queries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from slar.db import Database
from slar.domain.notifications.repository import deliveries_by_channel_and_status
from slar.jobs import admin as jobs_admin
from slar.kernel.clock import Clock

log = logging.getLogger("slar.api.metrics")


class DatabaseCollector(Collector):
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("slar_jobs", "Jobs in the queue", labels=["kind", "status"])
        lag = GaugeMetricFamily(
            "slar_jobs_oldest_due_lag_seconds", "How long the longest-waiting due job has waited"
        )
        deliveries = GaugeMetricFamily(
            "slar_deliveries", "Notification deliveries", labels=["channel", "status"]
        )
        try:
            with self.db.read() as session:
                stats = jobs_admin.stats(session, now=self.clock.now())
                by_delivery = deliveries_by_channel_and_status(session)
        except Exception as exc:  # a scrape must not fail because the database is down
            log.warning("metrics: database unavailable: %s", type(exc).__name__)
            return
        for kind, statuses in stats.by_kind.items():
            for status, count in statuses.items():
                depth.add_metric([kind, status], count)
        lag.add_metric([], stats.oldest_due_lag_seconds)
        for (channel, status), count in by_delivery.items():
            deliveries.add_metric([channel, status], count)
        yield depth
        yield lag
        yield deliveries


_collector: DatabaseCollector | None = None


def install_database_metrics(db: Database, clock: Clock) -> None:
    """Report this database's queue and deliveries in the process's default registry (one
    collector per process; an app built later — tests build several — takes it over)."""
    global _collector
    if _collector is None:
        _collector = DatabaseCollector(db, clock)
        REGISTRY.register(_collector)
    else:
        _collector.db, _collector.clock = db, clock
