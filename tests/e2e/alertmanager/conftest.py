"""Fixtures of the real-Alertmanager end-to-end tests: a SLAR service with an ``alertmanager``
and a ``pagerduty`` integration made through the REST API, and a real Alertmanager whose two
receivers point at them.

The tests skip only when the Alertmanager binary is missing (CI installs it in ``.ci/run``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.alertmanager import process
from tests.support.harness import ApiHarness

# Fast timings so a test runs in seconds. The webhook route re-sends its unchanged group about
# every group_interval (repeat_interval below it) so that idempotency is exercised by real
# re-sends; the PagerDuty route sends only on change, as most production configs do.
GROUP_WAIT = "1s"
GROUP_INTERVAL = "2s"
WEBHOOK_REPEAT_INTERVAL = "1s"
PAGERDUTY_REPEAT_INTERVAL = "1h"


@dataclass
class Slar:
    """What the test set up in SLAR: an admin's client and the two integrations."""

    api: ApiHarness
    http: httpx.Client
    service_id: int
    webhook_key: str
    pagerduty_key: str

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()


@pytest.fixture
def slar(api: ApiHarness) -> Slar:
    admin = api.make_user("admin@example.com", role="admin")
    http = api.http(admin.token)
    team = http.post("/teams", json={"name": "Platform"})
    assert team.status_code == 201, team.text
    service = http.post("/services", json={"team_id": team.json()["id"], "name": "Web"})
    assert service.status_code == 201, service.text
    service_id = service.json()["id"]
    keys = {}
    for kind in ("alertmanager", "pagerduty"):
        created = http.post(
            f"/services/{service_id}/integrations", json={"name": f"AM {kind}", "kind": kind}
        )
        assert created.status_code == 201, created.text
        keys[kind] = created.json()["key"]
    return Slar(
        api=api,
        http=http,
        service_id=service_id,
        webhook_key=keys["alertmanager"],
        pagerduty_key=keys["pagerduty"],
    )


def alertmanager_config(slar: Slar) -> dict[str, Any]:
    """Route by the ``receiver`` label: ``webhook`` → webhook_configs, ``pd`` →
    pagerduty_configs; both pointed at the live SLAR exactly as an operator would."""
    return {
        "route": {
            "receiver": "webhook",
            "group_by": ["alertname", "env"],
            "group_wait": GROUP_WAIT,
            "group_interval": GROUP_INTERVAL,
            "repeat_interval": PAGERDUTY_REPEAT_INTERVAL,
            "routes": [
                {
                    "matchers": ['receiver="webhook"'],
                    "receiver": "webhook",
                    "repeat_interval": WEBHOOK_REPEAT_INTERVAL,
                },
                {"matchers": ['receiver="pd"'], "receiver": "pd"},
            ],
        },
        "receivers": [
            {
                "name": "webhook",
                "webhook_configs": [
                    {
                        "url": f"{slar.api.url}/integrations/{slar.webhook_key}/alertmanager",
                        "send_resolved": True,
                    }
                ],
            },
            {
                "name": "pd",
                "pagerduty_configs": [
                    {
                        "routing_key": slar.pagerduty_key,
                        "url": f"{slar.api.url}/v2/enqueue",
                        "send_resolved": True,
                    }
                ],
            },
        ],
    }


@pytest.fixture
def alertmanager(slar: Slar, tmp_path: Path) -> Iterator[process.Alertmanager]:
    if process.binary() is None:
        pytest.skip(
            f"{process.BINARY} is missing: apt-get install prometheus-alertmanager "
            "(.ci/run installs it)"
        )
    manager = process.start(alertmanager_config(slar), tmp_path / "alertmanager")
    try:
        yield manager
    finally:
        manager.stop()
