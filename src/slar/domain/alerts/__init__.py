"""Alerts: normalised inbound alerts, deduplication, alert → incident grouping (ingestion)."""
