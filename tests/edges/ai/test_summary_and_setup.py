"""Incident summaries, a deployment without a provider, and the routes' authentication."""

from __future__ import annotations

import json

import pytest
from tests.edges.ai.conftest import AiHarness, World, open_incident
from tests.support.fakes.llm_script import Fail, Reply
from tests.support.harness import ApiHarness
from tests.support.server import LiveServer
from websockets.sync.client import connect

from slar.ai.app import create_ai_app
from slar.ai.service import over_network
from slar.settings import load_settings

ANSWER = "SUMMARY:\nThe disk of db-1 is full; writes fail.\nPROBABLE CAUSE:\nLog rotation stopped."


def test_a_summary_is_drafted_from_the_incident_and_its_sources_then_saved_as_a_note(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    alice = api.http(world.alice.token)
    earlier = open_incident(api, world, "Disk full on db-1")
    assert alice.post(f"/incidents/{earlier['id']}/resolve", json={}).status_code == 200
    incident = open_incident(api, world, "Disk full on db-1", description="writes failing")
    runbook = alice.post(
        "/runbooks",
        json={
            "title": "Disk full",
            "body": "When the disk is full, check log rotation and free space.",
            "service_ids": [world.service],
            "team_id": world.team,
        },
    )
    assert runbook.status_code == 201, runbook.text
    ai.llm.fake.play(Reply.of(ANSWER))

    response = ai.http(world.alice.token).post(f"/incidents/{incident['id']}/summary")
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["summary"] == "The disk of db-1 is full; writes fail."
    assert draft["probable_cause"] == "Log rotation stopped."
    kinds = {(s["kind"], s["id"]) for s in draft["sources"]}
    assert ("incident", incident["id"]) in kinds
    assert ("similar_incident", earlier["id"]) in kinds
    assert ("runbook", runbook.json()["id"]) in kinds
    assert any(kind == "timeline" for kind, _ in kinds)
    # The model was given that material, and nothing was written yet.
    prompt = json.dumps(ai.llm.fake.requests[0])
    assert "writes failing" in prompt and "log rotation" in prompt
    timeline = alice.get(f"/incidents/{incident['id']}/timeline").json()
    assert [e["kind"] for e in timeline if e["kind"] == "note"] == []

    saved = ai.http(world.alice.token).post(
        f"/incidents/{incident['id']}/summary/note",
        json={"summary": draft["summary"], "probable_cause": draft["probable_cause"]},
    )
    assert saved.status_code == 201, saved.text
    notes = [
        e for e in alice.get(f"/incidents/{incident['id']}/timeline").json() if e["kind"] == "note"
    ]
    assert len(notes) == 1
    assert "Log rotation stopped." in notes[0]["message"] + json.dumps(notes[0]["data"])
    assert notes[0]["actor_user_id"] == world.alice.id


def test_a_summary_reports_provider_failures_and_unknown_incidents(
    ai: AiHarness, world: World
) -> None:
    client = ai.http(world.alice.token)
    assert client.post("/incidents/999999/summary").status_code == 404
    incident = open_incident(ai.api, world, "Anything")
    ai.llm.fake.play(Fail(529, "Overloaded", "overloaded_error"))
    response = client.post(f"/incidents/{incident['id']}/summary")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "ai.provider_error"


@pytest.fixture
def unconfigured(api: ApiHarness):  # type: ignore[no-untyped-def]
    settings = load_settings({"API_BASE_URL": api.url})
    ai = settings.ai.model_copy(
        update={"anthropic_api_key": None, "openai_api_key": None, "base_url": None}
    )
    settings = settings.model_copy(update={"ai": ai})
    server = LiveServer(create_ai_app(settings, over_network(api.url))).start()
    yield server
    server.stop()


def test_without_a_provider_the_ai_endpoints_say_how_to_configure_one(
    unconfigured: LiveServer, world: World, api: ApiHarness
) -> None:
    import httpx

    with httpx.Client(base_url=unconfigured.url, timeout=10) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/health/ready").json()
        assert ready == {"status": "ok", "api": True, "provider": None}
        headers = {"Authorization": f"Bearer {world.alice.token}"}
        response = client.post("/chat", json={"text": "hi"}, headers=headers)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "ai.not_configured"
        assert "ANTHROPIC_API_KEY" in error["message"] and "SLAR_AI_BASE_URL" in error["message"]
        incident = open_incident(api, world, "Still works")
        response = client.post(f"/incidents/{incident['id']}/summary", headers=headers)
        assert response.status_code == 503
    url = unconfigured.url.replace("http://", "ws://") + f"/ws/chat?token={world.alice.token}"
    with connect(url, open_timeout=10) as socket:
        frame = json.loads(socket.recv(timeout=10))
        assert frame["code"] == "ai.not_configured"
    # The rest of the platform is unaffected.
    assert api.http(world.alice.token).get(f"/incidents/{incident['id']}").status_code == 200


PUBLIC = {"/health", "/health/ready", "/metrics", "/docs", "/docs/oauth2-redirect", "/openapi.json"}


def test_every_ai_route_but_the_probes_refuses_anonymous_callers(ai: AiHarness) -> None:
    schema = ai.http().get("/openapi.json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        if path in PUBLIC:
            continue
        for method in operations:
            url = path.replace("{incident_id}", "1").replace("{conversation_id}", "1")
            for client in (ai.http(), ai.http("garbage")):
                response = client.request(method.upper(), url, json={})
                assert response.status_code == 401, f"{method} {path}: {response.status_code}"
                assert response.json()["error"]["code"].startswith("auth.")
            checked += 1
    assert checked >= 5
    assert ai.llm.fake.requests == []


def test_a_summary_falls_back_to_runbooks_of_no_service(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    alice = api.http(world.alice.token)
    general = alice.post(
        "/runbooks", json={"title": "Certificate expired", "body": "Renew with certbot."}
    )
    assert general.status_code == 201, general.text
    incident = open_incident(api, world, "Certificate expired on checkout")
    ai.llm.fake.play(Reply.of(ANSWER))
    draft = ai.http(world.alice.token).post(f"/incidents/{incident['id']}/summary").json()
    assert ("runbook", general.json()["id"]) in {(s["kind"], s["id"]) for s in draft["sources"]}
    assert "certbot" in json.dumps(ai.llm.fake.requests[0])
