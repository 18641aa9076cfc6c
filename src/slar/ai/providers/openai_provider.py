"""OpenAI Chat Completions through the official ``openai`` SDK, with a configurable base URL so
any OpenAI-compatible server (Ollama, vLLM, llama.cpp server) works. Streams text and tool-call
deltas and asks for the usage chunk at the end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai

from slar.ai.providers.base import (
    ChatMessage,
    ProviderError,
    ProviderEvent,
    ProviderTimeout,
    Request,
    TextDelta,
    ToolCall,
    Usage,
    text_of,
    valid_history,
)

DEFAULT_MODEL = "gpt-5.4-mini"
NO_KEY = "not-needed"  # local servers take any key; the SDK insists on one


def to_openai(system: str, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Neutral messages → Chat Completions: one ``tool`` message per tool result."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for message in valid_history(messages):
        if message.role == "user":
            out.append({"role": "user", "content": text_of(message.content)})
        elif message.role == "assistant":
            calls = [
                {
                    "id": b["id"],
                    "type": "function",
                    "function": {"name": b["name"], "arguments": json.dumps(b.get("arguments"))},
                }
                for b in message.content
                if b.get("type") == "tool_call"
            ]
            entry: dict[str, Any] = {"role": "assistant", "content": text_of(message.content)}
            if calls:
                entry["tool_calls"] = calls
            out.append(entry)
        else:
            for block in message.content:
                if block.get("type") == "tool_result":
                    out.append(
                        {
                            "role": "tool",
                            "tool_call_id": block["id"],
                            "content": str(block.get("content", "")),
                        }
                    )
    return out


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None,
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
        # OpenAI's current models take ``max_completion_tokens`` only (also when its URL is
        # given explicitly); compatible servers (Ollama, vLLM, llama.cpp) take ``max_tokens``.
        self.max_tokens_field = "max_completion_tokens" if is_openai(base_url) else "max_tokens"
        self.client = openai.AsyncOpenAI(
            api_key=api_key or NO_KEY, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    async def stream(self, request: Request) -> AsyncIterator[ProviderEvent]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai(request.system, request.messages),
            self.max_tokens_field: self.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.tools:
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        calls: dict[int, dict[str, str]] = {}
        usage = Usage()
        try:
            stream = await self.client.chat.completions.create(**kwargs)
            async for chunk in stream:
                if chunk.usage is not None:
                    usage = Usage(
                        chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0
                    )
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        yield TextDelta(delta.content)
                    for part in delta.tool_calls or []:
                        call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                        call["id"] = part.id or call["id"]
                        if part.function is not None:
                            call["name"] += part.function.name or ""
                            call["arguments"] += part.function.arguments or ""
        except openai.APITimeoutError as exc:
            raise ProviderTimeout(f"the model did not answer within {self.timeout:g}s") from exc
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"the model service answered {exc.status_code}: {exc.message}",
                status=exc.status_code,
            ) from exc
        except openai.OpenAIError as exc:
            raise ProviderError(f"the model service could not be reached: {exc}") from exc
        for index in sorted(calls):
            yield _tool_call(calls[index], index)
        yield usage

    async def aclose(self) -> None:
        await self.client.close()


def is_openai(base_url: str | None) -> bool:
    """OpenAI's own service: no base URL, or one on ``api.openai.com``."""
    if base_url is None:
        return True
    host = base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return host == "api.openai.com"


def _tool_call(raw: dict[str, str], index: int) -> ToolCall:
    call_id = raw["id"] or f"call_{index}"
    try:
        arguments = json.loads(raw["arguments"] or "{}")
    except ValueError:
        return ToolCall(call_id, raw["name"], {}, raw["arguments"])
    if not isinstance(arguments, dict):
        return ToolCall(call_id, raw["name"], {}, raw["arguments"])
    return ToolCall(call_id, raw["name"], arguments)
