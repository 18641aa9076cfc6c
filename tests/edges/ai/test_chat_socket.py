"""The chat socket end to end: a real WebSocket to the AI service, which calls the real API
with the user's token and a fake model service (both providers) over their real wire formats."""

from __future__ import annotations

import json

import pytest
from tests.edges.ai.conftest import (
    AiHarness,
    Llm,
    World,
    open_incident,
    start_ai,
    tool_results,
)
from tests.support.fakes.llm_script import Break, Fail, Reply, Stall, Use
from tests.support.harness import ApiHarness
from tests.support.server import free_port
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from slar.ai.agent import REFUSED


def _text(frames: list[dict[str, object]]) -> str:
    return "".join(str(f["text"]) for f in frames if f["type"] == "text_delta")


def test_an_answer_is_streamed_in_pieces_and_the_conversation_is_kept(
    ai: AiHarness, world: World
) -> None:
    answer = "Nothing is burning right now; all incidents are resolved."
    ai.llm.fake.play(Reply.of(answer, input_tokens=120, output_tokens=30), Reply.of("Yes."))
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "Anything on fire?"})
    frames = chat.until("done")
    deltas = [f for f in frames if f["type"] == "text_delta"]
    assert len(deltas) > 1  # streamed, not one block
    assert _text(frames) == answer
    done = frames[-1]
    assert done["usage"] == {"input_tokens": 120, "output_tokens": 30, "conversation_tokens": 150}

    listed = ai.http(world.alice.token).get("/conversations").json()
    assert [(c["id"], c["message_count"], c["tokens_in"]) for c in listed] == [
        (done["conversation_id"], 2, 120)
    ]
    # Resuming sends the earlier exchange back to the model.
    chat.send({"type": "user_message", "text": "Sure?", "conversation_id": done["conversation_id"]})
    second = chat.until("done")
    assert _text(second) == "Yes." and second[-1]["conversation_id"] == done["conversation_id"]
    assert second[-1]["usage"]["conversation_tokens"] == 150 + 120
    sent = json.dumps(ai.llm.fake.requests[1]["messages"])
    assert "Anything on fire?" in sent and answer in sent and "Sure?" in sent
    chat.close()


def test_a_read_tool_answers_with_data_from_the_api(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    incident = open_incident(api, world, "Checkout latency above 2s")
    ai.llm.fake.play(
        Reply.of("Let me look.", Use("get_incident", {"incident_id": incident["id"]})),
        Reply.of("It is still triggered."),
    )
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "How is it going?", "incident_id": incident["id"]})
    frames = chat.until("done")
    kinds = [f["type"] for f in frames if f["type"] != "text_delta"]
    assert kinds == ["tool_call", "tool_result", "done"]
    result = next(f for f in frames if f["type"] == "tool_result")
    assert result["is_error"] is False
    data = json.loads(result["content"])
    assert data["incident"]["title"] == "Checkout latency above 2s"
    assert data["incident"]["status"] == "triggered"
    assert [e["kind"] for e in data["timeline"]][:1] == ["triggered"]
    # What went back to the model is exactly that result.
    [sent] = tool_results(ai.llm, 1)
    assert json.loads(sent["content"]) == data
    assert f"incident id {incident['id']}" in json.dumps(ai.llm.fake.requests[0])
    [conversation] = ai.http(world.alice.token).get("/conversations").json()
    assert conversation["incident_id"] == incident["id"]


def test_a_write_tool_waits_for_approval_then_runs_as_the_user_via_the_assistant(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    incident = open_incident(api, world, "Disk full on db-1")
    ai.llm.fake.play(
        Reply.of(Use("resolve_incident", {"incident_id": incident["id"], "note": "disk freed"})),
        Reply.of("Resolved."),
    )
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "Resolve it, I freed the disk"})
    frames = chat.until("approval_request")
    request = frames[-1]
    assert request["tool"] == "resolve_incident"
    assert request["arguments"] == {"incident_id": incident["id"], "note": "disk freed"}
    assert str(incident["id"]) in request["summary"]
    # The user sees which incident that is, not just an id the model chose.
    assert f'#{incident["number"]} "Disk full on db-1" (triggered)' in request["summary"]
    # Nothing happened yet: the call waits for the user.
    reader = api.http(world.alice.token)
    assert reader.get(f"/incidents/{incident['id']}").json()["status"] == "triggered"

    chat.send({"type": "approval", "approval_id": request["approval_id"], "approved": True})
    rest = chat.until("done")
    result = next(f for f in rest if f["type"] == "tool_result")
    assert result["is_error"] is False
    assert reader.get(f"/incidents/{incident['id']}").json()["status"] == "resolved"
    resolved = [
        e
        for e in reader.get(f"/incidents/{incident['id']}/timeline").json()
        if e["kind"] == "resolved"
    ]
    assert len(resolved) == 1
    assert resolved[0]["actor_user_id"] == world.alice.id
    assert "assistant" in resolved[0]["actor"]


