"""Prometheus metrics shared by every role (one registry per process)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

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


def render_latest() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
