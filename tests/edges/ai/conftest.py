"""The AI service on a live server, pointed at the live API and at a fake model service.

``llm`` runs each test on both providers: the fake Anthropic Messages API and the fake
OpenAI-compatible Chat Completions API, each a real HTTP server on loopback that the official
SDK reaches by base URL. ``chat`` opens a real WebSocket to ``/ws/chat``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from tests.support.fakes.llm_anthropic import FakeAnthropic
from tests.support.fakes.llm_openai import FakeOpenAI
from tests.support.fakes.llm_script import ScriptedServer
from tests.support.harness import Account, ApiHarness
from tests.support.server import LiveServer
from websockets.sync.client import ClientConnection, connect

from slar.ai.app import create_ai_app
from slar.ai.service import over_network
from slar.domain.catalog.models import Service
from slar.settings import load_settings


@pytest.fixture(scope="session")
def fake_anthropic() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@dataclass
class Llm:
    """The fake model service of this test and the settings that point the AI service at it."""

    provider: str
    fake: ScriptedServer
    env: dict[str, str]


@pytest.fixture(params=["anthropic", "openai"])
def llm(
    request: pytest.FixtureRequest, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> Iterator[Llm]:
    common = {"SLAR_AI_PROVIDER": str(request.param), "SLAR_AI_MAX_RETRIES": "0"}
    if request.param == "anthropic":
        fake: ScriptedServer = fake_anthropic
        env = {**common, "ANTHROPIC_API_KEY": "sk-ant-test", "SLAR_AI_BASE_URL": fake.url}
    else:
        # A local OpenAI-compatible server: a base URL and no key at all.
        fake = fake_openai
        env = {**common, "SLAR_AI_BASE_URL": f"{fake.url}/v1"}
    fake.reset()
    yield Llm(str(request.param), fake, env)
    fake.reset()


@dataclass
class AiHarness:
    url: str
    api: ApiHarness
    llm: Llm
    _clients: list[httpx.Client] = field(default_factory=list)
    _chats: list[Chat] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/chat"

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def chat(self, token: str | None = None) -> Chat:
        """A socket authenticated by its first frame (or not at all when ``token`` is None)."""
        chat = Chat(connect(self.ws_url, open_timeout=10).__enter__())
        self._chats.append(chat)
        if token is not None:
            chat.send({"type": "auth", "token": token})
            ready = chat.recv()
            assert ready["type"] == "ready", ready
        return chat


class Chat:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.frames: list[dict[str, Any]] = []

    def send(self, frame: dict[str, Any]) -> None:
        self.connection.send(json.dumps(frame))

    def recv(self, timeout: float = 15) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(self.connection.recv(timeout=timeout))
        self.frames.append(frame)
        return frame

    def until(self, kind: str, timeout: float = 15) -> list[dict[str, Any]]:
        """Frames received up to and including the first of type ``kind``."""
        got = []
        while True:
            frame = self.recv(timeout)
            got.append(frame)
            if frame["type"] == kind:
                return got

    def close(self) -> None:
        self.connection.close()


def start_ai(api: ApiHarness, llm: Llm, **env: str) -> LiveServer:
    settings = load_settings({"API_BASE_URL": api.url, **llm.env, **env})
    return LiveServer(create_ai_app(settings, over_network(settings.ai.api_base_url))).start()


@pytest.fixture
def ai(api: ApiHarness, llm: Llm) -> Iterator[AiHarness]:
    server = start_ai(api, llm, SLAR_AI_TIMEOUT="5")
    harness = AiHarness(server.url, api, llm)
    yield harness
    for client in harness._clients:
        client.close()
    for chat in harness._chats:
        chat.close()
    server.stop()


@dataclass
class World:
    team: int
    service: int
    other_service: int
    alice: Account  # responder in the team
    olive: Account  # observer: reads, may not act


@pytest.fixture
def world(api: ApiHarness) -> World:
    team = api.make_team("Payments")
    with api.db.transaction() as session:
        now = api.clock.now()
        services = [
            Service(team_id=team, name=name, description="", urgency="high", created_at=now)
            for name in ("payments-api", "ledger")
        ]
        session.add_all(services)
        session.flush()
        service_ids = [s.id for s in services]
    return World(
        team=team,
        service=service_ids[0],
        other_service=service_ids[1],
        alice=api.make_user("alice@example.com", teams={team: "member"}),
        olive=api.make_user("olive@example.com", role="observer", teams={team: "member"}),
    )


def open_incident(api: ApiHarness, world: World, title: str, **fields: Any) -> dict[str, Any]:
    response = api.http(world.alice.token).post(
        "/incidents", json={"service_id": world.service, "title": title, **fields}
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def tool_results(llm: Llm, request_index: int) -> list[dict[str, Any]]:
    """The tool results the model received in its ``request_index``-th request, as
    ``{id, content, is_error}`` whatever the provider's wire format."""
    body = llm.fake.requests[request_index]
    found = []
    for message in body["messages"]:
        if llm.provider == "openai" and message.get("role") == "tool":
            found.append(
                {"id": message["tool_call_id"], "content": message["content"], "is_error": None}
            )
        elif llm.provider == "anthropic" and isinstance(message.get("content"), list):
            for block in message["content"]:
                if block.get("type") == "tool_result":
                    found.append(
                        {
                            "id": block["tool_use_id"],
                            "content": block["content"],
                            "is_error": block.get("is_error"),
                        }
                    )
    return found