def test_a_refused_write_does_nothing_and_the_model_is_told(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    incident = open_incident(api, world, "Queue backlog")
    ai.llm.fake.play(
        Reply.of(Use("acknowledge_incident", {"incident_id": incident["id"]})),
        Reply.of("Understood, I left it alone."),
    )
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "ack it"})
    request = chat.until("approval_request")[-1]
    chat.send({"type": "approval", "approval_id": request["approval_id"], "approved": False})
    rest = chat.until("done")
    result = next(f for f in rest if f["type"] == "tool_result")
    assert result["is_error"] is True and result["content"] == REFUSED
    assert _text(rest) == "Understood, I left it alone."
    reader = api.http(world.alice.token)
    assert reader.get(f"/incidents/{incident['id']}").json()["status"] == "triggered"
    kinds = [e["kind"] for e in reader.get(f"/incidents/{incident['id']}/timeline").json()]
    assert "acknowledged" not in kinds
    [sent] = tool_results(ai.llm, 1)
    assert sent["content"] == REFUSED


def test_the_assistant_cannot_do_what_its_user_may_not(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    incident = open_incident(api, world, "Payments failing")
    ai.llm.fake.play(
        Reply.of(Use("resolve_incident", {"incident_id": incident["id"]})),
        Reply.of("You are not allowed to resolve it."),
    )
    chat = ai.chat(world.olive.token)  # an observer
    chat.send({"type": "user_message", "text": "Resolve incident please"})
    request = chat.until("approval_request")[-1]
    chat.send({"type": "approval", "approval_id": request["approval_id"], "approved": True})
    rest = chat.until("done")
    result = next(f for f in rest if f["type"] == "tool_result")
    assert result["is_error"] is True
    assert json.loads(result["content"])["error"]["code"] == "auth.read_only"
    status = api.http(world.alice.token).get(f"/incidents/{incident['id']}").json()["status"]
    assert status == "triggered"


def test_an_unauthenticated_socket_is_refused(ai: AiHarness, world: World) -> None:
    ai.llm.fake.play(Reply.of("must never be asked"))
    for url, first in [
        (ai.ws_url, {"type": "user_message", "text": "hi"}),  # no auth frame
        (ai.ws_url, {"type": "auth", "token": "not-a-token"}),
        (ai.ws_url + "?token=not-a-token", None),
    ]:
        with connect(url, open_timeout=10) as socket:
            if first is not None:
                socket.send(json.dumps(first))
            error = json.loads(socket.recv(timeout=10))
            assert error["type"] == "error" and error["code"] == "auth.unauthenticated"
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert ai.llm.fake.requests == []


def test_a_token_in_the_query_string_authenticates(ai: AiHarness, world: World) -> None:
    ai.llm.fake.play(Reply.of("hello"))
    with connect(f"{ai.ws_url}?token={world.alice.token}", open_timeout=10) as socket:
        ready = json.loads(socket.recv(timeout=10))
        assert ready["type"] == "ready" and ready["user"]["email"] == "alice@example.com"


@pytest.mark.parametrize("status", [500, 529])
def test_provider_errors_become_error_frames_and_the_socket_lives_on(
    ai: AiHarness, world: World, status: int
) -> None:
    ai.llm.fake.play(Fail(status, "upstream exploded", "overloaded_error"), Reply.of("Back."))
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "hello?"})
    frames = chat.until("done")
    [error] = [f for f in frames if f["type"] == "error"]
    assert error["code"] == "ai.provider_error"
    assert str(status) in error["message"]
    chat.send({"type": "user_message", "text": "and now?"})
    assert _text(chat.until("done")) == "Back."


