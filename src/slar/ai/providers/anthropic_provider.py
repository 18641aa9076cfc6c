"""Anthropic Messages API through the official ``anthropic`` SDK (streaming, tool use)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from slar.ai.providers.base import (
    ChatMessage,
    ProviderError,
    ProviderEvent,
    ProviderTimeout,
    Request,
    TextDelta,
    ToolCall,
    Usage,
    valid_history,
)

DEFAULT_MODEL = "claude-sonnet-5-5"


def to_anthropic(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Neutral messages → Anthropic's: tool results travel in a user turn, and consecutive
    turns of one role are merged (the API wants user and assistant to alternate)."""
    out: list[dict[str, Any]] = []
    for message in valid_history(messages):
        role = "assistant" if message.role == "assistant" else "user"
        blocks: list[dict[str, Any]] = []
        for block in message.content:
            kind = block.get("type")
            if kind == "text":
                blocks.append({"type": "text", "text": str(block["text"])})
            elif kind == "tool_call":
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": block["id"],
                        "name": block["name"],
                        "input": block.get("arguments") or {},
                    }
                )
            elif kind == "tool_result":
                blocks.append(
                    {
                        "type": "tool_result",
                        "tool_use_id": block["id"],
                        "content": str(block.get("content", "")),
                        "is_error": bool(block.get("is_error", False)),
                    }
                )
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        *,
        api_key: str,
        model: str | None,
        base_url: str | None,
        max_tokens: int,
        temperature: float | None,
        timeout: float,
        max_retries: int,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.timeout = timeout
        self.client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": request.system,
            "messages": to_anthropic(request.messages),
        }
        if request.tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
        if self.temperature is not None:
            # Not a typed parameter of every SDK version; the API still takes it.
            kwargs["extra_body"] = {"temperature": self.temperature}
        try:
            async with self.client.messages.stream(**kwargs) as stream:
                async for event in stream:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield TextDelta(event.delta.text)
                final = await stream.get_final_message()
        except anthropic.APITimeoutError as exc:
            raise ProviderTimeout(f"Anthropic did not answer within {self.timeout:g}s") from exc
        except anthropic.APIStatusError as exc:
            raise ProviderError(
                f"Anthropic answered {exc.status_code}: {_message(exc.body) or exc.message}",
                status=exc.status_code,
            ) from exc
        except anthropic.AnthropicError as exc:
            raise ProviderError(f"Anthropic could not be reached: {exc}") from exc
        for block in final.content:
            if block.type == "tool_use":
                arguments = block.input if isinstance(block.input, dict) else {}
                malformed = None if isinstance(block.input, dict) else json.dumps(block.input)
                yield ToolCall(block.id, block.name, dict(arguments), malformed)
        yield Usage(final.usage.input_tokens or 0, final.usage.output_tokens or 0)

    async def aclose(self) -> None:
        await self.client.close()


def _message(body: object) -> str | None:
    """The ``error.message`` of an Anthropic error body, when it has one."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return None
