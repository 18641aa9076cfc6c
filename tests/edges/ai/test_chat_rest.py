"""``POST /chat`` and the conversation listing, for clients that do not stream."""

from __future__ import annotations

import json

from tests.edges.ai.conftest import AiHarness, Llm, World, open_incident, start_ai, tool_results
from tests.support.fakes.llm_script import Fail, Reply, Use
from tests.support.harness import ApiHarness

from slar.ai.agent import NO_APPROVAL_CHANNEL


def test_a_turn_over_rest_returns_the_whole_answer(ai: AiHarness, world: World) -> None:
    ai.llm.fake.play(Reply.of("All quiet.", input_tokens=50, output_tokens=5))
    response = ai.http(world.alice.token).post("/chat", json={"text": "status?"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"] == "All quiet."
    assert body["usage"] == {"input_tokens": 50, "output_tokens": 5, "conversation_tokens": 55}
    detail = ai.http(world.alice.token).get(f"/conversations/{body['conversation_id']}").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    assert detail["messages"][1]["content"] == [{"type": "text", "text": "All quiet."}]


def test_write_tools_are_not_run_over_rest(ai: AiHarness, world: World, api: ApiHarness) -> None:
    incident = open_incident(api, world, "Cache misses")
    ai.llm.fake.play(
        Reply.of(Use("resolve_incident", {"incident_id": incident["id"]})),
        Reply.of("Please use the chat to approve it."),
    )
    body = ai.http(world.alice.token).post("/chat", json={"text": "resolve it"}).json()
    assert body["tool_calls"][0]["is_error"] is True
    assert body["tool_calls"][0]["content"] == NO_APPROVAL_CHANNEL
    assert tool_results(ai.llm, 1)[0]["content"] == NO_APPROVAL_CHANNEL
    status = api.http(world.alice.token).get(f"/incidents/{incident['id']}").json()["status"]
    assert status == "triggered"


def test_rest_maps_provider_failures_and_api_refusals(ai: AiHarness, world: World) -> None:
    client = ai.http(world.alice.token)
    ai.llm.fake.play(Fail(500, "boom"))
    response = client.post("/chat", json={"text": "hi"})
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "ai.provider_error"
    response = client.post("/chat", json={"text": "hi", "conversation_id": 999999})
    assert response.status_code == 404
    response = client.post("/chat", json={"text": ""})
    assert response.status_code == 422 and "text" in response.json()["error"]["message"]


def test_conversations_are_private_to_their_user(ai: AiHarness, world: World) -> None:
    ai.llm.fake.play(Reply.of("ok"))
    mine = ai.http(world.alice.token).post("/chat", json={"text": "secret"}).json()
    olive = ai.http(world.olive.token)
    assert olive.get("/conversations").json() == []
    assert olive.get(f"/conversations/{mine['conversation_id']}").status_code == 404
    ai.llm.fake.play(Reply.of("no"))
    response = olive.post("/chat", json={"text": "x", "conversation_id": mine["conversation_id"]})
    assert response.status_code == 404
    assert len(ai.llm.fake.requests) == 1  # the model never saw alice's conversation again
    assert "secret" in json.dumps(ai.llm.fake.requests[0])


def test_model_temperature_and_token_limit_settings_reach_the_provider(
    api: ApiHarness, world: World, llm: Llm
) -> None:
    server = start_ai(
        api, llm, SLAR_AI_MODEL="my-model", SLAR_AI_TEMPERATURE="0.3", SLAR_AI_MAX_TOKENS="321"
    )
    try:
        llm.fake.play(Reply.of("ok"))
        client = AiHarness(server.url, api, llm).http(world.alice.token)
        assert client.post("/chat", json={"text": "hi"}).json()["text"] == "ok"
        [sent] = llm.fake.requests
        assert sent["model"] == "my-model" and sent["temperature"] == 0.3
        assert sent["stream"] is True  # both providers stream, REST turns included
        # A compatible server (base URL given) gets max_tokens, as Anthropic does.
        assert sent["max_tokens"] == 321
        names = {t.get("name") or t["function"]["name"] for t in sent["tools"]}
        assert {"get_incident", "who_is_on_call", "resolve_incident", "page_user"} <= names
    finally:
        server.stop()