def test_a_model_that_stalls_becomes_a_timeout_frame(api: ApiHarness, world: World, llm) -> None:  # type: ignore[no-untyped-def]
    server = start_ai(api, llm, SLAR_AI_TIMEOUT="1")
    try:
        llm.fake.play(Stall(3, after_text="Let me think"), Reply.of("Here I am."))
        harness = AiHarness(server.url, api, llm)
        chat = harness.chat(world.alice.token)
        chat.send({"type": "user_message", "text": "slow one"})
        frames = chat.until("done")
        [error] = [f for f in frames if f["type"] == "error"]
        assert error["code"] == "ai.timeout"
        chat.send({"type": "user_message", "text": "again"})
        assert _text(chat.until("done")) == "Here I am."
        chat.close()
    finally:
        server.stop()


def test_frames_that_are_not_the_protocol_are_refused_by_code(ai: AiHarness, world: World) -> None:
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message"})
    assert chat.recv()["code"] == "chat.invalid_frame"
    chat.send({"type": "approval", "approval_id": "nope", "approved": True})
    assert chat.recv()["code"] == "chat.unknown_approval"
    chat.connection.send("not json")
    assert chat.recv()["code"] == "chat.invalid_frame"


def test_an_unreachable_model_service_is_an_error_frame(
    api: ApiHarness, world: World, llm: Llm
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}" + ("/v1" if llm.provider == "openai" else "")
    server = start_ai(api, llm, SLAR_AI_BASE_URL=nowhere)
    try:
        chat = AiHarness(server.url, api, llm).chat(world.alice.token)
        chat.send({"type": "user_message", "text": "anyone there?"})
        frames = chat.until("done")
        assert [f["code"] for f in frames if f["type"] == "error"] == ["ai.provider_error"]
        assert frames[-1]["conversation_id"] is not None
        chat.close()
    finally:
        server.stop()


