"""The provider-neutral model interface: messages and tool specs in, a stream of events out.

Messages use the same content blocks the conversation store keeps, so a stored conversation
is replayed to either provider unchanged:

- ``{"type": "text", "text": ...}``
- ``{"type": "tool_call", "id": ..., "name": ..., "arguments": {...}}`` (assistant)
- ``{"type": "tool_result", "id": ..., "content": "...", "is_error": false}`` (role ``tool``)

Each provider translates them to its own wire format and translates its stream back into
``TextDelta``, ``ToolCall`` and ``Usage`` events. Failures become ``ProviderError`` (the
service answered an error or could not be reached) or ``ProviderTimeout``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["user", "assistant", "tool"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: list[dict[str, Any]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]
    malformed: str | None = None  # the raw arguments when they were not a JSON object


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


ProviderEvent = TextDelta | ToolCall | Usage


@dataclass(frozen=True)
class Request:
    """One model call."""

    system: str
    messages: list[ChatMessage]
    tools: list[ToolSpec] = field(default_factory=list)


class ProviderError(Exception):
    """The model service refused or failed (HTTP error, connection refused, bad stream)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ProviderTimeout(ProviderError):
    """The model service did not answer in time."""


class Provider(Protocol):
    name: str
    model: str

    def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        """Text deltas as they arrive, then every tool call, then the usage of the call."""
        ...

    async def aclose(self) -> None: ...


def text_of(blocks: list[dict[str, Any]]) -> str:
    return "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")


def valid_history(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Drop tool calls without a result and results without a call (an interrupted turn), so
    both providers accept the replayed history."""
    answered = {b.get("id") for m in messages for b in m.content if b.get("type") == "tool_result"}
    called = {b.get("id") for m in messages for b in m.content if b.get("type") == "tool_call"}
    cleaned: list[ChatMessage] = []
    for message in messages:
        blocks = [
            b
            for b in message.content
            if not (b.get("type") == "tool_call" and b.get("id") not in answered)
            and not (b.get("type") == "tool_result" and b.get("id") not in called)
            and not (b.get("type") == "text" and not b.get("text"))
        ]
        if blocks:
            cleaned.append(ChatMessage(message.role, blocks))
    return cleaned
