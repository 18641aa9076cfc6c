"""Prometheus metrics shared by every role (one registry per process)."""

from __future__ import annotations

from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

_M = TypeVar("_M", Counter, Histogram)

HTTP_REQUESTS = Counter("slar_http_requests_total", "HTTP requests", ["app", "method", "status"])
HTTP_LATENCY = Histogram(
    "slar_http_request_duration_seconds",
    "HTTP request latency",
    ["app"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
INGEST_EVENTS = Counter("slar_ingest_events_total", "Inbound alert events", ["format", "outcome"])
INGEST_LATENCY = Histogram(
    "slar_ingest_duration_seconds",
    "Time to parse and commit one inbound request",
    ["format"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


_CHILDREN: dict[tuple[Any, ...], Any] = {}


def labelled(metric: _M, *labels: str) -> _M:
    """``metric.labels(*labels)``, memoised: the client's own lookup takes a lock and
    validates the labels on every call, which hot paths (every request) need not repeat.
    Label values here come from small fixed sets (formats, outcomes, methods, statuses)."""
    key = (id(metric), *labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN.setdefault(key, metric.labels(*labels))
    result: _M = child
    return result


def render_latest() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