def test_a_token_in_the_query_string_is_not_logged(
    ai: AiHarness, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Uvicorn logs each handshake with its query string on ``uvicorn.error``; the logging that
    every ``slar`` command configures must write it without the token."""
    import logging

    from slar.observability.logs import configure_logging

    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names}
    try:
        configure_logging("INFO", "json")
        logging.getLogger("uvicorn.error").setLevel(logging.INFO)
        with connect(f"{ai.ws_url}?token={world.alice.token}", open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10))["type"] == "ready"
    finally:
        root.handlers[:], _ = saved_root
        root.setLevel(saved_root[1])
        for name, (handlers, level) in saved.items():
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).setLevel(level)
    logged = capsys.readouterr().err
    assert "/ws/chat?token=[redacted]" in logged  # the handshake was logged...
    assert world.alice.token not in logged  # ...without the secret


def test_an_error_in_the_middle_of_a_stream_is_an_error_frame(ai: AiHarness, world: World) -> None:
    ai.llm.fake.play(Break(after_text="Looking into i"), Reply.of("Back again."))
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "go"})
    frames = chat.until("done")
    assert _text(frames) == "Looking into i"  # what streamed before the failure
    [error] = [f for f in frames if f["type"] == "error"]
    assert error["code"] == "ai.provider_error" and "Overloaded" in error["message"]
    chat.send(
        {"type": "user_message", "text": "again", "conversation_id": frames[-1]["conversation_id"]}
    )
    assert _text(chat.until("done")) == "Back again."


def test_an_unanswered_approval_counts_as_a_refusal(
    api: ApiHarness, world: World, llm: Llm
) -> None:
    incident = open_incident(api, world, "Nobody answers")
    server = start_ai(api, llm, SLAR_AI_APPROVAL_TIMEOUT="0.5")
    try:
        llm.fake.play(
            Reply.of(Use("acknowledge_incident", {"incident_id": incident["id"]})),
            Reply.of("Left as is."),
        )
        chat = AiHarness(server.url, api, llm).chat(world.alice.token)
        chat.send({"type": "user_message", "text": "ack it"})
        request = chat.until("approval_request")[-1]
        rest = chat.until("done")  # no answer from the user
        result = next(f for f in rest if f["type"] == "tool_result")
        assert result["is_error"] is True and result["content"] == REFUSED
        # A late answer finds nothing waiting and does nothing.
        chat.send({"type": "approval", "approval_id": request["approval_id"], "approved": True})
        assert chat.recv()["code"] == "chat.unknown_approval"
        status = api.http(world.alice.token).get(f"/incidents/{incident['id']}").json()["status"]
        assert status == "triggered"
        chat.close()
    finally:
        server.stop()


def test_another_users_conversation_cannot_be_resumed_over_the_socket(
    ai: AiHarness, world: World
) -> None:
    ai.llm.fake.play(Reply.of("the secret plan"))
    alice = ai.chat(world.alice.token)
    alice.send({"type": "user_message", "text": "my secret"})
    conversation_id = alice.until("done")[-1]["conversation_id"]
    olive = ai.chat(world.olive.token)
    olive.send({"type": "user_message", "text": "go on", "conversation_id": conversation_id})
    frames = olive.until("done")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["conversation.not_found"]
    assert frames[-1]["conversation_id"] is None
    assert len(ai.llm.fake.requests) == 1  # the model never saw alice's conversation again
    detail = ai.http(world.alice.token).get(f"/conversations/{conversation_id}").json()
    assert detail["conversation"]["message_count"] == 2


def test_a_full_conversation_still_counts_its_tokens_then_refuses(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    """Tokens are recorded even when the turn's messages cannot be kept, so a conversation
    that cannot grow any more cannot be used to bypass the token budget."""
    from slar.domain.assistant.rules import MAX_MESSAGES

    http = api.http(world.alice.token)
    cid = http.post("/assistant/conversations", json={"title": "long"}).json()["id"]
    filler = [{"role": "user", "content": [{"type": "text", "text": "x"}]}] * 50
    for _ in range((MAX_MESSAGES - 1) // 50):
        assert (
            http.post(
                f"/assistant/conversations/{cid}/messages", json={"messages": filler}
            ).status_code
            == 200
        )
    rest = (MAX_MESSAGES - 1) % 50
    if rest:
        http.post(f"/assistant/conversations/{cid}/messages", json={"messages": filler[:rest]})
    ai.llm.fake.play(Reply.of("answer", input_tokens=300, output_tokens=40))
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "one more", "conversation_id": cid})
    frames = chat.until("done")
    assert _text(frames) == "answer"
    assert [f["code"] for f in frames if f["type"] == "error"] == ["conversation.too_many_messages"]
    stored = http.get(f"/assistant/conversations/{cid}").json()["conversation"]
    assert (stored["tokens_in"], stored["tokens_out"]) == (300, 40)
    assert stored["message_count"] == MAX_MESSAGES - 1
    # A conversation at its bound is refused before the model is called.
    http.post(f"/assistant/conversations/{cid}/messages", json={"messages": filler[:1]})
    chat.send({"type": "user_message", "text": "and more", "conversation_id": cid})
    frames = chat.until("done")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["conversation.too_many_messages"]
    assert len(ai.llm.fake.requests) == 1  # refused before calling the model


def test_a_write_on_an_unknown_incident_asks_nobody(ai: AiHarness, world: World) -> None:
    ai.llm.fake.play(
        Reply.of(Use("resolve_incident", {"incident_id": 987654})), Reply.of("No such incident.")
    )
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "resolve 987654"})
    frames = chat.until("done")
    assert "approval_request" not in [f["type"] for f in frames]
    result = next(f for f in frames if f["type"] == "tool_result")
    assert result["is_error"] is True
    assert json.loads(result["content"])["error"]["code"] == "incident.not_found"


def test_approved_notes_and_pages_are_timeline_entries_via_the_assistant(
    ai: AiHarness, world: World, api: ApiHarness
) -> None:
    incident = open_incident(api, world, "Replica lag")
    iid = incident["id"]
    page = Use("page_user", {"incident_id": iid, "user_id": world.alice.id})
    ai.llm.fake.play(
        Reply.of(Use("add_note", {"incident_id": iid, "text": "lag is 40s"}), page),
        Reply.of(page),  # asked again: she is already assigned
        Reply.of("Noted and paged."),
    )
    chat = ai.chat(world.alice.token)
    chat.send({"type": "user_message", "text": "note the lag and page me"})
    results = []
    while True:
        frame = chat.recv()
        if frame["type"] == "approval_request":
            chat.send({"type": "approval", "approval_id": frame["approval_id"], "approved": True})
        elif frame["type"] == "tool_result":
            results.append(frame)
        elif frame["type"] == "done":
            break
    assert [r["is_error"] for r in results] == [False, False, False]
    assert json.loads(results[1]["content"])["paged"] is True
    assert json.loads(results[2]["content"])["paged"] is False
    events = api.http(world.alice.token).get(f"/incidents/{iid}/timeline").json()
    mine = [e for e in events if e["kind"] in ("note", "reassigned")]
    assert [e["kind"] for e in mine] == ["note", "reassigned"]
    for event in mine:
        assert event["actor"].endswith("(via assistant)")
        assert event["data"]["via"] == "assistant"
        assert event["actor_user_id"] == world.alice.id
    assert mine[0]["message"] == "lag is 40s"
