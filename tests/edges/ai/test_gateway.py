"""``slar serve`` mounts the assistant like Kong does: ``/ai/*`` stripped, ``/ws/chat`` as is,
and the assistant reaches the API in-process."""

from __future__ import annotations

import dataclasses
import json

from tests.edges.ai.conftest import Chat, Llm, World, open_incident
from tests.support.fakes.llm_script import Reply, Use
from tests.support.harness import ApiHarness
from tests.support.server import LiveServer
from websockets.sync.client import connect

from slar.gateway import create_gateway_app
from slar.settings import load_settings


def test_the_gateway_serves_the_assistant_at_ai_and_ws_chat(
    api: ApiHarness, world: World, llm: Llm
) -> None:
    import httpx

    settings = load_settings(
        {"DATABASE_URL": api.state.settings.database.url, "SLAR_SECRET_KEY": "x" * 40, **llm.env}
    )
    state = dataclasses.replace(api.state, settings=settings)
    server = LiveServer(create_gateway_app(state)).start()
    try:
        incident = open_incident(api, world, "Gateway test incident")
        llm.fake.play(Reply.of("Over REST."))
        headers = {"Authorization": f"Bearer {world.alice.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=15) as client:
            assert client.get("/ai/health").json() == {"status": "ok"}
            assert client.get("/ai/health/ready").json()["api"] is True
            assert client.post("/ai/chat", json={"text": "hi"}).json()["text"] == "Over REST."

        llm.fake.play(Reply.of(Use("list_incidents", {"q": "Gateway"})), Reply.of("One incident."))
        url = server.url.replace("http://", "ws://") + "/ws/chat"
        with connect(url, open_timeout=10) as socket:
            chat = Chat(socket)
            chat.send({"type": "auth", "token": world.alice.token})
            assert chat.recv()["type"] == "ready"
            chat.send({"type": "user_message", "text": "what is open?"})
            frames = chat.until("done")
        result = next(f for f in frames if f["type"] == "tool_result")
        listed = json.loads(result["content"])
        assert [i["id"] for i in listed["items"]] == [incident["id"]]
    finally:
        server.stop()
