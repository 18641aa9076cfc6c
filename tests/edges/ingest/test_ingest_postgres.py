"""PostgreSQL-only ingestion properties: dedup under concurrent deliveries, and durability when
the database goes away (a TCP proxy between the server and PostgreSQL is cut and restored)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from tests.conftest import START, settings_for
from tests.integration.alerts.factory import Catalog, am_alert, am_webhook, pagerduty_event
from tests.support.harness import ApiHarness
from tests.support.server import LiveServer
from tests.support.tcp_proxy import TcpProxy

from slar.api.app import create_api_app
from slar.bootstrap import build_api_state
from slar.kernel.clock import FakeClock


@pytest.fixture(autouse=True)
def _postgresql_only(api: ApiHarness) -> None:
    if api.backend != "postgresql":
        pytest.skip("concurrency and outage behaviour are PostgreSQL properties")


def in_parallel(count: int, call: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """Run ``call`` from ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def run(index: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_parallel_identical_triggers_make_one_incident(
    api: ApiHarness, catalog: Catalog
) -> None:
    hook = catalog.hook("pagerduty")
    body = pagerduty_event(hook.key, dedup_key="storm-1")

    def send(_index: int) -> httpx.Response:
        with httpx.Client(base_url=api.url, timeout=60) as client:
            return client.post("/v2/enqueue", json=body)

    responses = in_parallel(50, send)
    assert [r.status_code for r in responses] == [202] * 50, [r.text for r in responses]
    assert {r.json()["dedup_key"] for r in responses} == {"storm-1"}
    [incident] = catalog.incidents()
    assert incident.alert_count == 50
    [alert] = catalog.alerts()
    assert alert.occurrences == 50 and alert.incident_id == incident.id
    timeline = catalog.timeline(incident.id)
    assert timeline.count("triggered") == 1 and timeline.count("alert_repeated") == 49


def test_parallel_copies_of_one_alertmanager_group_are_idempotent(
    api: ApiHarness, catalog: Catalog
) -> None:
    """An Alertmanager HA pair delivers every notification once per replica, concurrently."""
    hook = catalog.hook("alertmanager")
    body = am_webhook(am_alert("aaaa000000000001"), am_alert("bbbb000000000002"))

    def send(_index: int) -> httpx.Response:
        with httpx.Client(base_url=api.url, timeout=60) as client:
            return client.post(f"/integrations/{hook.key}/alertmanager", json=body)

    responses = in_parallel(20, send)
    assert [r.status_code for r in responses] == [202] * 20, [r.text for r in responses]
    [incident] = catalog.incidents()
    assert incident.alert_count == 2
    assert len(catalog.alerts()) == 2
    assert catalog.timeline(incident.id) == ["triggered"]
    assert sum(len(r.json()["opened"]) for r in responses) == 1


# --- durability -------------------------------------------------------------------------------


@pytest.fixture
def proxied(api: ApiHarness) -> Iterator[tuple[TcpProxy, str]]:
    """A second API server whose database connections all go through a ``TcpProxy``."""
    url = make_url(api.db.engine.url.render_as_string(hide_password=False))
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = settings_for(proxied_url, SLAR_DB_POOL_TIMEOUT="2", SLAR_DB_POOL_SIZE="4")
    state = build_api_state(settings, clock=FakeClock(START))
    server = LiveServer(create_api_app(state)).start()
    try:
        yield proxy, server.url
    finally:
        server.stop()
        proxy.stop()
        state.db.dispose()


def test_outage_answers_503_and_every_accepted_event_is_stored(
    api: ApiHarness, catalog: Catalog, proxied: tuple[TcpProxy, str]
) -> None:
    proxy, base_url = proxied
    pd = catalog.hook("pagerduty")
    am = catalog.hook("alertmanager", service="svc-am")
    client = httpx.Client(base_url=base_url, timeout=30)
    answers: dict[str, int] = {}

    def deliver(n: int) -> httpx.Response:
        key = f"event-{n}"
        if n % 2:
            response = client.post("/v2/enqueue", json=pagerduty_event(pd.key, dedup_key=key))
        else:
            body = am_webhook(am_alert(f"{n:016x}"), group_key=key)
            response = client.post(f"/integrations/{am.key}/alertmanager", json=body)
        answers[key] = response.status_code
        return response

    try:
        for n in range(4):
            assert deliver(n).status_code == 202

        proxy.cut()
        for n in range(4, 10):
            refused = deliver(n)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"]
        assert answers["event-5"] == 503  # the PagerDuty endpoint too
        ready = client.get("/health/ready")
        assert ready.status_code == 503

        proxy.restore()
        for n in range(10, 14):
            assert deliver(n).status_code == 202
    finally:
        client.close()

    stored_incidents = {i.dedup_key for i in catalog.incidents()}
    stored_alerts = {a.dedup_key for a in catalog.alerts()}
    accepted = {key for key, status in answers.items() if status == 202}
    refused_keys = {key for key, status in answers.items() if status == 503}
    assert len(accepted) == 8 and len(refused_keys) == 6
    assert accepted <= stored_incidents and accepted <= stored_alerts
    assert not refused_keys & (stored_incidents | stored_alerts)  # nothing half-stored


def test_pool_exhaustion_sheds_load_with_503(
    api: ApiHarness, catalog: Catalog, proxied: tuple[TcpProxy, str]
) -> None:
    """Every pooled connection is stuck on a silent database: the next request waits
    ``SLAR_DB_POOL_TIMEOUT`` (2 s) for one (for an ingestion slot: there are as many as
    connections here) and is shed with 503, not queued forever."""
    _proxy, base_url = proxied
    hook = catalog.hook("generic")
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert client.post(f"/integrations/{hook.key}/generic", json={"title": "x"}).is_success
    # Hold every connection of the proxied server's pool (size 4) in a lock wait, for 5 s.
    blocker = api.db.engine.connect()
    blocker.exec_driver_sql("BEGIN")
    blocker.exec_driver_sql("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(5, blocker.exec_driver_sql, args=("ROLLBACK",))
    release.start()

    def send(n: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            body: dict[str, Any] = {"title": f"stuck {n}"}
            return client.post(f"/integrations/{hook.key}/generic", json=body)

    try:
        results = in_parallel(6, send)
    finally:
        release.join()
        blocker.close()
    # Four requests held the pool's connections until the lock went away (then stored their
    # alert); the other two waited 2 s for a connection and were shed.
    statuses = sorted(r.status_code for r in results)
    assert statuses == [202, 202, 202, 202, 503, 503], [r.text for r in results]
    assert all(r.headers["Retry-After"] for r in results if r.status_code == 503)
    assert len(catalog.incidents()) == 5
