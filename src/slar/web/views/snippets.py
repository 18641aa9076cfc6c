"""Ready-to-paste sender configuration for each kind of integration.

Each snippet is built from the integration's own URL (or routing key), so a user copies it and
the monitoring tool sends to the right place at once. The formats are those of
``docs/integrations.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from slar.domain.catalog.schemas import IntegrationOut
from slar.integrations.datadog import RECOMMENDED_TEMPLATE


@dataclass(frozen=True)
class Snippet:
    title: str
    language: str
    text: str


def sample_alertmanager_payload(summary: str = "Disk almost full on db-1") -> dict[str, object]:
    """A real Alertmanager webhook (version 4) body with one firing alert."""
    labels = {"alertname": "DiskFull", "instance": "db-1", "severity": "critical"}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "status": "firing",
        "receiver": "slar",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": summary},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": summary},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example:9090/graph",
                "fingerprint": "d1f0a1b2c3d4e5f6",
            }
        ],
    }


def _curl(url: str, body: object) -> str:
    payload = json.dumps(body, indent=2).replace("'", "'\\''")
    return (
        f"curl -sS -X POST '{url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{payload}'"
    )


def snippets(integration: IntegrationOut) -> list[Snippet]:
    """What to paste where, for ``integration``; empty when the caller may not see the key."""
    url = integration.url
    if url is None:
        return []
    if integration.kind == "pagerduty":
        key = integration.routing_key or ""
        event = {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": "disk-db-1",
            "payload": {
                "summary": "Disk almost full on db-1",
                "source": "db-1",
                "severity": "critical",
            },
        }
        yaml = (
            "receivers:\n  - name: slar-pagerduty\n    pagerduty_configs:\n"
            f"      - routing_key: {key}\n        url: {url}\n        send_resolved: true\n"
        )
        return [
            Snippet("Alertmanager pagerduty_configs", "yaml", yaml),
            Snippet(
                "Any PagerDuty Events API v2 client: send to this URL with routing_key",
                "text",
                f"URL: {url}\nrouting_key: {key}",
            ),
            Snippet("Test with curl", "sh", _curl(url, event)),
        ]
    if integration.kind == "alertmanager":
        yaml = (
            "# alertmanager.yml\nroute:\n  receiver: slar\n  group_by: [alertname]\n"
            "receivers:\n  - name: slar\n    webhook_configs:\n"
            f"      - url: {url}\n        send_resolved: true\n"
        )
        return [
            Snippet("Alertmanager receiver", "yaml", yaml),
            Snippet(
                "Test with curl (a real Alertmanager payload)",
                "sh",
                _curl(url, sample_alertmanager_payload()),
            ),
        ]
    if integration.kind == "datadog":
        return [
            Snippet("Datadog: Integrations → Webhooks → New, URL", "text", url),
            Snippet("Datadog webhook payload", "json", RECOMMENDED_TEMPLATE.strip()),
        ]
    if integration.kind == "grafana":
        yaml = (
            "apiVersion: 1\ncontactPoints:\n  - orgId: 1\n    name: slar\n    receivers:\n"
            "      - uid: slar-webhook\n        type: webhook\n"
            "        disableResolveMessage: false\n"
            f"        settings:\n          url: {url}\n          httpMethod: POST\n"
        )
        return [Snippet("Grafana contact point (provisioning)", "yaml", yaml)]
    body = {
        "title": "Nightly backup of db-1 failed",
        "severity": "error",
        "labels": {"host": "db-1"},
    }
    return [Snippet("Send an alert with curl", "sh", _curl(url, body))]
