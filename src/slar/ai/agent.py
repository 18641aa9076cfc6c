"""One assistant turn: model call → tool calls (approval first for writes) → results → model
call ... until the model answers without calling a tool.

Guardrails live here: the conversation's token budget is checked before every model call, at
most ``max_tool_calls`` tools run per turn, every model call has a deadline, and an approval
waits at most ``approval_timeout`` (no answer counts as a refusal). What the turn produced so
far (messages, usage) stays on the ``Turn`` when it fails, so the caller can still keep it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slar.ai import tools as toolbox
from slar.ai.errors import AiError, is_unauthenticated
from slar.ai.metrics import AI_TOOL_CALLS
from slar.ai.protocol import (
    ApprovalRequestFrame,
    ServerFrame,
    TextDeltaFrame,
    ToolCallFrame,
    ToolResultFrame,
)
from slar.ai.providers.base import (
    ChatMessage,
    Provider,
    ProviderEvent,
    Request,
    TextDelta,
    ToolCall,
    Usage,
)
from slar.client import ApiError, AsyncSlarClient, calls

log = logging.getLogger("slar.ai.agent")

Emit = Callable[[ServerFrame], Awaitable[None]]
Approve = Callable[[ApprovalRequestFrame], Awaitable[bool]]

REFUSED = "The user refused this action, so it was NOT done. Do not retry it unless asked."
NO_APPROVAL_CHANNEL = (
    "This action needs the user's approval, which only the interactive chat (WebSocket "
    "/ws/chat) can give. It was NOT done; tell the user to ask there."
)
LIMIT_REACHED = "Tool-call limit of this turn reached: the tool was NOT run. Answer now."


@dataclass(frozen=True)
class Limits:
    max_tool_calls: int
    token_budget: int
    model_timeout: float
    approval_timeout: float


@dataclass
class Turn:
    """The state of one turn; ``messages`` are the ones this turn added (user message first)."""

    provider: Provider
    client: AsyncSlarClient
    system: str
    limits: Limits
    emit: Emit
    approve: Approve | None
    tokens_before: int = 0
    tools: dict[str, toolbox.Tool] = field(default_factory=toolbox.all_tools)
    messages: list[ChatMessage] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    tool_calls_made: int = 0

    @property
    def conversation_tokens(self) -> int:
        return self.tokens_before + self.usage.input_tokens + self.usage.output_tokens

    async def run(self, history: list[ChatMessage], text: str) -> None:
        self.messages.append(ChatMessage("user", [{"type": "text", "text": text}]))
        specs = [t.spec() for t in self.tools.values()]
        while True:
            if self.conversation_tokens >= self.limits.token_budget:
                raise AiError(
                    "ai.budget_exhausted",
                    f"this conversation used its budget of {self.limits.token_budget} tokens; "
                    "start a new conversation",
                    status=429,
                )
            request = Request(self.system, [*history, *self.messages], specs)
            answer, calls = await self.call_model(request)
            blocks: list[dict[str, Any]] = [{"type": "text", "text": answer}] if answer else []
            blocks += [
                {"type": "tool_call", "id": c.id, "name": c.name, "arguments": c.arguments}
                for c in calls
            ]
            if blocks:
                self.messages.append(ChatMessage("assistant", blocks))
            if not calls:
                return
            if self.tool_calls_made > self.limits.max_tool_calls:
                raise AiError(
                    "ai.tool_limit",
                    f"the assistant kept calling tools past the limit of "
                    f"{self.limits.max_tool_calls} per turn",
                )
            results: list[dict[str, Any]] = []
            for call in calls:
                self.tool_calls_made += 1
                await self.emit(ToolCallFrame(id=call.id, name=call.name, arguments=call.arguments))
                if self.tool_calls_made > self.limits.max_tool_calls:
                    content, is_error = LIMIT_REACHED, True
                else:
                    content, is_error = await self._execute(call)
                tool = call.name if call.name in self.tools else "unknown"
                AI_TOOL_CALLS.labels(tool, "error" if is_error else "ok").inc()
                await self.emit(
                    ToolResultFrame(id=call.id, name=call.name, content=content, is_error=is_error)
                )
                results.append(
                    {"type": "tool_result", "id": call.id, "content": content, "is_error": is_error}
                )
            self.messages.append(ChatMessage("tool", results))

    async def call_model(self, request: Request) -> tuple[str, list[ToolCall]]:
        """Stream one model call under its deadline; text deltas go out as they arrive."""
        stream: AsyncIterator[ProviderEvent] = self.provider.stream(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.model_timeout
        text: list[str] = []
        calls: list[ToolCall] = []
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError
                try:
                    event = await asyncio.wait_for(anext(stream), remaining)
                except StopAsyncIteration:
                    break
                if isinstance(event, TextDelta):
                    text.append(event.text)
                    await self.emit(TextDeltaFrame(text=event.text))
                elif isinstance(event, ToolCall):
                    calls.append(event)
                else:
                    self.usage = Usage(
                        self.usage.input_tokens + event.input_tokens,
                        self.usage.output_tokens + event.output_tokens,
                    )
        except TimeoutError as exc:
            raise AiError(
                "ai.timeout",
                f"the model did not answer within {self.limits.model_timeout:g}s",
                status=504,
            ) from exc
        finally:
            await _close(stream)
        return "".join(text), calls

    async def _execute(self, call: ToolCall) -> tuple[str, bool]:
        """Run one tool call; returns (result text, is_error). Refusals are results too."""
        tool = self.tools.get(call.name)
        if tool is None:
            return f"unknown tool {call.name!r}", True
        if call.malformed is not None:
            return f"the arguments of {call.name} were not a JSON object: {call.malformed}", True
        try:
            args = toolbox.parse_arguments(tool, call.arguments)
        except toolbox.ToolArgumentsInvalid as exc:
            return str(exc), True
        if tool.needs_approval and self.approve is None:
            return NO_APPROVAL_CHANNEL, True
        try:
            if tool.needs_approval:
                request = ApprovalRequestFrame(
                    approval_id="ap_" + secrets.token_urlsafe(12),
                    tool=tool.name,
                    arguments=call.arguments,
                    summary=await self._summary(tool, args),
                )
                if not await self._ask(request):
                    return REFUSED, True
            return toolbox.render(await tool.run(self.client, args)), False
        except ApiError as exc:
            if is_unauthenticated(exc):
                raise
            return toolbox.render({"error": {"code": exc.code, "message": exc.message}}), True

    async def _summary(self, tool: toolbox.Tool, args: Any) -> str:
        """What the user approves, in words: with the incident's number, title and state, so
        an id the model got wrong is seen before it is acted on (an unknown one is an error
        for the model, and nobody is asked)."""
        summary = tool.summary(args)
        incident_id = getattr(args, "incident_id", None)
        if isinstance(incident_id, int):
            incident = await self.client.call(calls.get_incident(incident_id))
            summary += f' — #{incident.number} "{incident.title}" ({incident.status})'
        return summary

    async def _ask(self, request: ApprovalRequestFrame) -> bool:
        assert self.approve is not None
        try:
            return await asyncio.wait_for(self.approve(request), self.limits.approval_timeout)
        except TimeoutError:
            log.info("approval %s timed out: refused", request.approval_id)
            return False


async def _close(stream: AsyncIterator[ProviderEvent]) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        try:
            await closer()
        except Exception:  # closing a failed stream must not hide the first error
            log.debug("closing the model stream failed", exc_info=True)
