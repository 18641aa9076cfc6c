"""Guardrails: the conversation's token budget, the tool-call limit of a turn."""

from __future__ import annotations

import json

from tests.edges.ai.conftest import AiHarness, Llm, World, open_incident, start_ai, tool_results
from tests.support.fakes.llm_script import Reply, Use
from tests.support.harness import ApiHarness

from slar.ai.agent import LIMIT_REACHED


def test_a_conversation_stops_at_its_token_budget(api: ApiHarness, world: World, llm: Llm) -> None:
    server = start_ai(api, llm, SLAR_AI_CONVERSATION_TOKEN_BUDGET="1000")
    try:
        client = AiHarness(server.url, api, llm).http(world.alice.token)
        llm.fake.play(Reply.of("long answer", input_tokens=900, output_tokens=200))
        first = client.post("/chat", json={"text": "tell me everything"}).json()
        assert first["usage"]["conversation_tokens"] == 1100
        response = client.post(
            "/chat", json={"text": "more", "conversation_id": first["conversation_id"]}
        )
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "ai.budget_exhausted"
        assert len(llm.fake.requests) == 1  # refused before calling the model
        listed = client.get("/conversations").json()[0]
        assert (listed["tokens_in"], listed["tokens_out"]) == (900, 200)
        # A new conversation has a budget of its own.
        llm.fake.play(Reply.of("fresh"))
        assert client.post("/chat", json={"text": "new topic"}).json()["text"] == "fresh"
    finally:
        server.stop()


def test_tool_calls_beyond_the_turn_limit_are_not_run(
    api: ApiHarness, world: World, llm: Llm
) -> None:
    incident = open_incident(api, world, "Flapping health check")
    server = start_ai(api, llm, SLAR_AI_MAX_TOOL_CALLS="1")
    try:
        client = AiHarness(server.url, api, llm).http(world.alice.token)
        look = Use("get_incident", {"incident_id": incident["id"]})
        llm.fake.play(Reply.of(look, look), Reply.of("Here is what I found."))
        body = client.post("/chat", json={"text": "look twice"}).json()
        assert [c["is_error"] for c in body["tool_calls"]] == [False, True]
        assert body["tool_calls"][1]["content"] == LIMIT_REACHED
        sent = tool_results(llm, 1)
        assert json.loads(sent[0]["content"])["incident"]["id"] == incident["id"]
        assert sent[1]["content"] == LIMIT_REACHED
        # A model that keeps calling tools past the limit ends the turn with an error.
        llm.fake.play(Reply.of(look, look), Reply.of(look))
        response = client.post("/chat", json={"text": "again"})
        assert response.json()["error"]["code"] == "ai.tool_limit"
    finally:
        server.stop()


def test_arguments_that_do_not_fit_a_tool_come_back_to_the_model_as_errors(
    ai: AiHarness, world: World
) -> None:
    ai.llm.fake.play(
        Reply.of(Use("get_incident", {"incident": "x"}), Use("no_such_tool", {})),
        Reply.of("Sorry."),
    )
    body = ai.http(world.alice.token).post("/chat", json={"text": "?"}).json()
    first, second = body["tool_calls"]
    assert first["is_error"] and "incident_id" in first["content"]
    assert second["is_error"] and "no_such_tool" in second["content"]
