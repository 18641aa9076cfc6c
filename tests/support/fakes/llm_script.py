"""Scripted model turns shared by the fake Anthropic and OpenAI-compatible servers.

A test pushes what the "model" answers to each request, in order: ``Reply`` (text and/or tool
calls, streamed in pieces), ``Fail`` (an HTTP error the real service sends, e.g. 500 or 529),
``Break`` (an error event in the middle of a stream), or ``Stall`` (answer nothing for a
while, to trigger timeouts). Each server records the JSON bodies it received, so tests can
assert what went back to the model (tool results).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from tests.support.server import LiveServer


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Use:
    """A tool call; ``raw_arguments`` replaces the JSON encoding of ``arguments`` when set."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    raw_arguments: str | None = None


@dataclass(frozen=True)
class Reply:
    parts: tuple[Say | Use, ...]
    input_tokens: int = 100
    output_tokens: int = 20

    @staticmethod
    def of(*parts: Say | Use | str, input_tokens: int = 100, output_tokens: int = 20) -> Reply:
        return Reply(
            tuple(Say(p) if isinstance(p, str) else p for p in parts), input_tokens, output_tokens
        )


@dataclass(frozen=True)
class Fail:
    status: int
    message: str = "the fake model service failed"
    kind: str = "api_error"


@dataclass(frozen=True)
class Stall:
    seconds: float
    after_text: str | None = None  # stall mid-stream, after streaming this text


@dataclass(frozen=True)
class Break:
    """Start streaming (``after_text``), then send an error event mid-stream, as a real service
    does when it is overloaded after the response began (HTTP status already 200)."""

    after_text: str
    message: str = "Overloaded"
    kind: str = "overloaded_error"


Step = Reply | Fail | Stall | Break


def pieces(text: str, size: int = 7) -> list[str]:
    """Text cut into stream deltas the way real services do (several small pieces)."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ScriptedServer:
    """A fake model service on 127.0.0.1 playing ``script`` and recording ``requests``."""

    def __init__(self) -> None:
        self.script: list[Step] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.server: LiveServer | None = None

    def app(self) -> Starlette:  # pragma: no cover - each fake builds its own
        raise NotImplementedError

    def play(self, *steps: Step) -> ScriptedServer:
        with self.lock:
            self.script.extend(steps)
        return self

    def next_step(self, body: dict[str, Any], headers: dict[str, str]) -> Step | None:
        with self.lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.script.pop(0) if self.script else None

    def start(self) -> ScriptedServer:
        self.server = LiveServer(self.app()).start()
        # Streams the test left stalled must not hold the shutdown.
        self.server.server.config.timeout_graceful_shutdown = 1
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.requests.clear()
            self.headers.clear()
