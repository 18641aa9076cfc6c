"""The assistant page in a real browser: a streamed answer over ``/ws/chat`` and an approval.

``slar serve`` runs with its model provider pointed at the fake Anthropic server of
``tests/support/fakes`` (protocol-level: streaming and tool use). The scripted model proposes
to resolve the incident; the page shows Approve/Reject buttons; approving resolves it for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.web.conftest import CHROMIUM, Serve, running_serve
from tests.support.databases import backends
from tests.support.fakes.llm_anthropic import FakeAnthropic
from tests.support.fakes.llm_script import Reply, Use

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def model() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module", params=backends())
def ai_serve(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model: FakeAnthropic
) -> Iterator[Serve]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing")
    backend = str(request.param)
    env = {
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "SLAR_AI_BASE_URL": model.url,
        "SLAR_AI_PROVIDER": "anthropic",
        "SLAR_AI_MAX_RETRIES": "0",
    }
    with running_serve(tmp_path_factory.mktemp(f"ai-{backend}"), backend, **env) as running:
        yield running


def _incident(serve: Serve) -> int:
    api = httpx.Client(base_url=serve.url + "/api", timeout=60)
    login = api.post(
        "/auth/login", json={"email": serve.admin_email, "password": serve.admin_password}
    )
    assert login.status_code == 200, login.text
    api.headers["Authorization"] = "Bearer " + login.json()["access_token"]
    team = api.post("/teams", json={"name": "Platform"})
    assert team.status_code == 201, team.text
    service = api.post("/services", json={"team_id": team.json()["id"], "name": "web"})
    assert service.status_code == 201, service.text
    incident = api.post("/incidents", json={"service_id": service.json()["id"], "title": "Down"})
    assert incident.status_code == 201, incident.text
    return int(incident.json()["id"])


def test_the_assistant_streams_and_waits_for_approval(
    browser: Any, ai_serve: Serve, model: FakeAnthropic, shots: Path
) -> None:
    incident_id = _incident(ai_serve)
    model.reset()
    model.play(
        Reply.of("I will resolve it.", Use("resolve_incident", {"incident_id": incident_id})),
        Reply.of("Done: the incident is resolved."),
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(ai_serve.url + "/login")
    page.get_by_label("E-mail").fill(ai_serve.admin_email)
    page.get_by_label("Password").fill(ai_serve.admin_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(ai_serve.url + "/")
    page.goto(f"{ai_serve.url}/incidents/{incident_id}")
    assert page.get_by_role("button", name="Draft a summary").is_visible()
    page.get_by_role("link", name="Ask the assistant about this incident").click()
    page.get_by_text("Connected as").wait_for()
    page.get_by_label("Ask about incidents").fill("Please resolve this incident")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("I will resolve it.").wait_for()
    approve = page.get_by_role("button", name="Approve")
    approve.wait_for()
    page.screenshot(path=str(shots / f"{ai_serve.backend}-assistant-approval.png"), full_page=True)
    approve.click()
    page.get_by_text("Done: the incident is resolved.").wait_for()
    page.screenshot(path=str(shots / f"{ai_serve.backend}-assistant.png"), full_page=True)
    page.goto(f"{ai_serve.url}/incidents/{incident_id}")
    assert page.locator("#incident-status").inner_text() == "resolved"
    assert "via assistant" in page.locator("#timeline").inner_text()
    context.close()
